"""`route`: at arrival, the patient picks the site where its pathway runs.

`nearest` takes the candidate closest to the stream's own site (`at`); `shortest_queue` the
fewest waiting for `resource`, then the lowest occupancy; `least_occupied` the lowest busy /
capacity; `weights` draws a site with the patient's own uniform number (common random
numbers: the same patient goes to the same site in every variant with the same weights).
Ties go to the first site listed. The patient presents at the chosen site directly: no
transport time is added, but the flow from its stream's site to the chosen one is recorded.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario import schema
from sim.cooperation.view import SiteView


class RoutePolicy:
    """One route rule: chooses the care site of each arriving patient of its streams."""

    def __init__(self, rule: schema.RouteRule, view: SiteView, origin: int):
        self.rule = rule
        self.view = view
        self.among = [view.index[s] for s in rule.among]
        self.origin = origin
        choose = rule.choose
        self.cumulative = None
        if isinstance(choose, schema.Weights):
            weights = np.asarray([choose.weights.get(s, 0.0) for s in rule.among], dtype=float)
            self.cumulative = (np.cumsum(weights) / weights.sum()).tolist()
        elif choose == "nearest":
            self.nearest = min(self.among, key=lambda s: (view.distance(origin, s), self.among.index(s)))
        self.states = [view.resource(s, rule.resource) for s in self.among] if rule.resource else []
        """The compared resource at each candidate, read at each choice."""

    @property
    def draws(self) -> bool:
        """Whether the choice needs a uniform number of the patient."""
        return self.cumulative is not None

    def choose(self, u: float) -> int:
        """The care site, given the patient's uniform number `u` (used by `weights` only)."""
        if self.cumulative is not None:
            for site, bound in zip(self.among, self.cumulative):
                if u < bound:
                    return site
            return self.among[-1]
        if self.rule.choose == "nearest":
            return self.nearest
        by_queue = self.rule.choose == "shortest_queue"
        best, best_key = self.among[0], None
        for site, state in zip(self.among, self.states):
            occupancy = state.busy / state.capacity if state.capacity > 0 else math.inf
            key = (state.waiting, occupancy) if by_queue else (occupancy,)
            if best_key is None or key < best_key:
                best, best_key = site, key
        return best
