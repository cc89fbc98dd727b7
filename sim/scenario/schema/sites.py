"""Sites, their resources (capacities, schedules, calendars) and transport between them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.scenario import units
from sim.scenario.limits import MAX_CAPACITY
from sim.scenario.schema.types import Capacity, Days, Duration, Ident, Label, Moment, Speed, Strict, TimeOfDay, present_or


class Window(Strict):
    """A weekly window during which a capacity applies."""

    days: Days
    """Days of the window: mon..sun, a range (mon-fri) or a list (sat,sun)."""
    from_: TimeOfDay = Field(alias="from")
    """Start time of day, "HH:MM"."""
    to: TimeOfDay
    """End time of day, "HH:MM"; earlier than `from` means the window runs past midnight."""
    capacity: Capacity
    """Capacity in force during the window."""

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if self.to == self.from_:
            raise ValueError("a window must not start and end at the same time")
        if self.from_ == 24 * 60:
            raise ValueError('"24:00" only ends a window (expected `from` between "00:00" and "23:59")')
        return self


class CapacityChange(Strict):
    """From a time of the run on, a new capacity, a new weekly schedule, or both."""

    from_: Moment = Field(alias="from")
    """When the change takes effect: a duration from time 0 (30d) or a date (2020-11-02) with `run.start`."""
    capacity: Capacity | None = None
    """The capacity outside every schedule window from then on (default: unchanged)."""
    schedule: tuple[Window, ...] | None = None
    """The weekly schedule from then on (default: unchanged; `[]` ends every window)."""

    @model_validator(mode="after")
    def _something(self) -> CapacityChange:
        if self.capacity is None and self.schedule is None:
            raise ValueError("a change needs a `capacity`, a `schedule` or both")
        return self


class CapacityResource(Strict):
    """A resource with a fixed capacity, optionally varying by a weekly schedule and changing on dates."""

    capacity: Capacity = 0
    """Capacity outside every schedule window."""
    schedule: tuple[Window, ...] = ()
    """Weekly windows with their own capacity."""
    changes: tuple[CapacityChange, ...] = ()
    """Dated changes, in time order: from each, its capacity or schedule replaces the one before."""
    label: Label | None = None
    """The resource as people name it (`ICU beds`); default: the label of the same role at another site, else the role."""

    @model_validator(mode="after")
    def _something(self) -> CapacityResource:
        if not self.model_fields_set & {"capacity", "schedule"}:
            raise ValueError("a resource needs a `capacity`, a `schedule` or a `calendar`")
        return self


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


OpeningHours = Annotated[
    tuple[OpeningWindow, ...],
    PlainValidator(_opening),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}, "description": 'days to "HH:MM-HH:MM"'}),
]
"""Opening hours: days to "HH:MM-HH:MM" (several intervals separated by commas)."""


class CalendarChange(Strict):
    """From a time of the run on, new opening hours, another number of scanners, or both."""

    from_: Moment = Field(alias="from")
    """When the change takes effect: a duration from time 0 (30d) or a date (2020-11-02) with `run.start`."""
    scanners: Annotated[int, Field(ge=1, le=MAX_CAPACITY)] | None = None
    """Machines working in parallel from then on (default: unchanged)."""
    open: OpeningHours | None = None
    """Opening hours from then on (default: unchanged)."""

    @model_validator(mode="after")
    def _something(self) -> CalendarChange:
        if self.scanners is None and self.open is None:
            raise ValueError("a change needs `scanners`, `open` or both")
        return self


class CalendarSpec(Strict):
    """A booked resource: appointments in slots during opening hours."""

    slot: Duration
    """Length of one appointment slot."""
    scanners: Annotated[int, Field(ge=1, le=MAX_CAPACITY)] = 1
    """Machines working in parallel; each opening slot exists once per machine."""
    open: OpeningHours
    """Opening hours: days to "HH:MM-HH:MM" (several intervals separated by commas)."""
    changes: tuple[CalendarChange, ...] = ()
    """Dated changes, in time order: from each, its opening hours or scanners replace the ones before."""

    @model_validator(mode="after")
    def _positive(self) -> CalendarSpec:
        if self.slot <= 0:
            raise ValueError("a calendar slot must be longer than 0min")
        return self


class CalendarResource(Strict):
    """A resource used by appointment."""

    calendar: CalendarSpec
    """The booking calendar."""
    label: Label | None = None
    """The resource as people name it (`MRI`); default: the role."""


def _resource_shorthand(value: Any) -> Any:
    return {"capacity": value} if isinstance(value, int) and not isinstance(value, bool) else value


Resource = Annotated[
    Union[Annotated[CapacityResource, Tag("<capacity>")], Annotated[CalendarResource, Tag("<calendar>")]],
    present_or("calendar", CalendarResource, "<calendar>", "<capacity>"),
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

    @field_validator("speed")
    @classmethod
    def _moving(cls, speed: float) -> float:
        if speed <= 0:
            raise ValueError("a speed must be above 0km/h (patients would never arrive)")
        return speed
