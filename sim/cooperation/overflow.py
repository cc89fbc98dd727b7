"""`overflow`: send a patient to a partner site when the home resource is saturated.

The trigger is read when the patient asks for the resource at home (`full`,
`occupancy_above`, `queue_above`), or once its wait at home reaches `wait_above`. A partner
*has room* when the same trigger does not hold there (`full` and `wait_above`: a unit is free
at once). Among partners with room, `nearest` takes the closest to home, `least_occupied` the
lowest busy/capacity, `in_order` the first listed. Without a partner with room, or past
`max_per_day` transfers in the day, the patient waits at home.
"""

from __future__ import annotations

import math

from sim.scenario import schema
from sim.cooperation.view import SiteView

MINUTES_PER_DAY = 1440.0


class OverflowPolicy:
    """One overflow rule, ready to decide for patients asking for its resource at its home site."""

    def __init__(self, rule: schema.OverflowRule, view: SiteView, streams: list[str]):
        self.rule = rule
        self.view = view
        self.role = rule.resource
        self.home = view.index[rule.from_]
        self.partners = [view.index[p] for p in rule.to]
        self.streams = None if rule.arrivals is None else {streams.index(a) for a in rule.arrivals}
        self.wait_above = rule.when.wait_above if isinstance(rule.when, schema.WaitAbove) else None
        self._day = -1
        self._today = 0
        self.states = {s: view.resource(s, self.role) for s in (self.home, *self.partners) if view.resource(s, self.role) is not None}
        """The resource of the rule's role at home and at each partner."""

    def concerns(self, stream: int) -> bool:
        """Whether the rule applies to patients of this stream."""
        return self.streams is None or stream in self.streams

    def saturated(self, site: int) -> bool:
        """Whether the trigger holds at a site now (for `wait_above`: no unit is free)."""
        when, state = self.rule.when, self.states.get(site)
        if state is None:
            return True
        if isinstance(when, schema.OccupancyAbove):
            return (state.busy / state.capacity if state.capacity > 0 else math.inf) > when.occupancy_above
        if isinstance(when, schema.QueueAbove):
            return state.waiting > when.queue_above
        return not (state.busy < state.capacity and state.waiting == 0)

    def partner(self, now: float) -> int | None:
        """The partner that takes the patient now, or None (it waits at home)."""
        if self.rule.max_per_day is not None:
            day = int(now // MINUTES_PER_DAY)
            if day != self._day:
                self._day, self._today = day, 0
            if self._today >= self.rule.max_per_day:
                return None
        room = [p for p in self.partners if not self.saturated(p)]
        if not room:
            return None
        if self.rule.choose == "nearest":
            chosen = min(room, key=lambda p: (self.view.distance(self.home, p), self.partners.index(p)))
        elif self.rule.choose == "least_occupied":
            chosen = min(room, key=lambda p: (self.view.occupancy(p, self.role), self.partners.index(p)))
        else:
            chosen = room[0]
        self._today += 1
        return chosen
