"""Resources patients wait for: a capacity that may follow a weekly timeline, and a queue.

Smaller priority values are served first, first come first served among equals. When the
capacity in force drops, patients in service finish and nobody new starts above the new
capacity; when it rises, waiting patients start at once. Services start directly (no
request or release events), which keeps a resource to a few operations per patient.

The hot paths (a unit taken at once, a patient queued, a unit freed) append to the state log's
change list themselves, as a time and a code (`records.BUSY_UP`, ...), to save a call and two
numbers per change; any other change records the whole state (`StateLog.record`).
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

from sim.engine.records import BUSY_DOWN, BUSY_UP, FOLD_LENGTH, QUEUE_DOWN, QUEUE_UP, StateLog
from sim.scenario import schema

if TYPE_CHECKING:
    from sim.engine.patients import Patient

MINUTES_PER_WEEK = 7 * 1440.0

Timeline = list[tuple[float, int]]
"""Capacity changes within a week: (minute of the week, capacity from then on), sorted."""


class Resource:
    """A capacity at a site, with its queue and its state log."""

    __slots__ = ("key", "capacity", "busy", "waiting", "_heap", "_seq", "log", "code", "blocked", "blocked_log", "nights", "base", "shift",
                 "changes")

    def __init__(self, key: str, capacity: int, log: StateLog, blocked_log: StateLog | None = None):
        self.key = key
        self.capacity = capacity
        self.busy = 0
        self.waiting = 0
        self._heap: list[list[Any]] = []
        self._seq = 0
        self.log = log
        self.changes = log.changes
        self.code = 0
        """Code of the resource's name in the event log, when events are recorded."""
        self.blocked = 0
        """Units held by patients whose care here is over (kept until their next unit is theirs)."""
        self.blocked_log = blocked_log
        """The step function of `blocked` (and the capacity), for a resource some step keeps."""
        self.nights = 0
        """Nights blocked: patients holding a unit at 00:00 and still blocked in it at 08:00."""
        self.base = capacity
        """The capacity its own timeline sets (the capacity in force is `base + shift`)."""
        self.shift = 0
        """Capacity lent to (+) or by (-) this resource by staff-sharing rules with a time in force."""

    def try_start(self, now: float) -> bool:
        """Take a unit at once if one is free and nobody waits; True when taken."""
        if self.busy < self.capacity and not self.waiting:
            self.busy += 1
            changes = self.changes
            changes.append(now)
            changes.append(BUSY_UP)
            if len(changes) >= FOLD_LENGTH:
                self.log.fold()
            return True
        return False

    def take_now(self, now: float) -> None:
        """Take a unit now for a patient elsewhere (a reservation, decided while a unit is free)."""
        self.busy += 1
        self.log.record(now, self.busy, self.waiting, self.capacity)

    def enqueue(self, now: float, priority: float, patient: Patient, start: Any) -> list[Any]:
        """Queue `patient`; `start(patient, self, now)` runs when a unit is given. Returns the ticket."""
        self._seq += 1
        ticket = [priority, self._seq, patient, start]
        heappush(self._heap, ticket)
        self.waiting += 1
        changes = self.changes
        changes.append(now)
        changes.append(QUEUE_UP)
        if len(changes) >= FOLD_LENGTH:
            self.log.fold()
        return ticket

    def withdraw(self, now: float, ticket: list[Any]) -> bool:
        """Take a ticket out of the queue (the patient lost patience); False if already served."""
        if ticket[3] is None:
            return False
        ticket[3] = None
        self.waiting -= 1
        self.log.record(now, self.busy, self.waiting, self.capacity)
        return True

    def release(self, now: float) -> None:
        """Free one unit: the first patient waiting takes it at once if the capacity in force
        allows (the usual case, busy stays as logged), else it stays free."""
        busy, waiting = self.busy, self.waiting
        ticket = None
        if waiting and busy <= self.capacity:
            if busy != self.capacity and waiting != 1:  # capacity rose meanwhile: maybe several start
                self.busy = busy - 1
                self._serve(now)
                return
            heap = self._heap
            ticket = heappop(heap)
            while ticket[3] is None:  # withdrawn earlier
                ticket = heappop(heap)
            self.waiting = waiting - 1
            code = QUEUE_DOWN
        else:
            self.busy = busy - 1
            code = BUSY_DOWN
        changes = self.changes
        changes.append(now)
        changes.append(code)
        if len(changes) >= FOLD_LENGTH:
            self.log.fold()
        if ticket is not None:
            start, ticket[3] = ticket[3], None
            start(ticket[2], self, now)

    def set_base(self, now: float, base: int) -> None:
        """A new capacity from the resource's own timeline; what rules lend stays on top."""
        self.base = base
        self.set_capacity(now, base + self.shift)

    def lend(self, now: float, units: int) -> None:
        """Units added (or, negative, removed) by a staff-sharing rule switching in or out of force."""
        self.shift += units
        self.set_capacity(now, self.base + self.shift)

    def set_capacity(self, now: float, capacity: int) -> None:
        """Apply a new capacity in force."""
        self.capacity = capacity
        if self.blocked_log is not None:
            self.blocked_log.record(now, self.blocked, 0, capacity)
        if self.waiting and self.busy < capacity:
            self._serve(now)
        else:
            self.log.record(now, self.busy, self.waiting, self.capacity)

    def _serve(self, now: float) -> None:
        """Start waiting patients while the capacity in force allows, in order."""
        starts = []
        while self.waiting and self.busy < self.capacity:
            ticket = heappop(self._heap)
            start = ticket[3]
            if start is None:
                continue  # withdrawn earlier
            ticket[3] = None
            self.busy += 1
            self.waiting -= 1
            starts.append((start, ticket[2]))
        self.log.record(now, self.busy, self.waiting, self.capacity)
        for start, patient in starts:
            start(patient, self, now)


