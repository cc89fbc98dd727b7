"""`route`: at arrival, the patient picks the site where its pathway runs.

`nearest` takes the candidate closest to the stream's own site (`at`); `shortest_queue` the
fewest waiting for `resource`, then the lowest occupancy; `least_occupied` the lowest busy /
capacity; `weights` draws a site with the patient's own uniform number (common random
numbers: the same patient goes to the same site in every variant with the same weights).
Ties go to the first site listed. The patient presents at the chosen site directly (no
transport time, but the flow from its stream's site to the chosen one is recorded), or, with
`travel`, travels there from its stream's site. Out of the rule's time in force, patients stay
at their stream's site.
"""

from __future__ import annotations

from sim.cooperation.strategies import chooser
from sim.cooperation.switch import Switch
from sim.cooperation.view import SiteView
from sim.scenario import schema


class RoutePolicy:
    """One route rule: chooses the care site of each arriving patient of its streams."""

    def __init__(self, rule: schema.RouteRule, view: SiteView, origin: int, switch: Switch | None = None):
        self.rule = rule
        self.origin = origin
        self.switch = switch
        """With a time in force: whether the rule is in force now."""
        self.among = [view.index[s] for s in rule.among]
        self.chooser = chooser(rule.choose, view, rule.resource, origin, self.among)

    @property
    def draws(self) -> bool:
        """Whether the choice needs a uniform number of the patient."""
        return self.chooser.draws

    def choose(self, u: float) -> int:
        """The care site, given the patient's uniform number `u` (used by `weights` only); the
        stream's own site while the rule is out of force."""
        if self.switch is not None and not self.switch.on:
            return self.origin
        return self.chooser.choose(self.among, u)
