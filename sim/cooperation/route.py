"""`route`: at arrival, the patient picks the site where its pathway runs.

`nearest` takes the candidate closest to the stream's own site (`at`); `shortest_queue` the
fewest waiting for `resource`, then the lowest occupancy; `least_occupied` the lowest busy /
capacity; `weights` draws a site with the patient's own uniform number (common random
numbers: the same patient goes to the same site in every variant with the same weights).
Ties go to the first site listed. The patient presents at the chosen site directly: no
transport time is added, but the flow from its stream's site to the chosen one is recorded.
"""

from __future__ import annotations

from sim.cooperation.strategies import chooser
from sim.cooperation.view import SiteView
from sim.scenario import schema


class RoutePolicy:
    """One route rule: chooses the care site of each arriving patient of its streams."""

    def __init__(self, rule: schema.RouteRule, view: SiteView, origin: int):
        self.rule = rule
        self.among = [view.index[s] for s in rule.among]
        self.chooser = chooser(rule.choose, view, rule.resource, origin, self.among)

    @property
    def draws(self) -> bool:
        """Whether the choice needs a uniform number of the patient."""
        return self.chooser.draws

    def choose(self, u: float) -> int:
        """The care site, given the patient's uniform number `u` (used by `weights` only)."""
        return self.chooser.choose(self.among, u)
