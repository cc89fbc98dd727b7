"""Samplers for the duration distributions of the scenario language, drawing numpy batches.

Every sampler is built from a validated schema model, knows its mean (used by tests and by
the theory checks) and draws `n` values at once from a generator it is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.scenario import schema

Draw = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class Sampler:
    """Draws batches of one distribution; `mean` and `sd` are its exact moments."""

    kind: str
    mean: float
    sd: float
    draw: Draw


def sampler(dist: schema.Distribution) -> Sampler:
    """The sampler of a validated distribution (durations in minutes)."""
    match dist:
        case schema.Fixed(fixed=value):
            return Sampler("fixed", value, 0.0, lambda g, n: np.full(n, value))
        case schema.Exponential(exponential=p):
            return Sampler("exponential", p.mean, p.mean, lambda g, n: g.exponential(p.mean, n))
        case schema.Lognormal(lognormal=p):
            return _lognormal(p.mean, p.sd)
        case schema.Gamma(gamma=p):
            return _gamma(p.mean, p.sd)
        case schema.Normal(normal=p):
            return _truncated_normal(p.mean, p.sd)
        case schema.Triangular(triangular=p):
            a, c, b = p.min, p.mode, p.max
            mean = (a + b + c) / 3
            sd = math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
            return Sampler("triangular", mean, sd, lambda g, n: g.triangular(a, c, b, n))
        case schema.Uniform(uniform=p):
            lo, hi = p.min, p.max
            return Sampler("uniform", (lo + hi) / 2, (hi - lo) / math.sqrt(12), lambda g, n: g.uniform(lo, hi, n))
        case schema.Weibull(weibull=p):
            k, lam = p.shape, p.scale
            mean = lam * math.gamma(1 + 1 / k)
            sd = lam * math.sqrt(max(math.gamma(1 + 2 / k) - math.gamma(1 + 1 / k) ** 2, 0.0))
            return Sampler("weibull", mean, sd, lambda g, n: lam * g.weibull(k, n))
        case schema.Empirical(empirical=p):
            values = np.asarray(p.values, dtype=float)
            weights = np.asarray(p.weights if p.weights is not None else [1.0] * len(values), dtype=float)
            probs = weights / weights.sum()
            mean = float(values @ probs)
            sd = math.sqrt(float(((values - mean) ** 2) @ probs))
            return Sampler("empirical", mean, sd, lambda g, n: values[g.choice(len(values), size=n, p=probs)])
    raise TypeError(f"not a distribution: {dist!r}")


def _lognormal(mean: float, sd: float) -> Sampler:
    if sd == 0:
        return Sampler("lognormal", mean, 0.0, lambda g, n: np.full(n, mean))
    sigma2 = math.log(1 + (sd / mean) ** 2)
    mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
    return Sampler("lognormal", mean, sd, lambda g, n: g.lognormal(mu, sigma, n))


def _gamma(mean: float, sd: float) -> Sampler:
    if sd == 0:
        return Sampler("gamma", mean, 0.0, lambda g, n: np.full(n, mean))
    shape, scale = (mean / sd) ** 2, sd * sd / mean
    return Sampler("gamma", mean, sd, lambda g, n: g.gamma(shape, scale, n))


def _truncated_normal(mu: float, sigma: float) -> Sampler:
    """Normal truncated at 0, drawn by inversion (exact truncation).

    One uniform per value, so that n values are the first n of any longer batch: a patient's
    number does not depend on how the batches of its stream are cut (common random numbers).
    """
    if sigma == 0:
        return Sampler("normal", mu, 0.0, lambda g, n: np.full(n, mu))
    alpha = -mu / sigma
    z = 1 - 0.5 * math.erfc(-alpha / math.sqrt(2))  # P(X > 0)
    pdf = math.exp(-alpha * alpha / 2) / math.sqrt(2 * math.pi)
    mean = mu + sigma * pdf / z
    var = sigma * sigma * (1 + alpha * pdf / z - (pdf / z) ** 2)

    def draw(g: np.random.Generator, n: int) -> np.ndarray:
        from scipy import special  # here: a worker that draws no truncated normal never imports scipy

        # P(X > x) = (1 - u) P(X > 0): x = mu - sigma Φ⁻¹((1 - u) z), at least 0 up to rounding
        return np.maximum(mu - sigma * special.ndtri((1.0 - g.random(n)) * z), 0.0)

    return Sampler("normal", mean, math.sqrt(max(var, 0.0)), draw)
