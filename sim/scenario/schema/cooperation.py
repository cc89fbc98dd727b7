"""Cooperation rules: overflow, route, share_staff and share_calendar, each with an optional name
and an optional time in force (periods of the run, or a switch on the system's state)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from sim.scenario.schema.sites import Window
from sim.scenario.schema.types import (
    AttributeValue,
    Duration,
    Ident,
    Moment,
    NonNegative,
    Probability,
    RoleRef,
    Strict,
    single_key,
    tagged,
)


class Period(Strict):
    """A stretch of the run during which a rule is in force, from `from` (included) to `to`."""

    from_: Moment | None = Field(None, alias="from")
    """Start: a duration from time 0 (30d) or a date (2020-10-22) with `run.start` (default: time 0)."""
    to: Moment | None = None
    """End, excluded (default: the end of the run)."""


class SwitchOn(Strict):
    """When a rule switches on: a resource's occupancy above a share, for long enough."""

    of: RoleRef
    """The resource watched, SITE.ROLE."""
    occupancy_above: Probability
    """Busy over capacity in force above this share..."""
    for_: Duration = Field(0.0, alias="for")
    """...without a break for this long (default: at once)."""


class SwitchOff(Strict):
    """When a rule switches off again: the same resource's occupancy below a share, for long enough."""

    occupancy_below: Probability
    """Busy over capacity in force below this share..."""
    for_: Duration = Field(0.0, alias="for")
    """...without a break for this long (default: at once)."""


class StateSwitch(Strict):
    """A rule in force from a threshold crossed until a lower one (hysteresis), as a "plan blanc"."""

    when: SwitchOn
    """Switch the rule on when this holds."""
    until: SwitchOff
    """Switch it off again when this holds."""


InForce = Annotated[
    Union[
        Annotated[tuple[Period, ...], Tag("<periods>")],
        Annotated[StateSwitch, Tag("<switch>")],
        Annotated[Period, Tag("<period>")],
    ],
    Discriminator(
        lambda v: "<periods>" if isinstance(v, (list, tuple)) else ("<switch>" if "when" in v else "<period>") if isinstance(v, dict) else None,
        custom_error_type="in_force",
        custom_error_message="expected {from: WHEN, to: WHEN}, a list of them, or {when: {...}, until: {...}}",
    ),
]


class RuleCommon(Strict):
    """What every cooperation rule may carry: a name and a time in force."""

    name: Ident | None = None
    """A name for results, the report and variants (`cooperation.NAME` addresses the rule)."""
    in_force: InForce | None = None
    """When the rule applies: {from, to} (dates or times of the run), a list of such periods, or
    {when: {of, occupancy_above, for}, until: {occupancy_below, for}}; default: the whole run."""


class OccupancyAbove(Strict):
    occupancy_above: Probability
    """Trigger when busy / capacity in force is above this share."""


class QueueAbove(Strict):
    queue_above: Annotated[int, Field(ge=0)]
    """Trigger when more than this many patients wait."""


class WaitAbove(Strict):
    wait_above: Duration
    """Trigger when the patient has waited longer than this."""


Trigger = Annotated[
    Union[
        Annotated[Literal["full"], Tag("<str>")],
        Annotated[OccupancyAbove, Tag("<occupancy_above>")],
        Annotated[QueueAbove, Tag("<queue_above>")],
        Annotated[WaitAbove, Tag("<wait_above>")],
    ],
    tagged(
        ("<str>", str),
        ("<occupancy_above>", OccupancyAbove),
        ("<queue_above>", QueueAbove),
        ("<wait_above>", WaitAbove),
        message="expected full, {occupancy_above: SHARE}, {queue_above: N} or {wait_above: DURATION}",
    ),
]


class OverflowRule(RuleCommon):
    """Send patients to a partner when the home resource is saturated."""

    resource: Ident
    """Role whose saturation triggers the transfer."""
    from_: Ident = Field(alias="from")
    """Home site."""
    to: Annotated[tuple[Ident, ...], Field(min_length=1)]
    """Partner sites that may take the patient."""
    when: Trigger = "full"
    """`full`, {occupancy_above: x}, {queue_above: n} or {wait_above: DURATION}."""
    choose: Literal["nearest", "least_occupied", "in_order"] = "nearest"
    """How a partner is chosen among those with room."""
    arrivals: tuple[Ident, ...] | None = None
    """Streams concerned (default: all)."""
    max_per_day: Annotated[int, Field(ge=0)] | None = None
    """Cap on transfers per day under this rule."""
    reserve: bool = False
    """The partner's unit is taken when the transfer is decided and held during transport (only a
    partner with a unit free at once is chosen); the patient frees what it keeps at home as it leaves."""
    recheck: Duration | None = None
    """With `wait_above`: how often a patient still waiting is checked again (default 1h)."""

    @model_validator(mode="after")
    def _recheck(self) -> OverflowRule:
        if self.recheck is not None and not isinstance(self.when, WaitAbove):
            raise ValueError("`recheck` applies to `when: {wait_above: ...}` only")
        if self.recheck is not None and self.recheck <= 0:
            raise ValueError("`recheck` must be longer than 0min")
        return self


