"""The scenario language, version 1, as strict frozen pydantic models.

Every field says what it means in its docstring; `docs/scenario-reference.md` is generated
from them. Values that carry units are converted here to the engine's base units (minutes,
per minute, km per minute). Checks that need the whole scenario (references between sites,
roles and pathways) live in `sim.checks`.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim import units

# --- scalar types -------------------------------------------------------------------------

IDENT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
"""Names of sites, roles, pathways, streams and steps: letters, digits and underscores."""

_IDENT = re.compile(IDENT_PATTERN)


def _ident(value: object) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise ValueError(f"'{value}' is not a valid name (letters, digits and _, not starting with a digit)")
    return value


def _ref(value: object) -> str:
    """A role, optionally qualified by a site: ``mri`` or ``tourcoing.mri``."""
    if not isinstance(value, str) or not all(_IDENT.match(p) for p in value.split(".")) or value.count(".") > 1:
        raise ValueError(f"'{value}' is not a role or SITE.ROLE reference")
    return value


def _unit_type(parse: Any, pattern: str, description: str) -> Any:
    def validate(value: object) -> float:
        return parse(value)

    return Annotated[
        float,
        PlainValidator(validate),
        PlainSerializer(lambda v: v, return_type=float),
        WithJsonSchema({"type": "string", "pattern": pattern, "description": description}),
    ]


Ident = Annotated[str, PlainValidator(_ident), WithJsonSchema({"type": "string", "pattern": IDENT_PATTERN})]
RoleRef = Annotated[str, PlainValidator(_ref), WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$"})]
Duration = _unit_type(units.parse_duration, r"^\s*[0-9.]+\s*(min|h|d|w)\s*$", "a duration with a unit: 90min, 1.5h, 14d, 2w")
Rate = _unit_type(units.parse_rate, r"^\s*[0-9.]+\s*/\s*(min|h|d|w)\s*$", "a rate with a unit: 12/h, 250/d, 900/w")
Speed = _unit_type(units.parse_speed, r"^\s*[0-9.]+\s*km\s*/\s*(min|h)\s*$", "a speed: 45km/h")
TimeOfDay = _unit_type(units.parse_time_of_day, r"^[0-9]{1,2}:[0-9]{2}$", 'a time of day: "08:30"')
Days = Annotated[
    tuple[int, ...],
    PlainValidator(units.parse_days),
    WithJsonSchema({"type": "string", "description": "days: mon..sun, a range mon-fri, or a list sat,sun"}),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


def _attribute_value(value: object) -> bool | int | float | str:
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"expected an attribute value (a word, a number, true or false), got {type(value).__name__}")


AttributeValue = Annotated[
    Union[bool, int, float, str],
    PlainValidator(_attribute_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
"""A patient attribute value as YAML reads it: true/false, a number or a word."""


def _priority(value: object) -> str | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _IDENT.match(value):
        return value
    raise ValueError("expected a number or the name of a numeric attribute")


def _match_values(value: object) -> Any:
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("an attribute match needs at least one value")
        return tuple(_attribute_value(v) for v in value)
    return _attribute_value(value)


def _tagged(*pairs: tuple[str, Any], message: str) -> Any:
    """A discriminator choosing a union member by the key a map carries (or a plain string)."""

    def pick(value: Any) -> str | None:
        for key, kind in pairs:
            if key == "<str>" and isinstance(value, str):
                return key
            if isinstance(value, dict) and key.strip("<>") in value:
                return key
            if isinstance(value, kind) and not isinstance(value, (str, dict)):
                return key
        return None

    return Discriminator(pick, custom_error_type="choice", custom_error_message=message)


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=False)


def _single_key(options: tuple[str, ...]) -> Any:
    """A discriminator that names the union member by the one verb key a map carries."""

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return next(f"<{k}>" for k in options if getattr(value, k, None) is not None)
        if isinstance(value, dict):
            found = [k for k in options if k in value]
            return f"<{found[0]}>" if len(found) == 1 else None
        return None

    return pick


# --- distributions ------------------------------------------------------------------------


class MeanParams(Strict):
    mean: Duration
    """Mean of the duration."""


class MeanSdParams(Strict):
    mean: Duration
    """Mean of the duration itself (not of its logarithm)."""
    sd: Duration
    """Standard deviation of the duration itself."""


class TriangularParams(Strict):
    min: Duration
    """Smallest value."""
    mode: Duration
    """Most likely value."""
    max: Duration
    """Largest value."""

    @model_validator(mode="after")
    def _ordered(self) -> TriangularParams:
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError("triangular needs min <= mode <= max with min < max")
        return self


class UniformParams(Strict):
    min: Duration
    """Smallest value."""
    max: Duration
    """Largest value."""

    @model_validator(mode="after")
    def _ordered(self) -> UniformParams:
        if not self.min < self.max:
            raise ValueError("uniform needs min < max")
        return self


class WeibullParams(Strict):
    shape: Annotated[float, Field(gt=0)]
    """Shape parameter k (no unit)."""
    scale: Duration
    """Scale parameter λ (a duration)."""


class EmpiricalParams(Strict):
    values: Annotated[tuple[Duration, ...], Field(min_length=1)]
    """The durations that can occur."""
    weights: tuple[NonNegative, ...] | None = None
    """Relative weights of the values (default: equal)."""

    @model_validator(mode="after")
    def _weights(self) -> EmpiricalParams:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"empirical has {len(self.values)} values but {len(self.weights)} weights")
            if sum(self.weights) <= 0:
                raise ValueError("empirical weights are all 0")
        return self


class Fixed(Strict):
    fixed: Duration
    """Always this duration."""


class Exponential(Strict):
    exponential: MeanParams
    """Exponential distribution with the given mean."""


class Lognormal(Strict):
    lognormal: MeanSdParams
    """Lognormal distribution with the mean and sd of the variable itself."""


class Gamma(Strict):
    gamma: MeanSdParams
    """Gamma distribution with the given mean and sd."""


class Normal(Strict):
    normal: MeanSdParams
    """Normal distribution truncated at 0 (negative draws are redrawn)."""


class Triangular(Strict):
    triangular: TriangularParams
    """Triangular distribution."""


class Uniform(Strict):
    uniform: UniformParams
    """Uniform distribution between min and max."""


class Weibull(Strict):
    weibull: WeibullParams
    """Weibull distribution."""


class Empirical(Strict):
    empirical: EmpiricalParams
    """Values drawn with the given weights."""


DIST_KINDS = ("fixed", "exponential", "lognormal", "gamma", "normal", "triangular", "uniform", "weibull", "empirical")


def _dist_shorthand(value: Any) -> Any:
    """``for: 30min`` is short for ``for: {fixed: 30min}``."""
    return {"fixed": value} if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value


Distribution = Annotated[
    Union[
        Annotated[Fixed, Tag("<fixed>")],
        Annotated[Exponential, Tag("<exponential>")],
        Annotated[Lognormal, Tag("<lognormal>")],
        Annotated[Gamma, Tag("<gamma>")],
        Annotated[Normal, Tag("<normal>")],
        Annotated[Triangular, Tag("<triangular>")],
        Annotated[Uniform, Tag("<uniform>")],
        Annotated[Weibull, Tag("<weibull>")],
        Annotated[Empirical, Tag("<empirical>")],
    ],
    Discriminator(
        _single_key(DIST_KINDS),
        custom_error_type="distribution",
        custom_error_message="expected a duration or one distribution: " + ", ".join(DIST_KINDS),
    ),
]


def _dist_before(value: Any) -> Any:
    return _dist_shorthand(value)


# --- pathway steps ------------------------------------------------------------------------


class Urgent(Strict):
    p: Probability
    """Share of requests that are urgent."""
    within: Duration
    """Urgent requests get a slot no later than this after the request."""


class UseStep(Strict):
    """Hold a resource, for a duration or while nested steps run."""

    use: RoleRef
    """The role to hold, resolved at the patient's current site, or SITE.ROLE."""
    for_: Distribution | None = Field(None, alias="for")
    """How long the resource is held (a duration or a distribution)."""
    during: tuple[Step, ...] | None = None
    """Steps run while the resource is held (instead of `for`)."""
    name: Ident | None = None
    """Label under which the wait for this resource is reported."""
    priority: Annotated[
        Union[str, float], PlainValidator(_priority), WithJsonSchema({"type": ["string", "number"]})
    ] | None = None
    """Queue priority: a number or the name of a numeric attribute; smaller is served first."""
    patience: Distribution | None = None
    """A patient not served within this time leaves unseen."""

    @field_validator("for_", "patience", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _dist_before(value)

    @model_validator(mode="after")
    def _one_holding(self) -> UseStep:
        if (self.for_ is None) == (self.during is None):
            raise ValueError("a use step needs exactly one of `for` (a duration) or `during` (nested steps)")
        return self


class DelayStep(Strict):
    """Time passes; no resource is held."""

    delay: Distribution
    """How long."""

    @field_validator("delay", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _dist_before(value)


class BookStep(Strict):
    """Take the earliest allowed slot of a calendar, wait for it, then hold the scanner."""

    book: RoleRef
    """The calendar role, resolved at the patient's current site, or SITE.ROLE."""
    for_: Distribution | None = Field(None, alias="for")
    """Time on the scanner (default: one slot)."""
    name: Ident | None = None
    """Label under which the access delay (request to appointment) is reported."""
    lead: Distribution | None = None
    """Earliest appointment after the request (preparation time)."""
    urgent: Urgent | None = None
    """Share of urgent requests and the bound within which they are served."""

    @field_validator("for_", "lead", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _dist_before(value)


AttributeMatch = dict[
    Ident,
    Annotated[Any, PlainValidator(_match_values), WithJsonSchema({"type": ["string", "number", "boolean", "array"]})],
]


class BranchOption(Strict):
    """An option of a branch: it applies to patients matching `when`, then is taken with probability `p`."""

    when: AttributeMatch | None = None
    """Attribute match: attribute name to a value or a list of values."""
    p: Probability | None = None
    """Probability among the patients this option applies to."""
    steps: tuple[Step, ...] = ()
    """Steps of this option."""

    @model_validator(mode="after")
    def _condition(self) -> BranchOption:
        if self.when is None and self.p is None:
            raise ValueError("a branch option needs `p`, `when` or both (or use `otherwise`)")
        return self


class OtherwiseOption(Strict):
    """The last option of a branch: patients for whom no other option was drawn."""

    otherwise: tuple[Step, ...]
    """Steps of this option (an empty list discharges the patient)."""


BranchItem = Annotated[
    Union[Annotated[BranchOption, Tag("<option>")], Annotated[OtherwiseOption, Tag("<otherwise>")]],
    Discriminator(lambda v: "<otherwise>" if (isinstance(v, dict) and "otherwise" in v) or isinstance(v, OtherwiseOption) else "<option>"),
]


class BranchStep(Strict):
    """Exactly one option is taken, by attribute match and one uniform draw of the patient's stream."""

    branch: Annotated[tuple[BranchItem, ...], Field(min_length=1)]
    """The options, `otherwise` last."""

    @model_validator(mode="after")
    def _otherwise_last(self) -> BranchStep:
        for k, option in enumerate(self.branch[:-1]):
            if isinstance(option, OtherwiseOption):
                raise ValueError(f"`otherwise` must be the last option of a branch (found at option {k})")
        return self


class GotoStep(Strict):
    """Continue with another pathway."""

    goto: Ident
    """The pathway to continue with."""


class TransferStep(Strict):
    """Move the patient to another site, taking the transport time; later roles resolve there."""

    transfer: Ident
    """The destination site."""


STEP_VERBS = ("use", "delay", "book", "branch", "goto", "transfer")

Step = Annotated[
    Union[
        Annotated[UseStep, Tag("<use>")],
        Annotated[DelayStep, Tag("<delay>")],
        Annotated[BookStep, Tag("<book>")],
        Annotated[BranchStep, Tag("<branch>")],
        Annotated[GotoStep, Tag("<goto>")],
        Annotated[TransferStep, Tag("<transfer>")],
    ],
    Discriminator(
        _single_key(STEP_VERBS),
        custom_error_type="step",
        custom_error_message="expected a step with exactly one verb: " + ", ".join(STEP_VERBS),
    ),
]

# --- sites and resources ------------------------------------------------------------------


class Window(Strict):
    """A weekly window during which a capacity applies."""

    days: Days
    """Days of the window: mon..sun, a range (mon-fri) or a list (sat,sun)."""
    from_: TimeOfDay = Field(alias="from")
    """Start time of day, "HH:MM"."""
    to: TimeOfDay
    """End time of day, "HH:MM"; earlier than `from` means the window runs past midnight."""
    capacity: Annotated[int, Field(ge=0)]
    """Capacity in force during the window."""

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if self.to == self.from_:
            raise ValueError("a window must not start and end at the same time")
        return self


class CapacityResource(Strict):
    """A resource with a fixed capacity, optionally varying by a weekly schedule."""

    capacity: Annotated[int, Field(ge=0)] = 0
    """Capacity outside every schedule window."""
    schedule: tuple[Window, ...] = ()
    """Weekly windows with their own capacity."""


class OpeningWindow(Strict):
    """One opening interval of a calendar on some days."""

    days: tuple[int, ...]
    """Weekday indices, Monday = 0."""
    start: float
    """Opening, minutes after midnight."""
    end: float
    """Closing, minutes after midnight."""


def _opening(value: Any) -> Any:
    """``{mon-fri: "08:00-20:00", sat: "08:00-13:00"}`` to a list of opening windows."""
    if not isinstance(value, dict):
        raise ValueError('expected a map of days to opening hours, e.g. {mon-fri: "08:00-20:00"}')
    windows = []
    for days, hours in value.items():
        parsed_days = units.parse_days(days)
        for interval in hours if isinstance(hours, (list, tuple)) else str(hours).split(","):
            start, end = units.parse_interval(interval.strip() if isinstance(interval, str) else interval)
            windows.append(OpeningWindow(days=parsed_days, start=start, end=end))
    return tuple(windows)


class CalendarSpec(Strict):
    """A booked resource: appointments in slots during opening hours."""

    slot: Duration
    """Length of one appointment slot."""
    scanners: Annotated[int, Field(ge=1)] = 1
    """Machines working in parallel; each opening slot exists once per machine."""
    open: Annotated[
        tuple[OpeningWindow, ...],
        PlainValidator(_opening),
        WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}, "description": 'days to "HH:MM-HH:MM"'}),
    ]
    """Opening hours: days to "HH:MM-HH:MM" (several intervals separated by commas)."""

    @model_validator(mode="after")
    def _positive(self) -> CalendarSpec:
        if self.slot <= 0:
            raise ValueError("a calendar slot must be longer than 0min")
        return self


