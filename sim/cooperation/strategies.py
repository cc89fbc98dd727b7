"""The triggers and choosers of cooperation rules: small strategy classes, each registered under
the word a scenario uses for it, resolved once when the model is built.

A *trigger* says whether a resource at a site is saturated (`full`, `occupancy_above`,
`queue_above`, `wait_above`); a site *has room* when its trigger does not hold. A *chooser*
picks one site among candidates (`nearest`, `least_occupied`, `in_order`, `shortest_queue`,
`weights`); ties go to the site listed first. A word with no strategy fails loudly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from sim.cooperation.view import ResourceState, SiteView
from sim.scenario import schema


def occupancy(state: ResourceState) -> float:
    """Busy over capacity in force (infinite when closed)."""
    return state.busy / state.capacity if state.capacity > 0 else math.inf


# --- triggers ----------------------------------------------------------------------------------


class Trigger(Protocol):
    """Whether a resource is saturated; `wait_above` is the wait that sets it off, if any."""

    wait_above: float | None

    def holds(self, state: ResourceState | None) -> bool:
        """Whether the resource (None: the site has none) is saturated now."""
        ...


class Full:
    """`full`: no unit is free at once."""

    wait_above: float | None = None

    def holds(self, state: ResourceState | None) -> bool:
        return state is None or not (state.busy < state.capacity and state.waiting == 0)


class OccupancyAbove:
    """`occupancy_above`: busy over capacity in force above a share."""

    wait_above: float | None = None

    def __init__(self, share: float):
        self.share = share

    def holds(self, state: ResourceState | None) -> bool:
        return state is None or occupancy(state) > self.share


class QueueAbove:
    """`queue_above`: more patients waiting than a number."""

    wait_above: float | None = None

    def __init__(self, count: int):
        self.count = count

    def holds(self, state: ResourceState | None) -> bool:
        return state is None or state.waiting > self.count


class WaitAbove(Full):
    """`wait_above`: the patient has waited that long at home (checked then, not on asking); a
    partner has room when a unit is free there at once."""

    def __init__(self, minutes: float):
        self.wait_above = minutes


TRIGGERS: dict[type | str, Callable[[schema.Trigger], Trigger]] = {
    "full": lambda when: Full(),
    schema.OccupancyAbove: lambda when: OccupancyAbove(when.occupancy_above),
    schema.QueueAbove: lambda when: QueueAbove(when.queue_above),
    schema.WaitAbove: lambda when: WaitAbove(when.wait_above),
}
"""The trigger of each `when` of the scenario language: a word, or the model of a map."""


def trigger(when: schema.Trigger) -> Trigger:
    """The trigger a rule's `when` names."""
    make = TRIGGERS.get(when if isinstance(when, str) else type(when))
    if make is None:
        raise TypeError(f"no trigger for `when: {when!r}` (known: {', '.join(map(str, TRIGGERS))})")
    return make(when)


# --- choosers ----------------------------------------------------------------------------------


class Chooser(Protocol):
    """Picks one site among candidates, given the patient's own uniform number `u`."""

    draws: bool
    """Whether the choice needs `u`."""

    def choose(self, candidates: Sequence[int], u: float) -> int:
        """One of the (non-empty) candidates, listed in the rule's order."""
        ...


class _Ranked:
    """A chooser that takes the candidate of smallest rank, the first listed among equals."""

    draws = False

    def __init__(self, view: SiteView, role: str | None, origin: int, listed: Sequence[int]):
        self.view, self.role, self.origin = view, role, origin
        self.order = {site: k for k, site in enumerate(listed)}

    def rank(self, site: int) -> tuple[float, ...]:
        raise NotImplementedError

    def choose(self, candidates: Sequence[int], u: float) -> int:
        return min(candidates, key=lambda site: (*self.rank(site), self.order[site]))


class Nearest(_Ranked):
    """`nearest`: the closest to the origin (the home site, or the stream's site); distances do
    not change, so each set of candidates is ranked once."""

    def __init__(self, view: SiteView, role: str | None, origin: int, listed: Sequence[int]):
        super().__init__(view, role, origin, listed)
        self._chosen: dict[tuple[int, ...], int] = {}

    def rank(self, site: int) -> tuple[float, ...]:
        return (self.view.distance(self.origin, site),)

    def choose(self, candidates: Sequence[int], u: float) -> int:
        key = tuple(candidates)
        if key not in self._chosen:
            self._chosen[key] = super().choose(candidates, u)
        return self._chosen[key]


class LeastOccupied(_Ranked):
    """`least_occupied`: the lowest busy over capacity of the rule's role."""

    def rank(self, site: int) -> tuple[float, ...]:
        return (self.view.occupancy(site, self.role or ""),)


class ShortestQueue(_Ranked):
    """`shortest_queue`: the fewest waiting for the rule's role, then the lowest occupancy."""

    def rank(self, site: int) -> tuple[float, ...]:
        state = self.view.resource(site, self.role or "")
        return (math.inf, math.inf) if state is None else (state.waiting, occupancy(state))


class InOrder:
    """`in_order`: the first listed."""

    draws = False

    def __init__(self, view: SiteView, role: str | None, origin: int, listed: Sequence[int]):
        pass

    def choose(self, candidates: Sequence[int], u: float) -> int:
        return candidates[0]


class Weighted:
    """`weights`: a site drawn with its relative weight, by the patient's own uniform number
    (common random numbers: the same patient goes to the same site whenever the weights are
    the same)."""

    draws = True

    def __init__(self, weights: dict[str, float], view: SiteView, listed: Sequence[int]):
        values = np.asarray([weights.get(view.sites[site], 0.0) for site in listed], dtype=float)
        self.bounds = (np.cumsum(values) / values.sum()).tolist()
        self.listed = list(listed)

    def choose(self, candidates: Sequence[int], u: float) -> int:
        for site, bound in zip(self.listed, self.bounds):
            if u < bound:
                return site
        return self.listed[-1]


CHOOSERS: dict[str, type[_Ranked] | type[InOrder]] = {
    "nearest": Nearest,
    "least_occupied": LeastOccupied,
    "shortest_queue": ShortestQueue,
    "in_order": InOrder,
}
"""The chooser of each word of `choose`; `{weights: ...}` makes a Weighted one."""


def chooser(choose: str | schema.Weights, view: SiteView, role: str | None, origin: int, listed: Sequence[int]) -> Chooser:
    """The chooser a rule's `choose` names, over the sites `listed` in the rule's order."""
    if isinstance(choose, schema.Weights):
        return Weighted(choose.weights, view, listed)
    make = CHOOSERS.get(choose)
    if make is None:
        raise TypeError(f"no chooser for `choose: {choose!r}` (known: {', '.join(CHOOSERS)}, weights)")
    return make(view, role, origin, listed)
