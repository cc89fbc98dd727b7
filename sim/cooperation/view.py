"""What cooperation rules may see of the territory: a read-only view of sites and resources.

Rules decide from this view and nothing else; they never touch SimPy or the records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from sim.scenario import schema
from sim.scenario.transport import distance_km
from sim.scenario.walk import split_ref


class ResourceState(Protocol):
    """The state of a resource a rule may read."""

    @property
    def busy(self) -> int: ...

    @property
    def capacity(self) -> int: ...

    @property
    def waiting(self) -> int: ...


class SiteView:
    """Sites by index, their resources' states by (site, role), and distances between sites."""

    def __init__(self, scenario: schema.Scenario, sites: Sequence[str], resources: dict[str, ResourceState]):
        self.sites = list(sites)
        self.index = {name: k for k, name in enumerate(self.sites)}
        self._resources = {(self.index[str(split_ref(key)[0])], split_ref(key)[1]): state for key, state in resources.items()}
        self._distance = [[distance_km(scenario, a, b) for b in self.sites] for a in self.sites]

    def resource(self, site: int, role: str) -> ResourceState | None:
        """The state of `role` at a site (None if the site has no such role)."""
        return self._resources.get((site, role))

    def occupancy(self, site: int, role: str) -> float:
        """Busy over capacity in force (infinite when closed)."""
        state = self.resource(site, role)
        if state is None:
            return math.inf
        return state.busy / state.capacity if state.capacity > 0 else math.inf

    def distance(self, a: int, b: int) -> float:
        """Great-circle km between two sites (infinite without locations)."""
        return self._distance[a][b]