class CalendarResource(Strict):
    """A resource used by appointment."""

    calendar: CalendarSpec
    """The booking calendar."""


def _resource_shorthand(value: Any) -> Any:
    return {"capacity": value} if isinstance(value, int) and not isinstance(value, bool) else value


Resource = Annotated[
    Union[Annotated[CapacityResource, Tag("<capacity>")], Annotated[CalendarResource, Tag("<calendar>")]],
    Discriminator(lambda v: "<calendar>" if (isinstance(v, dict) and "calendar" in v) or isinstance(v, CalendarResource) else "<capacity>"),
]


class Site(Strict):
    """A hospital, clinic, imaging or consultation centre."""

    name: str | None = None
    """Full name shown in reports."""
    sector: Literal["public", "private", "foreign"] = "public"
    """Sector of the site."""
    location: tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]] | None = None
    """Latitude and longitude in degrees, for transport times and `nearest` choices."""
    resources: dict[Ident, Resource] = Field(default_factory=dict)
    """Resources by role: a capacity, a map with `capacity` and `schedule`, or a `calendar`."""

    @field_validator("resources", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _resource_shorthand(v) for k, v in value.items()}
        return value


class Transport(Strict):
    """Time to move a patient between two sites."""

    speed: Speed = 50.0 / 60.0
    """Average road speed applied to the great-circle distance times `detour`."""
    detour: Annotated[float, Field(ge=1.0)] = 1.3
    """Road distance over great-circle distance."""
    handover: Duration = 0.0
    """Added to every transfer (loading, handover)."""
    times: dict[str, Duration] = Field(default_factory=dict)
    """Explicit times by pair `a-b` (both directions); they win over the formula."""


