"""Arrival times (`sim.engine.arrivals`) against the rate the scenario language promises.

The expected rate is recomputed here from the SPEC's words (rate × hourly × weekly × curve,
weights normalised to mean 1; or a daily series × hourly), integrated exactly on a grid where
it is linear. Counts are compared with a chi-square goodness-of-fit test (p > 0.001) and
totals with a 99 % Poisson interval; the time-rescaling theorem turns arrival times into
unit exponentials for a Kolmogorov-Smirnov test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine.arrivals import RateProfile, arrival_times, rate_profile
from sim.scenario.schema import Arrival
from tests.theory import scenario

pytestmark = pytest.mark.theory

DAY, WEEK = 1440.0, 10080.0
HOURLY = (0, 0, 0, 0, 0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 1.6, 1.55,
          1.45, 1.4, 1.4, 1.35, 1.3, 1.3, 1.25, 1.15, 1.0, 0.85, 0.7, 0.6)
"""Hour-of-day weights with four hours closed (no arrival may fall there)."""
WEEKLY = (1.15, 1.0, 0.97, 0.97, 0.98, 0.6, 0.3)
CURVE = ((0.0, 0.2), (2 * DAY, 2.0), (3.5 * DAY, 2.0), (5 * DAY, 0.5))
SERIES = (10.0, 40.0, 0.0, 25.0, 5.0, 60.0)


def stream(spec: str, horizon: str) -> Arrival:
    """Arrival stream `a` of a minimal valid scenario, with `spec` as its extra keys."""
    text = f"""
version: 1
name: arrivals
run: {{horizon: {horizon}}}
sites: {{s: {{resources: {{r: 1}}}}}}
arrivals:
  - {{name: a, at: s, pathway: p, {spec}}}
pathways:
  p: [{{delay: 1min}}]
