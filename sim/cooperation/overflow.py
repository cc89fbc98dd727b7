"""`overflow`: send a patient to a partner site when the home resource is saturated.

The trigger is read when the patient asks for the resource at home (`full`,
`occupancy_above`, `queue_above`), or once its wait at home reaches `wait_above`. A partner
*has room* when the same trigger does not hold there (`full` and `wait_above`: a unit is free
at once). Among partners with room, `nearest` takes the closest to home, `least_occupied` the
lowest busy/capacity, `in_order` the first listed. Without a partner with room, or past
`max_per_day` transfers in the day, or while the rule is out of its time in force, the patient
waits at home (a `wait_above` patient is checked again every `recheck`). With `reserve`, a partner needs a unit free at once: it is taken when the
transfer is decided and held during the journey.
"""

from __future__ import annotations

from sim.cooperation.strategies import chooser, trigger
from sim.cooperation.switch import Switch
from sim.cooperation.view import SiteView
from sim.scenario import schema

MINUTES_PER_DAY = 1440.0

RECHECK = 60.0
"""With `wait_above` and no `recheck`: a patient still waiting is checked again every hour."""


class OverflowPolicy:
    """One overflow rule, ready to decide for patients asking for its resource at its home site."""

    def __init__(self, rule: schema.OverflowRule, view: SiteView, streams: list[str], switch: Switch | None = None):
        self.rule = rule
        self.switch = switch
        """With a time in force: whether the rule is in force now."""
        self.sent = 0
        """Counted patients this rule sent to a partner."""
        self.refused = 0
        """Counted patients this rule would have sent, in force and triggered, when no partner had
        room (or the day's quota was used): they waited at home."""
        self.role = rule.resource
        self.home = view.index[rule.from_]
        self.partners = [view.index[p] for p in rule.to]
        self.streams = None if rule.arrivals is None else {streams.index(a) for a in rule.arrivals}
        self.trigger = trigger(rule.when)
        self.chooser = chooser(rule.choose, view, self.role, self.home, self.partners)
        self.wait_above = self.trigger.wait_above
        self.recheck = rule.recheck if rule.recheck is not None else RECHECK
        """With `wait_above`: how often a patient still waiting is checked again (minutes)."""
        self.reserve = rule.reserve
        self._day = -1
        self._today = 0
        self.states = {s: view.resource(s, self.role) for s in (self.home, *self.partners) if view.resource(s, self.role) is not None}
        """The resource of the rule's role at home and at each partner."""

    def in_force(self) -> bool:
        """Whether the rule applies now (always, without a time in force)."""
        return self.switch is None or self.switch.on

    def concerns(self, stream: int) -> bool:
        """Whether the rule applies to patients of this stream."""
        return self.streams is None or stream in self.streams

    def saturated(self, site: int) -> bool:
        """Whether the trigger holds at a site now (for `wait_above`: no unit is free)."""
        return self.trigger.holds(self.states.get(site))

    def _free_now(self, site: int) -> bool:
        """Whether a unit of the role is free at once at a site (one can be reserved)."""
        state = self.states.get(site)
        return state is not None and state.busy < state.capacity and state.waiting == 0

    def partner(self, now: float) -> int | None:
        """The partner that takes the patient now, or None (it waits at home)."""
        if self.rule.max_per_day is not None:
            day = int(now // MINUTES_PER_DAY)
            if day != self._day:
                self._day, self._today = day, 0
            if self._today >= self.rule.max_per_day:
                return None
        room = [p for p in self.partners if not self.saturated(p)]
        if self.reserve:
            room = [p for p in room if self._free_now(p)]
        if not room:
            return None
        self._today += 1
        return self.chooser.choose(room, 0.0)
