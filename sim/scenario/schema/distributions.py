"""Distributions of durations: one model per kind, chosen by the key a map carries."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import (
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from sim.scenario.schema.types import Duration, NonNegative, Strict, single_key


class MeanParams(Strict):
    """Parameters of a distribution given by its mean."""

    mean: Duration
    """Mean of the duration."""


class MeanSdParams(Strict):
    """Parameters of a distribution given by its mean and standard deviation."""

    mean: Duration
    """Mean of the duration itself (not of its logarithm)."""
    sd: Duration
    """Standard deviation of the duration itself."""


class TriangularParams(Strict):
    """Parameters of a triangular distribution: min <= mode <= max, with min < max."""

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
    """Parameters of a uniform distribution: min < max."""

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
    """Parameters of a Weibull distribution: a shape without unit and a scale in time."""

    shape: Annotated[float, Field(ge=0.05, le=1000)]
    """Shape parameter k (no unit), from 0.05 to 1000 (below, the mean is astronomically large)."""
    scale: Duration
    """Scale parameter λ (a duration)."""


class EmpiricalParams(Strict):
    """Observed durations, drawn with their relative weights."""

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


class PositiveMean(Strict):
    """A distribution whose one key holds parameters with a mean that must be above 0
    (an exponential, lognormal or gamma of mean 0 cannot be drawn)."""

    @model_validator(mode="after")
    def _mean(self) -> PositiveMean:
        kind, params = next(iter(self))
        if params.mean <= 0:
            article = "an" if kind[0] in "aeiou" else "a"
            raise ValueError(f"{article} {kind} distribution needs a mean longer than 0min (use `fixed: 0min` for no time)")
        return self


class Exponential(PositiveMean):
    exponential: MeanParams
    """Exponential distribution with the given mean."""


class Lognormal(PositiveMean):
    lognormal: MeanSdParams
    """Lognormal distribution with the mean and sd of the variable itself."""


class Gamma(PositiveMean):
    gamma: MeanSdParams
    """Gamma distribution with the given mean and sd."""


class Normal(Strict):
    normal: MeanSdParams
    """Normal distribution truncated at 0 (drawn by inversion of the truncated distribution)."""


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


def dist_shorthand(value: Any) -> Any:
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
        single_key(DIST_KINDS),
        custom_error_type="distribution",
        custom_error_message="expected a duration or one distribution: " + ", ".join(DIST_KINDS),
    ),
]


def dist_shorthand_before(value: Any) -> Any:
    return dist_shorthand(value)
