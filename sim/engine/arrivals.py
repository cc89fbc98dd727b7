"""Arrival times of a non-homogeneous Poisson stream, exactly, by inverting the integrated rate.

The rate is `rate` × `hourly` × `weekly` × `curve` (or a daily `series` × `hourly`). It is
linear between consecutive hour boundaries and curve points, so the integrated rate is
piecewise quadratic and its inverse has a closed form: unit-rate Poisson times (cumulative
exponentials) map to arrival times with no thinning and no approximation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sim.scenario import schema

MINUTES_PER_DAY = 1440.0
MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class RateProfile:
    """A piecewise-linear rate on [0, end]: on segment k, rate(t) = a[k] + b[k] (t - starts[k])."""

    starts: np.ndarray
    a: np.ndarray
    b: np.ndarray
    cumulative: np.ndarray
    """Integrated rate at each segment start, with one more entry: the total at `end`."""
    end: float
    """The last time the profile covers."""

    def rate(self, t: np.ndarray | float) -> np.ndarray:
        """Instantaneous rate (per minute) at times `t`."""
        k = np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, len(self.starts) - 1)
        return self.a[k] + self.b[k] * (np.asarray(t) - self.starts[k])

    def expected(self, t0: float, t1: float) -> float:
        """Expected number of arrivals between t0 and t1."""
        return float(self.integral(t1) - self.integral(t0))

    def integral(self, t: float) -> float:
        """Integrated rate from 0 to t."""
        k = int(np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, len(self.starts) - 1))
        x = t - self.starts[k]
        return float(self.cumulative[k] + self.a[k] * x + self.b[k] * x * x / 2)


def _weights(values: tuple[float, ...] | None, size: int) -> np.ndarray:
    """Relative weights normalised to mean 1 (all ones when absent)."""
    if values is None:
        return np.ones(size)
    w = np.asarray(values, dtype=float)
    return w / w.mean()


def rate_profile(arrival: schema.Arrival, end: float, start_weekday: int = 0) -> RateProfile:
    """The rate of an arrival stream on [0, end] minutes, time 0 being `start_weekday` 00:00."""
    hourly = _weights(arrival.hourly, 24)
    hours = np.arange(0.0, end, MINUTES_PER_HOUR)
    curve_times = np.asarray([t for t, _ in arrival.curve or ()], dtype=float)
    breaks = np.union1d(hours, curve_times[(curve_times > 0) & (curve_times < end)])
    lengths = np.diff(np.append(breaks, end))
    mid = breaks + lengths / 2
    hour_of_day = (mid // MINUTES_PER_HOUR % 24).astype(int)
    day = (mid // MINUTES_PER_DAY).astype(int)
    if arrival.series is not None:
        per_day = np.asarray(arrival.series.per_day, dtype=float) * arrival.series.scale
        daily = per_day[np.minimum(day, len(per_day) - 1)] / MINUTES_PER_DAY
        a = daily * hourly[hour_of_day]
        b = np.zeros_like(a)
    else:
        assert arrival.rate is not None
        weekly = _weights(arrival.weekly, 7)
        level = arrival.rate * hourly[hour_of_day] * weekly[(start_weekday + day) % 7]
        c0, c1 = _curve(arrival.curve, breaks), _curve(arrival.curve, breaks + lengths)
        a = level * c0
        b = level * (c1 - c0) / lengths
    increments = a * lengths + b * lengths * lengths / 2
    cumulative = np.concatenate([[0.0], np.cumsum(increments)])
    return RateProfile(breaks, a, b, cumulative, float(end))


def _curve(points: tuple[tuple[float, float], ...] | None, t: np.ndarray) -> np.ndarray:
    """The piecewise-linear multiplier at times t, constant beyond its first and last points."""
    if not points:
        return np.ones_like(t)
    times = np.asarray([p[0] for p in points], dtype=float)
    factors = np.asarray([p[1] for p in points], dtype=float)
    return np.interp(t, times, factors)


def _invert(a: np.ndarray | float, b: np.ndarray | float, d: np.ndarray | float) -> np.ndarray:
    """x with a x + b x^2 / 2 = d, in the cancellation-free form 2d / (a + sqrt(a^2 + 2 b d))."""
    root = np.sqrt(np.maximum(np.square(a) + 2 * np.multiply(b, d), 0.0))
    return 2 * np.asarray(d) / (np.asarray(a) + root)


def arrival_times(profile: RateProfile, generator: np.random.Generator, chunk: int = 4096) -> Iterator[np.ndarray]:
    """Successive chunks of arrival times, increasing, until the end of the profile."""
    total = profile.cumulative[-1]
    level = 0.0
    while True:
        targets = level + np.cumsum(generator.exponential(1.0, chunk))
        level = float(targets[-1])
        inside = targets[targets < total]
        if inside.size:
            k = np.searchsorted(profile.cumulative, inside, side="right") - 1
            times = profile.starts[k] + _invert(profile.a[k], profile.b[k], inside - profile.cumulative[k])
            yield times
        if inside.size < chunk:
            return
