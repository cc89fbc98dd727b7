"""The whole scenario: run settings, targets, and the top-level model."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    Field,
    Tag,
    model_validator,
)

from sim.scenario import units
from sim.scenario.limits import MAX_REPLICATIONS
from sim.scenario.schema.arrivals import Arrival
from sim.scenario.schema.cooperation import Rule
from sim.scenario.schema.sites import Site, Transport
from sim.scenario.schema.steps import BranchOption, OtherwiseOption, Step, UseStep
from sim.scenario.schema.types import Duration, Ident, Probability, RoleRef, Strict, VariantName, tagged


class Run(Strict):
    """How long, how often and with which seed the scenario runs."""

    horizon: Duration
    """Simulated time after the warm-up."""
    warmup: Duration = 0.0
    """Simulated first, then discarded from every statistic."""
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 10
    """Independent runs of every variant."""
    seed: Annotated[int, Field(ge=0, le=2**64 - 1)] = 1
    """Root seed of every random stream."""
    start: datetime.date | None = None
    """Calendar date of time 0 (default: an unnamed Monday)."""

    @model_validator(mode="after")
    def _positive(self) -> Run:
        if self.horizon <= 0:
            raise ValueError("`horizon` must be longer than 0min")
        return self


class WaitTarget(Strict):
    """A bound on a named wait or access delay, reported as the share of patients meeting it."""

    wait: Ident
    """Name of a `use` or `book` step."""
    within: Duration
    """Share of patients whose wait (or access delay) is at most this."""
    share: Probability | None = None
    """Compliance level: the target is met when the 95% interval of the share of patients within
    `within` lies at or above it (`share: 0.9`: 90% of patients get a bed within 4 h)."""


class OccupancyTarget(Strict):
    """A bound on occupancy, reported as the share of time meeting it."""

    occupancy: RoleRef
    """A role (at every site) or SITE.ROLE."""
    below: Probability
    """Share of time the occupancy is below this."""
    share: Probability | None = None
    """Compliance level: the target is met when the 95% interval of the share of open time below
    `below` lies at or above it; without it, when the 95% interval of the mean occupancy lies at
    or below `below`."""


Target = Annotated[
    Union[Annotated[WaitTarget, Tag("<wait>")], Annotated[OccupancyTarget, Tag("<occupancy>")]],
    tagged(
        ("<wait>", WaitTarget),
        ("<occupancy>", OccupancyTarget),
        message="expected {wait: NAME, within: DURATION} or {occupancy: ROLE, below: SHARE}",
    ),
]


class UncertainInput(Strict):
    """An input known only as a range, with where the range comes from."""

    low: Union[float, str]
    """Lowest plausible value, written as at its path (a number, a duration `9d`, a rate `180/d`)."""
    high: Union[float, str]
    """Highest plausible value."""
    mode: Union[float, str, None] = None
    """Most likely value: the range is then triangular (default: uniform between low and high)."""
    source: Annotated[str, Field(min_length=1)] | None = None
    """Where the range comes from (a source ID of the calibration notes, a publication)."""
    assumption: Annotated[str, Field(min_length=1)] | None = None
    """Why the range is assumed, when no source gives it."""

    @model_validator(mode="after")
    def _sourced(self) -> UncertainInput:
        if (self.source is None) == (self.assumption is None):
            raise ValueError("an uncertain input needs exactly one of `source` (where the range comes from) or `assumption` (why it is assumed)")
        for end, value in (("low", self.low), ("high", self.high), ("mode", self.mode)):
            if value is not None and units.amount(value) is None:
                raise ValueError(f"{end} ({value}) is not a number, a duration (9d) or a rate (180/d): only those can vary in a range")
        low, high, mode = (units.amount(v) for v in (self.low, self.high, self.mode))
        if not low < high:
            raise ValueError(f"the range must go up: low ({self.low}) must be below high ({self.high})")
        if mode is not None and not low <= mode <= high:
            raise ValueError(f"mode ({self.mode}) must lie between low ({self.low}) and high ({self.high})")
        return self


class Scenario(Strict):
    """A territory, its patients and its cooperation, with the variants to compare."""

    version: Literal[1]
    """Version of the scenario language (1)."""
    name: Annotated[str, Field(min_length=1)]
    """Title of the scenario."""
    description: str = ""
    """One paragraph a director can read."""
    sources: tuple[str, ...] = ()
    """Where the numbers come from."""
    run: Run
    """Horizon, warm-up, replications and seed."""
    sites: Annotated[dict[Ident, Site], Field(min_length=1)]
    """Sites by identifier."""
    transport: Transport = Transport()
    """Transport times between sites."""
    arrivals: Annotated[tuple[Arrival, ...], Field(min_length=1)]
    """Arrival streams."""
    pathways: Annotated[dict[Ident, tuple[Step, ...]], Field(min_length=1)]
    """Pathways by name: lists of steps."""
    cooperation: tuple[Rule, ...] = ()
    """Cooperation rules in force."""
    variants: dict[VariantName, dict[str, Any] | None] = Field(default_factory=dict)
    """Named partial scenarios merged over this one; the baseline is one of them."""
    baseline: str | None = None
    """The variant others are compared with (default: the first)."""
    sweep: dict[str, Annotated[list[Any], Field(min_length=1)]] | None = None
    """Dotted paths to lists of values; their cartesian product runs as generated variants."""
    targets: tuple[Target, ...] = ()
    """Waits and occupancies reported as the share meeting them."""
    uncertain: dict[str, UncertainInput] = Field(default_factory=dict)
    """Inputs known only as a range, by dotted path: what `coopsim sensitivity` varies."""


UseStep.model_rebuild()
BranchOption.model_rebuild()
OtherwiseOption.model_rebuild()
Scenario.model_rebuild()


SHORTHANDS = {
    "#/$defs/Fixed": {"type": "string", "pattern": r"^\s*[0-9.]+\s*(min|h|d|w)\s*$", "description": "a fixed duration: 30min"},
    "#/$defs/CapacityResource": {"type": "integer", "minimum": 0, "description": "a fixed capacity: 24"},
}
"""Shorthands the validators accept before the union applies, keyed by a member of that union."""


def _with_shorthands(node: Any) -> Any:
    """The schema with each union that has a shorthand (`for: 30min`, `ed_box: 24`) accepting it too."""
    if isinstance(node, list):
        return [_with_shorthands(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _with_shorthands(value) for key, value in node.items()}
    members = node.get("oneOf", [])
    for ref, shorthand in SHORTHANDS.items():
        if any(m.get("$ref") == ref for m in members if isinstance(m, dict)):
            node["oneOf"] = [*members, shorthand]
    return node


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario language, for editors (shorthands included)."""
    schema = _with_shorthands(Scenario.model_json_schema(by_alias=True, mode="validation"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coopsim scenario (version 1)"
    return schema