# --- arrivals -------------------------------------------------------------------------------


class Series(Strict):
    """Daily rates from data: `per_day[k]` patients on day k from time 0, piecewise constant."""

    file: str | None = None
    """CSV file with columns `day` and `per_day`, relative to the scenario file."""
    per_day: tuple[NonNegative, ...] = ()
    """The daily rates (read from `file` when it is given)."""
    scale: Annotated[float, Field(gt=0)] = 1.0
    """Multiplier applied to every daily rate."""

    @model_validator(mode="after")
    def _source(self) -> Series:
        if self.file is None and not self.per_day:
            raise ValueError("a series needs `file` or `per_day`")
        return self


CurvePoint = tuple[Duration, NonNegative]
Attribute = Annotated[
    Union[Annotated[dict[AttributeValue, Probability], Tag("<categorical>")], Annotated[AttributeValue, Tag("<constant>")]],
    Discriminator(lambda v: "<categorical>" if isinstance(v, dict) else "<constant>"),
]


class Arrival(Strict):
    """A stream of patients appearing at a site and following one pathway."""

    name: Ident
    """Name of the stream (unique)."""
    at: Ident
    """Site where the patients appear."""
    rate: Rate | None = None
    """Mean rate over a whole week (e.g. 150/d)."""
    series: Series | None = None
    """Daily rates from data, instead of `rate`, `weekly` and `curve`."""
    hourly: tuple[NonNegative, ...] | None = None
    """24 relative weights by hour of day, normalised to mean 1."""
    weekly: tuple[NonNegative, ...] | None = None
    """7 relative weights, Monday first, normalised to mean 1."""
    curve: tuple[CurvePoint, ...] | None = None
    """Piecewise-linear multiplier over time: [[time, factor], ...], constant beyond its ends."""
    attributes: dict[Ident, Attribute] = Field(default_factory=dict)
    """Attributes drawn at arrival: a constant, or value: probability."""
    pathway: Ident
    """The pathway the patients follow."""

    @model_validator(mode="after")
    def _shape(self) -> Arrival:
        if (self.rate is None) == (self.series is None):
            raise ValueError("an arrival stream needs exactly one of `rate` or `series`")
        if self.series is not None and (self.weekly is not None or self.curve is not None):
            raise ValueError("`series` gives daily rates: `weekly` and `curve` cannot be combined with it")
        for key, size in (("hourly", 24), ("weekly", 7)):
            weights = getattr(self, key)
            if weights is not None:
                if len(weights) != size:
                    raise ValueError(f"`{key}` needs {size} values, got {len(weights)}")
                if sum(weights) <= 0:
                    raise ValueError(f"`{key}` weights are all 0")
        if self.curve is not None:
            times = [t for t, _ in self.curve]
            if any(b <= a for a, b in zip(times, times[1:])):
                raise ValueError("`curve` times must increase strictly")
        return self


