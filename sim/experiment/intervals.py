"""Statistics across replications: means with Student-t intervals, and paired differences.

Replications are independent, so the replication means of a metric are i.i.d. and the
t-interval applies. Variants of one replication share their random patients (common random
numbers), so the difference variant − baseline is taken replication by replication and its
interval is usually much narrower than the difference of two independent intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.results.quantiles import normal_quantile, t_quantile

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """Mean, standard deviation and confidence interval of a sample of replication values."""

    mean: float
    sd: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return (self.high - self.low) / 2

    @property
    def relative_half_width(self) -> float:
        """Half-width over |mean| (infinite when the mean is 0)."""
        return self.half_width / abs(self.mean) if self.mean else math.inf

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of 0."""
        return self.low > 0 or self.high < 0


def t_interval(values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Interval:
    """Student-t interval of the mean of the finite values (NaN are left out)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        nan = float("nan")
        return Interval(nan, nan, nan, nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, float("nan"), float("nan"), float("nan"), 1)
    sd = float(x.std(ddof=1))
    half = t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean, sd, mean - half, mean + half, n)


def paired_interval(variant: np.ndarray | list[float], baseline: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Interval:
    """Interval of the mean of the per-replication differences variant − baseline."""
    a, b = np.asarray(variant, dtype=float), np.asarray(baseline, dtype=float)
    return t_interval(a - b, confidence)


def replications_needed(values: np.ndarray | list[float], precision: float, tolerance: float = 0.0,
                        confidence: float = CONFIDENCE) -> int | None:
    """Smallest n at which the t half-width would be under `precision` times the mean, or under
    the absolute `tolerance`, with the sample's mean and sd held as they are (None when neither
    can be reached: a mean of 0 and no tolerance, or fewer than 2 values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return None
    mean, sd = abs(float(x.mean())), float(x.std(ddof=1))
    bound = max(precision * mean, tolerance)
    if bound == 0:
        return None
    if sd == 0:
        return int(x.size)
    z = normal_quantile(0.5 + confidence / 2)
    n = max(2, math.floor((z * sd / bound) ** 2))  # the t-based answer is never smaller
    while n < 1_000_000:
        if t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) <= bound:
            return n
        n += 1
    return None
