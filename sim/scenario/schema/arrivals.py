"""Arrival streams: rates shaped by hour, weekday and epidemic curve, or daily data series."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.schema.types import (
    AttributeValue,
    Duration,
    Ident,
    Label,
    NonNegative,
    Probability,
    Rate,
    Strict,
)


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
        if (self.file is None) == (not self.per_day):
            raise ValueError("a series needs exactly one of `file` or `per_day`")
        return self


CurvePoint = tuple[Duration, NonNegative]
Attribute = Annotated[
    Union[
        Annotated[dict[AttributeValue, Probability], Tag("<categorical>")], Annotated[AttributeValue, Tag("<constant>")]
    ],
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
    curve: Annotated[tuple[CurvePoint, ...], Field(min_length=1)] | None = None
    """Piecewise-linear multiplier over time: [[time, factor], ...], constant beyond its ends."""
    attributes: dict[Ident, Attribute] = Field(default_factory=dict)
    """Attributes drawn at arrival: a constant, or value: probability."""
    pathway: Ident
    """The pathway the patients follow."""
    label: Label | None = None
    """The patients as people name them (`ED patients`); default: the stream's name."""

    @field_validator("hourly", "weekly")
    @classmethod
    def _weights(cls, weights: tuple[float, ...] | None, info: ValidationInfo) -> tuple[float, ...] | None:
        """`hourly` has 24 weights and `weekly` 7, not all 0."""
        size = {"hourly": 24, "weekly": 7}[info.field_name or ""]
        if weights is not None:
            if len(weights) != size:
                raise ValueError(f"`{info.field_name}` needs {size} values, got {len(weights)}")
            if sum(weights) <= 0:
                raise ValueError(f"`{info.field_name}` weights are all 0")
        return weights

    @model_validator(mode="after")
    def _shape(self) -> Arrival:
        if (self.rate is None) == (self.series is None):
            raise ValueError("an arrival stream needs exactly one of `rate` or `series`")
        if self.series is not None and (self.weekly is not None or self.curve is not None):
            raise ValueError("`series` gives daily rates: `weekly` and `curve` cannot be combined with it")
        if self.curve is not None:
            times = [t for t, _ in self.curve]
            if any(b <= a for a, b in zip(times, times[1:])):
                raise ValueError("`curve` times must increase strictly")
        return self