# --- cooperation rules ----------------------------------------------------------------------


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
    _tagged(
        ("<str>", str), ("<occupancy_above>", OccupancyAbove), ("<queue_above>", QueueAbove), ("<wait_above>", WaitAbove),
        message="expected full, {occupancy_above: SHARE}, {queue_above: N} or {wait_above: DURATION}",
    ),
]


class OverflowRule(Strict):
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


class Weights(Strict):
    weights: dict[Ident, NonNegative]
    """Relative weight of each site."""


class RouteRule(Strict):
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
        _tagged(("<str>", str), ("<weights>", Weights), message="expected nearest, shortest_queue, least_occupied or {weights: {SITE: W}}"),
    ] = "nearest"
    """`nearest`, `shortest_queue`, `least_occupied`, or {weights: {site: w}}."""

    @model_validator(mode="after")
    def _needs_resource(self) -> RouteRule:
        if self.choose in ("shortest_queue", "least_occupied") and self.resource is None:
            raise ValueError(f"route by `{self.choose}` needs `resource` (the role to compare)")
        return self


class ShareStaffRule(Strict):
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
    by: Ident
    """Patient attribute the quotas apply to (e.g. prescriber)."""
    shares: dict[AttributeValue, Probability]
    """Share of slots reserved for each value."""