"""
    return scenario(text).arrivals[0]


def weights(values: tuple[float, ...]) -> np.ndarray:
    """Weights normalised to mean 1, as the SPEC says."""
    w = np.asarray(values, dtype=float)
    return w / w.mean()


def curve(t: np.ndarray) -> np.ndarray:
    """The piecewise-linear `curve` multiplier at times t."""
    return np.interp(t, [p[0] for p in CURVE], [p[1] for p in CURVE])


def shape(t: np.ndarray, per_minute: float, start_weekday: int = 0) -> np.ndarray:
    """rate × hourly × weekly at times t (per minute), from the SPEC's definition."""
    hour = (t // 60 % 24).astype(int)
    weekday = (start_weekday + (t // DAY).astype(int)) % 7
    return per_minute * weights(HOURLY)[hour] * weights(WEEKLY)[weekday]


def integrated_rate(t: np.ndarray, per_minute: float, end: float) -> np.ndarray:
    """Λ(t) of rate × hourly × weekly × curve: exact trapezoids on a grid of hours, curve points
    and t itself, between which the hourly and weekly factors are constant and the curve linear."""
    grid = np.union1d(np.union1d(np.arange(0.0, end + 1, 60.0), [p[0] for p in CURVE]), t)
    left, right = grid[:-1], grid[1:]
    pieces = shape(left, per_minute) * (curve(left) + curve(right)) / 2 * (right - left)
    cumulative = np.concatenate([[0.0], np.cumsum(pieces)])
    return cumulative[np.searchsorted(grid, t)]


def times(profile: RateProfile, replications: int, seed: int = 7) -> list[np.ndarray]:
    """All arrival times of `replications` independent generators."""
    return [np.concatenate(list(arrival_times(profile, np.random.default_rng([seed, r])))) for r in range(replications)]


def assert_total(count: int, expected: float) -> None:
    """A Poisson count lies in its central 99 % interval."""
    low, high = stats.poisson.interval(0.99, expected)
    assert low <= count <= high, f"{count} arrivals, expected {expected:.1f} (99 % interval {low:.0f}-{high:.0f})"


def assert_fits(observed: np.ndarray, expected: np.ndarray) -> None:
    """Counts have the shape of `expected` (chi-square given their total, p > 0.001); bins
    expected empty are empty."""
    assert observed[expected == 0].sum() == 0
    keep = expected > 0
    shape = expected[keep] * observed.sum() / expected[keep].sum()
    p = stats.chisquare(observed[keep], shape).pvalue
    assert p > 0.001, f"chi-square p = {p:.2g}"


@pytest.mark.parametrize("start_weekday", [0, 3])
def test_rate_is_rate_times_hourly_times_weekly(start_weekday: int) -> None:
    """Exact shape at every hour of two weeks, and the weekly total is `rate` × one week."""
    arrival = stream(f"rate: 900/w, hourly: {list(HOURLY)}, weekly: {list(WEEKLY)}", "14d")
    profile = rate_profile(arrival, 2 * WEEK, start_weekday)
    mid = np.arange(0.0, 2 * WEEK, 60.0) + 30
    np.testing.assert_allclose(profile.rate(mid), shape(mid, 900 / WEEK, start_weekday), rtol=1e-12)
    assert profile.expected(0.0, WEEK) == pytest.approx(900.0, rel=1e-12)
    assert profile.expected(WEEK, 2 * WEEK) == pytest.approx(900.0, rel=1e-12)


@pytest.mark.parametrize("start_weekday", [0, 3])
def test_counts_by_hour_of_week_fit_the_profile(start_weekday: int) -> None:
    """Ten replications of eight weeks at 150/d, pooled by hour of the week."""
    arrival = stream(f"rate: 150/d, hourly: {list(HOURLY)}, weekly: {list(WEEKLY)}", "56d")
    end = 8 * WEEK
    every = np.concatenate(times(rate_profile(arrival, end, start_weekday), 10))
    observed = np.bincount((every // 60).astype(int) % 168, minlength=168)
    mid = np.arange(0.0, WEEK, 60.0) + 30
    per_hour = shape(mid, 150 / DAY, start_weekday) * 60
    assert_fits(observed, per_hour)
    assert_total(every.size, 10 * 8 * 7 * 150)


def test_curve_arrivals_are_an_exact_inhomogeneous_poisson_process() -> None:
    """rate × hourly × weekly × a piecewise-linear curve over six days.

    Counts per hour fit Λ; Λ maps the arrival times of each replication to a unit-rate Poisson
    process (time-rescaling theorem, Brown et al. 2002), so its gaps are Exp(1); and with the
    generator's own unit exponentials the mapping is exact to rounding."""
    end = 6 * DAY
    arrival = stream(f"rate: 240/d, hourly: {list(HOURLY)}, weekly: {list(WEEKLY)}, "
                     f"curve: [[0d, 0.2], [2d, 2.0], [3.5d, 2.0], [5d, 0.5]]", "6d")
    profile = rate_profile(arrival, end)
    runs = times(profile, 8)
    every = np.concatenate(runs)
    edges = np.arange(0.0, end + 1, 60.0)
    assert_fits(np.histogram(every, edges)[0], np.diff(integrated_rate(edges, 240 / DAY, end)))
    assert_total(every.size, 8 * integrated_rate(np.array([end]), 240 / DAY, end)[0])
    gaps = np.concatenate([np.diff(integrated_rate(t, 240 / DAY, end), prepend=0.0) for t in runs])
    assert stats.kstest(gaps, "expon").pvalue > 0.001

    unit = np.cumsum(np.random.default_rng(11).exponential(1.0, 5000))
    exact = np.concatenate(list(arrival_times(profile, np.random.default_rng(11), chunk=5000)))
    np.testing.assert_allclose(integrated_rate(exact, 240 / DAY, end), unit[: exact.size], rtol=1e-9, atol=1e-9)


def test_series_gives_daily_rates_shaped_by_hour() -> None:
    """Daily rates × `scale`, piecewise constant, shaped by `hourly`; a day at 0 has no arrival."""
    arrival = stream(f"series: {{per_day: {list(SERIES)}, scale: 2}}, hourly: {list(HOURLY)}", "6d")
    end = len(SERIES) * DAY
    every = np.concatenate(times(rate_profile(arrival, end), 20))
    observed = np.bincount((every // 60).astype(int), minlength=len(SERIES) * 24)
    per_hour = np.repeat(np.asarray(SERIES) * 2, 24) * np.tile(weights(HOURLY), len(SERIES)) / 24
    assert_fits(observed, per_hour)
    assert_total(every.size, 20 * 2 * sum(SERIES))
    assert not ((every >= 2 * DAY) & (every < 3 * DAY)).any()