def week_minute(window_day: int, time_of_day: float) -> float:
    """Minute of the week of a weekday (Monday = 0) and a time of day."""
    return window_day * 1440.0 + time_of_day


def timeline(base: int, windows: list[tuple[schema.Window, int]]) -> Timeline:
    """Weekly capacity: `base`, plus each window's delta while the window is in force.

    A window with `to` earlier than `from` runs past midnight into the next day; a window
    of Sunday evening may run into Monday morning.
    """
    spans = []
    for window, delta in windows:
        length = (window.to - window.from_) % 1440.0 or 1440.0
        for day in window.days:
            start = week_minute(day, window.from_)
            spans.append((start, start + length, delta))
    points = sorted({0.0} | {a % MINUTES_PER_WEEK for a, _, _ in spans} | {b % MINUTES_PER_WEEK for _, b, _ in spans})
    changes: Timeline = []
    for minute in points:
        level = base + sum(d for a, b, d in spans if a <= minute < b or a <= minute + MINUTES_PER_WEEK < b)
        if not changes or changes[-1][1] != level:
            changes.append((minute, level))
    return changes


def schedule_windows(spec: schema.CapacityResource) -> list[tuple[schema.Window, int]]:
    """A schedule as deltas over the base capacity (windows do not overlap)."""
    return [(w, w.capacity - spec.capacity) for w in spec.schedule]


def opening_windows(spec: schema.CalendarSpec) -> list[tuple[schema.Window, int]]:
    """A calendar's opening hours as windows adding its scanners to a closed (0) base."""
    windows = []
    for opening in spec.open:
        window = schema.Window.model_construct(days=opening.days, from_=opening.start, to=opening.end % 1440.0, capacity=spec.scanners)
        windows.append((window, spec.scanners))
    return windows


def capacity_at(changes: Timeline, week_offset: float, t: float) -> int:
    """Capacity in force at time t, time 0 being `week_offset` minutes into the week."""
    minute = (week_offset + t) % MINUTES_PER_WEEK
    level = changes[0][1]
    for start, capacity in changes:
        if start > minute:
            break
        level = capacity
    return level
