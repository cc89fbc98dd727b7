"""Compact records of one replication: appended to in the hot loop, no statistics computed here.

Waits and stays go to `array('d')` (8 bytes each). A resource's state (busy, queue, capacity)
is a step function logged as it changes (into an array of C doubles) and folded every few
thousand changes into running integrals with numpy, so memory stays flat however long the horizon.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

FOLD_EVERY = 16384
"""State changes kept before they are folded into the integrals."""
FOLD_LENGTH = FOLD_EVERY * 2
"""Length of the change array (two numbers a change: time, code) at which it is folded."""

SET, BUSY_UP, BUSY_DOWN, QUEUE_UP, QUEUE_DOWN = 0.0, 1.0, 2.0, 3.0, 4.0
"""What a change does: SET the state to the next (busy, queue, capacity) of `StateLog.absolutes`;
one unit more or less busy; one patient more waiting; one patient less waiting (a freed unit
handed straight to the first in the queue: busy stays). Floats, as the times beside them in
the array of doubles."""
_BUSY_STEP = np.array([0.0, 1.0, -1.0, 0.0, 0.0])
_QUEUE_STEP = np.array([0.0, 0.0, 0.0, 1.0, -1.0])

SIGNALS = ("busy", "capacity", "ratio", "open", "full", "queue")
"""Integrated signals of a resource: busy units, capacity in force, busy/capacity where open,
open time (capacity > 0), full time (busy >= capacity > 0), patients waiting; then one
signal per occupancy threshold: open time with busy/capacity below it."""


class StateLog:
    """The step function of a resource's (busy, queue, capacity), integrated over time.

    Integrals are kept at every hour boundary of the run and at the end of the warm-up, so
    that any window (the measured period, or each hour for the occupancy table) is a
    difference of two values.
    """

    __slots__ = ("changes", "absolutes", "hours", "at_hours", "_integral", "_t0", "_state", "warmup", "end", "peak",
                 "queue_max", "thresholds")

    def __init__(self, warmup: float, end: float, busy: int, queue: int, capacity: int, thresholds: tuple[float, ...] = ()):
        self.warmup, self.end, self.thresholds = warmup, end, thresholds
        self.hours = np.union1d(np.arange(0.0, end, 60.0), [warmup, end])
        width = len(SIGNALS) + len(thresholds)
        self.at_hours = np.full((len(self.hours), width), np.nan)
        self._integral = np.zeros(width)
        self._t0, self._state = 0.0, (busy, queue, capacity)
        self.changes = array("d")
        """Changes, flat: time, code, time, code, ... (codes: SET, BUSY_UP, ...), as C doubles: a
        resource appends its usual changes to it in its hot path (time, then code) and calls `fold`
        when it reaches FOLD_LENGTH, as `record` does. Nothing of Python's is kept per change, so
        the fold copies a buffer and the times' float objects are freed as soon as they are used."""
        self.absolutes: list[int] = []
        """(busy, queue, capacity) of each SET change since the last fold, flat."""
        self.peak = busy if warmup <= 0 else 0
        self.queue_max = queue if warmup <= 0 else 0

    def record(self, t: float, busy: int, queue: int, capacity: int) -> None:
        """The state from time t on, whatever it was (a change the hot paths do not code)."""
        self.absolutes.extend((busy, queue, capacity))
        changes = self.changes
        changes.append(t)
        changes.append(SET)
        if len(changes) >= FOLD_LENGTH:
            self.fold()

    def fold(self, until: float | None = None) -> None:
        """Integrate the logged changes (and the state in force until `until`). Each signal is a
        contiguous row summed on its own: the same sums, in the same order, as a column of a table."""
        flat = np.frombuffer(self.changes, dtype=float).copy()
        n = len(flat) // 2
        times = np.empty(n + 1)
        times[0] = self._t0
        times[1:] = flat[0::2]
        busy, queue, cap = self._states(flat[1::2].astype(np.intp))
        stop = times[-1] if until is None else until
        ends = np.append(times[1:], stop)
        lengths = ends - times
        open_ = cap > 0
        ratio = np.divide(busy, cap, out=np.zeros_like(busy), where=open_)
        signals = [busy, cap, ratio, open_, open_ & (busy >= cap), queue, *[open_ & (ratio < x) for x in self.thresholds]]
        cumulative = np.empty((len(signals), n + 2))
        cumulative[:, 0] = 0.0
        for row, signal in zip(cumulative, signals):
            np.multiply(signal, lengths, out=row[1:])
            np.cumsum(row[1:], out=row[1:])
        cumulative += self._integral[:, None]
        knots = np.append(times, stop)
        first, last = np.searchsorted(self.hours, [knots[0], knots[-1]], side="left")[0], np.searchsorted(self.hours, knots[-1], side="right")
        hours = self.hours[first:last]
        for j, row in enumerate(cumulative):
            self.at_hours[first:last, j] = np.interp(hours, knots, row)
        measured = (ends > self.warmup) & (times < self.end) & (lengths > 0)
        if measured.any():
            self.peak = max(self.peak, int(busy[measured].max()))
            self.queue_max = max(self.queue_max, int(queue[measured].max()))
        self._integral = cumulative[:, -1].copy()
        if until is None:
            self._t0, self._state = float(times[-1]), (int(busy[-1]), int(queue[-1]), int(cap[-1]))
        else:
            self._t0 = until
        del self.changes[:]
        self.absolutes.clear()

    def _states(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(busy, queue, capacity) from the state in force before the changes, then after each:
        running sums of the coded steps, reset at each SET (whole numbers, so exactly those logged)."""
        sets = np.flatnonzero(codes == SET)
        columns = [np.empty(len(codes) + 1) for _ in range(3)]
        for column, state in zip(columns, self._state):
            column[0] = state
        if len(sets):
            segment = np.zeros(len(codes), dtype=np.intp)
            segment[sets] = np.arange(1, len(sets) + 1)
            segment = np.maximum.accumulate(segment)
            absolute = np.asarray(self.absolutes, dtype=float).reshape(-1, 3)
        for j, steps in ((0, _BUSY_STEP), (1, _QUEUE_STEP)):
            running = np.cumsum(steps[codes], out=columns[j][1:])
            if len(sets):
                running += np.concatenate([[self._state[j]], absolute[:, j] - running[sets]])[segment]
            else:
                running += self._state[j]
        columns[2][1:] = np.concatenate([[self._state[2]], absolute[:, 2]])[segment] if len(sets) else self._state[2]
        return columns[0], columns[1], columns[2]

    def close(self) -> None:
        """Integrate up to the end of the run; call once, after the last record."""
        self.fold(until=self.end)

    def integral(self, t0: float, t1: float) -> np.ndarray:
        """Integrals of every signal from t0 to t1 (hour boundaries or the warm-up end, after `close`)."""
        i0, i1 = np.searchsorted(self.hours, [t0, t1])
        return self.at_hours[i1] - self.at_hours[i0]

    def hourly(self) -> np.ndarray:
        """Integrals of every signal over each whole hour of the measured period (rows = hours)."""
        start = np.searchsorted(self.hours, self.warmup)
        return np.diff(self.at_hours[start:], axis=0)


@dataclass
class WaitRecord:
    """Waits at one named step, in minutes, of patients counted (arrived after warm-up), and,
    when `hours` is given, the hourly sums and counts of every patient's waits (warm-up
    included, for warm-up advice)."""

    hours: int | None
    waits: array = field(default_factory=lambda: array("d"))
    left: int = 0
    """How many of those waits ended with the patient leaving unseen."""
    hour_sums: list[float] | None = field(init=False)
    hour_counts: list[int] | None = field(init=False)

    def __post_init__(self) -> None:
        self.hour_sums = None if self.hours is None else [0.0] * (self.hours + 1)
        self.hour_counts = None if self.hours is None else [0] * (self.hours + 1)

    def add(self, now: float, wait: float, counted: bool) -> None:
        """A wait ending now: in the hourly series if kept, and as a wait if the patient is counted."""
        if self.hour_sums is not None:
            hour = int(now // 60)
            self.hour_sums[hour] += wait
            self.hour_counts[hour] += 1
        if counted:
            self.waits.append(wait)


@dataclass
class StreamRecord:
    """Counts and times in system of the counted patients of one arrival stream."""

    arrivals: int = 0
    departed: int = 0
    left_unseen: int = 0
    went_elsewhere: int = 0
    """Of those who left unseen, the requests offered no slot they accepted (they booked elsewhere)."""
    stays: array = field(default_factory=lambda: array("d"))
    handovers: array = field(default_factory=lambda: array("d"))
    """Minutes from arrival until the patient left the first unit it kept: its next unit was
    theirs, or it left (for an ED patient who boards, the ED length of stay)."""


@dataclass
class TransferRecord:
    """Transfers between two sites: departure times and transport durations (minutes)."""

    times: array = field(default_factory=lambda: array("d"))
    durations: array = field(default_factory=lambda: array("d"))


@dataclass
class BookingRecord:
    """Access delays (request to appointment, minutes) at one `book` step."""

    delays: array = field(default_factory=lambda: array("d"))
    forced: int = 0
    """Urgent requests squeezed in beyond the free slots."""
    left: int = 0
    """Requests offered no slot within their patience, which went elsewhere."""


PATIENT_EVENTS = ("arrival", "queue", "start", "end", "leave", "booked", "appointment", "transfer_out", "transfer_in", "depart",
                  "blocked")
"""What a patient event says happened."""
RULE_EVENTS = ("rule_on", "rule_off")
"""A rule with a time in force comes into force, or goes out of it (no patient: `patient` is -1)."""
EVENT_KINDS = PATIENT_EVENTS + RULE_EVENTS
"""Every kind of event in the log."""


class EventLog:
    """One row per patient event, as compact integer codes and times (only with `--events`)."""

    __slots__ = ("patient", "stream", "label", "site", "resource", "kind", "time", "labels", "_label_codes")

    def __init__(self) -> None:
        self.patient = array("q")
        self.stream = array("i")
        self.label = array("i")
        self.site = array("i")
        self.resource = array("i")
        self.kind = array("b")
        self.time = array("d")
        self.labels: list[str] = [""]
        self._label_codes: dict[str, int] = {"": 0}

    def code(self, label: str) -> int:
        """The code of a step label or resource name (0 is the empty name)."""
        if label not in self._label_codes:
            self._label_codes[label] = len(self.labels)
            self.labels.append(label)
        return self._label_codes[label]

    def add(self, patient: int, stream: int, label: int, site: int, resource: int, kind: int, time: float) -> None:
        """Append one event (codes from `code`, `kind` an index of EVENT_KINDS)."""
        self.patient.append(patient)
        self.stream.append(stream)
        self.label.append(label)
        self.site.append(site)
        self.resource.append(resource)
        self.kind.append(kind)
        self.time.append(time)