class ShareCalendarRule(Strict):
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
        _single_key(RULE_KINDS),
        custom_error_type="rule",
        custom_error_message="expected one cooperation rule: " + ", ".join(RULE_KINDS),
    ),
]

# --- run, targets, scenario ------------------------------------------------------------------


class Run(Strict):
    """How long, how often and with which seed the scenario runs."""

    horizon: Duration
    """Simulated time after the warm-up."""
    warmup: Duration = 0.0
    """Simulated first, then discarded from every statistic."""
    replications: Annotated[int, Field(ge=1)] = 10
    """Independent runs of every variant."""
    seed: Annotated[int, Field(ge=0)] = 1
    """Root seed of every random stream."""
    start: datetime.date | None = None
    """Calendar date of time 0 (default: an unnamed Monday)."""

    @model_validator(mode="after")
    def _positive(self) -> Run:
        if self.horizon <= 0:
            raise ValueError("`horizon` must be longer than 0min")
        return self


class WaitTarget(Strict):
    wait: Ident
    """Name of a `use` or `book` step."""
    within: Duration
    """Share of patients whose wait (or access delay) is at most this."""


class OccupancyTarget(Strict):
    occupancy: RoleRef
    """A role (at every site) or SITE.ROLE."""
    below: Probability
    """Share of time the occupancy is below this."""


Target = Annotated[
    Union[Annotated[WaitTarget, Tag("<wait>")], Annotated[OccupancyTarget, Tag("<occupancy>")]],
    _tagged(("<wait>", WaitTarget), ("<occupancy>", OccupancyTarget), message="expected {wait: NAME, within: DURATION} or {occupancy: ROLE, below: SHARE}"),
]


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
    variants: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    """Named partial scenarios merged over this one; the baseline is one of them."""
    baseline: str | None = None
    """The variant others are compared with (default: the first)."""
    sweep: dict[str, Annotated[list[Any], Field(min_length=1)]] | None = None
    """Dotted paths to lists of values; their cartesian product runs as generated variants."""
    targets: tuple[Target, ...] = ()
    """Waits and occupancies reported as the share meeting them."""


UseStep.model_rebuild()
BranchOption.model_rebuild()
OtherwiseOption.model_rebuild()
Scenario.model_rebuild()


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario language, for editors."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coopsim scenario (version 1)"
    return schema
