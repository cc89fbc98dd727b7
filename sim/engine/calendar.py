"""Booking calendars: appointment slots generated from opening hours, booked earliest first.

Each opening interval is cut into slots of the calendar's length (a last partial slot is not
offered); every slot exists once per scanner. Slots are generated week by week as bookings
reach further out, and "the first free slot at or after t" is found with a union-find over
slot indices, so a long backlog costs almost nothing per booking.
"""

from __future__ import annotations

from bisect import bisect_left

from sim import schema

MINUTES_PER_WEEK = 7 * 1440.0


def week_slots(spec: schema.CalendarSpec, week_offset: float) -> list[float]:
    """Start times of the slots of one week, relative to the start of that week's time 0."""
    starts = []
    for opening in spec.open:
        count = int((opening.end - opening.start) / spec.slot + 1e-9)
        for day in opening.days:
            first = day * 1440.0 + opening.start - week_offset
            starts += [first + k * spec.slot for k in range(count)]
    return sorted(starts)


class Calendar:
    """One calendar's slots and how many scanners are still free in each."""

    __slots__ = ("spec", "_pattern", "_weeks", "times", "free", "_next")

    def __init__(self, spec: schema.CalendarSpec, week_offset: float):
        self.spec = spec
        self._pattern = week_slots(spec, week_offset)
        self._weeks = 0
        self.times: list[float] = []
        self.free: list[int] = []
        self._next: list[int] = []

    @property
    def slots_per_week(self) -> int:
        """Appointments offered in a week: slots × scanners."""
        return len(self._pattern) * self.spec.scanners

    def _extend(self) -> None:
        """Generate one more week of slots (the first week may start before time 0)."""
        shift = self._weeks * MINUTES_PER_WEEK
        for start in self._pattern:
            t = start + shift
            if t >= 0:
                self._next.append(len(self.times))
                self.times.append(t)
                self.free.append(self.spec.scanners)
        self._weeks += 1

    def _find(self, index: int) -> int:
        """The first slot at or after `index` with a free scanner (path halving)."""
        nxt = self._next
        while True:
            while index >= len(self.times):
                self._extend()
            parent = nxt[index]
            if parent == index:
                return index
            grand = nxt[parent] if parent < len(nxt) else parent
            nxt[index] = grand
            index = parent

    def earliest(self, t: float) -> int:
        """Index of the earliest slot starting at or after t with a free scanner."""
        if not self._pattern:
            raise ValueError("a calendar with no opening hours offers no slot")
        while not self.times or self.times[-1] < t:
            self._extend()
        return self._find(bisect_left(self.times, t))

    def first_at_or_after(self, t: float) -> int:
        """Index of the first slot starting at or after t, free or not."""
        while not self.times or self.times[-1] < t:
            self._extend()
        return bisect_left(self.times, t)

    def take(self, index: int) -> float:
        """Book one scanner of slot `index`; its start time."""
        self.free[index] -= 1
        if self.free[index] <= 0:
            self._next[index] = index + 1
        return self.times[index]

    def offered_between(self, t0: float, t1: float) -> int:
        """Appointments offered by slots starting in [t0, t1)."""
        while not self.times or self.times[-1] < t1:
            self._extend()
        return (bisect_left(self.times, t1) - bisect_left(self.times, t0)) * self.spec.scanners

    def booked_between(self, t0: float, t1: float) -> int:
        """Appointments booked in slots starting in [t0, t1)."""
        lo, hi = bisect_left(self.times, t0), bisect_left(self.times, t1)
        return sum(self.spec.scanners - f for f in self.free[lo:hi])