class Weights(Strict):
    """Route by fixed shares: each candidate site is drawn with its relative weight."""

    weights: dict[Ident, NonNegative]
    """Relative weight of each site."""


class RouteRule(RuleCommon):
    """At arrival, the patient picks a site among several."""

    arrivals: Annotated[tuple[Ident, ...], Field(min_length=1)]
    """Streams concerned."""
    among: Annotated[tuple[Ident, ...], Field(min_length=2)]
    """Candidate sites."""
    resource: Ident | None = None
    """Role compared by `shortest_queue` and `least_occupied`."""
    choose: Annotated[
        Union[
            Annotated[Literal["nearest", "shortest_queue", "least_occupied"], Tag("<str>")],
            Annotated[Weights, Tag("<weights>")],
        ],
        tagged(
            ("<str>", str),
            ("<weights>", Weights),
            message="expected nearest, shortest_queue, least_occupied or {weights: {SITE: W}}",
        ),
    ] = "nearest"
    """`nearest`, `shortest_queue`, `least_occupied`, or {weights: {site: w}}."""
    travel: bool = False
    """The patient presents at its stream's site and travels to the chosen one, its transport time
    counted in its time in system (a cross-border patient driving to the other hospital)."""

    @model_validator(mode="after")
    def _needs_resource(self) -> RouteRule:
        if self.choose in ("shortest_queue", "least_occupied") and self.resource is None:
            raise ValueError(f"route by `{self.choose}` needs `resource` (the role to compare)")
        return self


class ShareStaffRule(RuleCommon):
    """Shared medical time: capacity leaves one site for another during sessions."""

    resource: Ident
    """Role lent."""
    from_: Ident = Field(alias="from")
    """Site that lends the capacity."""
    to: Ident
    """Site that receives it."""
    sessions: Annotated[tuple[Window, ...], Field(min_length=1)]
    """Weekly sessions, each with the capacity moved."""


class Quotas(Strict):
    """Slots of a shared calendar reserved by the value of a patient attribute."""

    by: Ident
    """Patient attribute the quotas apply to (e.g. prescriber)."""
    shares: dict[AttributeValue, Probability]
    """Share of slots reserved for each value."""


class ShareCalendarRule(RuleCommon):
    """Equipment shared between partners: several sites book on one calendar."""

    calendar: RoleRef
    """The shared calendar, SITE.ROLE."""
    partners: Annotated[tuple[Ident, ...], Field(min_length=1)]
    """Sites whose patients book on it."""
    quotas: Quotas | None = None
    """Shares of slots reserved by attribute value (default: fully pooled)."""
    release_unused: Duration | None = None
    """A reserved slot still free this long before its time opens to all."""


class Overflow(Strict):
    overflow: OverflowRule
    """An overflow rule."""


class Route(Strict):
    route: RouteRule
    """A route rule."""


class ShareStaff(Strict):
    share_staff: ShareStaffRule
    """A staff-sharing rule."""


class ShareCalendar(Strict):
    share_calendar: ShareCalendarRule
    """A calendar-sharing rule."""


RULE_KINDS = ("overflow", "route", "share_staff", "share_calendar")

Rule = Annotated[
    Union[
        Annotated[Overflow, Tag("<overflow>")],
        Annotated[Route, Tag("<route>")],
        Annotated[ShareStaff, Tag("<share_staff>")],
        Annotated[ShareCalendar, Tag("<share_calendar>")],
    ],
    Discriminator(
        single_key(RULE_KINDS),
        custom_error_type="rule",
        custom_error_message="expected one cooperation rule: " + ", ".join(RULE_KINDS),
    ),
]


def rule_kind(rule: Overflow | Route | ShareStaff | ShareCalendar) -> str:
    """The kind of a rule: the key of its one-key wrapper (`overflow`, `route`, ...)."""
    return next(iter(type(rule).model_fields))


def rule_body(rule: Overflow | Route | ShareStaff | ShareCalendar) -> RuleCommon:
    """The rule inside its one-key wrapper (`{overflow: {...}}` gives the overflow rule)."""
    return getattr(rule, rule_kind(rule))
