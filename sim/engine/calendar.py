"""Booking calendars: appointment slots generated from opening hours, booked earliest first.

Each opening interval is cut into slots of the calendar's length (a last partial slot is not
offered); every slot exists once per scanner, as one *entry*. Entries are generated week by
week as bookings reach further out.

With quotas (`share_calendar`), each entry is reserved for one group (a value of the quota
attribute), assigned in time order by smooth weighted round-robin so that every group's share
holds over any stretch of entries to within one. A group books the earliest free entry it owns;
with `release_unused`, a free entry of another group also qualifies once its time is that close.
Without quotas every entry belongs to the one group 0 (full pooling).

"The first entry at or after index i that group g may take" is a union-find with path halving
per group, so a long backlog costs almost nothing per booking.
"""

from __future__ import annotations

import math
from bisect import bisect_left

from sim.scenario import schema

MINUTES_PER_WEEK = 7 * 1440.0
FREE = -1
"""Taker of an entry nobody has booked."""


def week_slots(spec: schema.CalendarSpec, week_offset: float) -> list[float]:
    """Start times of the slots of one week (once each, scanners aside), time 0 being
    `week_offset` minutes into the week."""
    starts = []
    for opening in spec.open:
        count = int((opening.end - opening.start) / spec.slot + 1e-9)
        for day in opening.days:
            first = day * 1440.0 + opening.start - week_offset
            starts += [first + k * spec.slot for k in range(count)]
    return sorted(starts)


class Calendar:
    """One calendar's entries, who owns each (quotas) and who booked it."""

    __slots__ = ("spec", "shares", "release", "_pattern", "_regimes", "_weeks", "_credit", "times", "owner", "taker", "_next", "_any")

    def __init__(self, spec: schema.CalendarSpec, week_offset: float, shares: list[float] | None = None,
                 release: float | None = None, regimes: list[tuple[float, float, schema.CalendarSpec]] | None = None):
        self.spec = spec
        self.shares = shares or [1.0]
        """Share of entries reserved for each group (one group of share 1 without quotas)."""
        self.release = release
        """With quotas: minutes before its time at which a free entry opens to every group."""
        self._pattern = [t for t in week_slots(spec, week_offset) for _ in range(spec.scanners)]
        self._regimes = [(start, end, [t for t in week_slots(s, week_offset) for _ in range(s.scanners)])
                         for start, end, s in (regimes or [(0.0, math.inf, spec)])]
        """Each dated regime of opening hours and scanners: (start, end, slots of one week)."""
        self._weeks = 0
        self._credit = [0.0] * len(self.shares)
        self.times: list[float] = []
        self.owner: list[int] = []
        self.taker: list[int] = []
        self._next: list[list[int]] = [[] for _ in self.shares]
        self._any: list[int] = []

    @property
    def pooled(self) -> int:
        """The group of a booking outside every quota group, that may take any free entry."""
        return len(self.shares)

    @property
    def slots_per_week(self) -> int:
        """Appointments offered in a week: slots × scanners."""
        return len(self._pattern)

    def _owner(self) -> int:
        """The group of the next entry: smooth weighted round-robin over the shares."""
        credit = self._credit
        for g, share in enumerate(self.shares):
            credit[g] += share
        best = max(range(len(credit)), key=lambda g: credit[g])
        credit[best] -= sum(self.shares)
        return best

    def _extend(self) -> None:
        """Generate one more week of entries (the first week may start before time 0), each
        from the regime in force at its time."""
        if not any(pattern for _, _, pattern in self._regimes):
            raise ValueError("a calendar with no opening hours offers no slot")
        shift = self._weeks * MINUTES_PER_WEEK
        week = self._regimes[0][2] if len(self._regimes) == 1 else sorted(
            start for first, last, pattern in self._regimes for start in pattern if first <= start + shift < last)
        for start in week:
            t = start + shift
            if t < 0:
                continue
            index = len(self.times)
            owner = self._owner()
            self.times.append(t)
            self.owner.append(owner)
            self.taker.append(FREE)
            for g, nxt in enumerate(self._next):
                nxt.append(index if g == owner else index + 1)
            self._any.append(index)
        self._weeks += 1

    def _find(self, nxt: list[int], index: int) -> int:
        """The first entry at or after `index` still open in structure `nxt` (path halving)."""
        while True:
            while index >= len(self.times):
                self._extend()
            parent = nxt[index]
            if parent == index:
                return index
            nxt[index] = nxt[parent] if parent < len(nxt) else parent
            index = parent

    def _at(self, t: float) -> int:
        """Index of the first entry starting at or after t."""
        while not self.times or self.times[-1] < t:
            self._extend()
        return bisect_left(self.times, t)

    def earliest(self, t: float, now: float, group: int = 0) -> int:
        """The earliest entry at or after t that `group` may book now: its own, or another
        group's free entry due within the release time. A patient outside every quota group
        books like a pooled one (the checks make sure streams that book have a quota group)."""
        start = self._at(t)
        if not 0 <= group < len(self._next):
            return self._find(self._any, start)
        own = self._find(self._next[group], start)
        if self.release is not None:
            other = self._find(self._any, start)
            if other < own and self.times[other] - now <= self.release:
                return other
        return own

    def first_at_or_after(self, t: float) -> int:
        """Index of the first entry starting at or after t, booked or not (for overbooking)."""
        return self._at(t)

    def take(self, index: int, group: int = 0) -> float:
        """Book entry `index` for `group`; its start time."""
        if self.taker[index] == FREE:
            self.taker[index] = group
            for nxt in self._next:
                if nxt[index] == index:
                    nxt[index] = index + 1
            self._any[index] = index + 1
        return self.times[index]

    def offered_between(self, t0: float, t1: float) -> int:
        """Entries (appointments) offered with a start in [t0, t1)."""
        self._at(t1)
        return bisect_left(self.times, t1) - bisect_left(self.times, t0)

    def booked_between(self, t0: float, t1: float) -> list[int]:
        """Entries booked in [t0, t1), by the group of who booked them."""
        lo, hi = bisect_left(self.times, t0), bisect_left(self.times, t1)
        counts = [0] * len(self.shares)
        for taker in self.taker[lo:hi]:
            if taker != FREE and taker < len(counts):
                counts[taker] += 1
        return counts
