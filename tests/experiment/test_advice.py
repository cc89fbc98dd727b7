"""Replication and warm-up advice against their definitions, recomputed here independently:
the replications needed (Hoad, Robinson & Davies 2010, eq. 1), their replications algorithm
with look-ahead, the absolute precision for means near 0, and MSER-5 (White 1997)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from sim.experiment.advice import ABSOLUTE_TOLERANCE, advise, mser5, precise, saturation_driver, solution
from sim.experiment.intervals import replications_needed
from sim.experiment.run import adaptive_count
from sim.experiment.warmup import sparkline
from tests.paths import RESULTS

pytestmark = pytest.mark.unit

RNG = np.random.default_rng(20261122)


def half_width(x: np.ndarray) -> float:
    """95 % Student-t half-width of the mean, from scipy's own interval."""
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    return (high - low) / 2


def first_confirmed(x: np.ndarray, precision: float, k: int = 5, tolerance: float = 0.0) -> int | None:
    """The replications algorithm as the paper states it: the first n ≥ 3 whose precision holds
    for every m from n to n + k (k replications of look-ahead, fewer than 100 here)."""
    ok = [None, None, None] + [half_width(x[:m]) <= max(precision * abs(x[:m].mean()), tolerance) for m in range(3, len(x) + 1)]
    for n in range(3, len(x) - k + 1):
        if all(ok[m] for m in range(n, n + k + 1)):
            return n
    return None


@pytest.mark.parametrize("cv", [0.05, 0.2, 0.6])
def test_replications_needed_is_the_smallest_n_whose_half_width_is_under_the_precision(cv: float) -> None:
    """n = min{n : t(n−1) s / √n ≤ p |x̄|}, with the sample's mean and sd held fixed."""
    x = RNG.normal(100.0, 100.0 * cv, size=12)
    n = replications_needed(x, 0.05)
    mean, sd = abs(x.mean()), x.std(ddof=1)

    def hw(m: int) -> float:
        return stats.t.ppf(0.975, m - 1) * sd / np.sqrt(m)

    assert hw(n) <= 0.05 * mean
    assert n == 2 or hw(n - 1) > 0.05 * mean


def test_a_mean_near_zero_is_precise_under_the_absolute_tolerance_of_its_unit() -> None:
    """A rare wait, 0 in most replications: hopeless in relative terms, precise to a minute."""
    x = np.array([0, 0, 0, 1.5, 0, 0, 0.2, 0, 0, 2.0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.1])
    assert 0.5 * x.mean() < half_width(x) < 1.0
    assert not precise(x, 0.10)
    assert precise(x, 0.10, ABSOLUTE_TOLERANCE["min"])
    assert replications_needed(x, 0.10) > 20 and replications_needed(x, 0.10, ABSOLUTE_TOLERANCE["min"]) <= 20
    assert replications_needed(np.zeros(5), 0.10) is None and replications_needed([0.0, 0.0, 0.1], 0.1, 1.0) == 2

    advice = advise({"v": {("wait", "rare", "mean", "min"): list(x), ("wait", "rare", "max", "min"): list(x)}}, 0.10)
    (only,) = advice  # the max is not a key mean
    assert only.precise and only.tolerance == 1.0 and only.half_width == pytest.approx(half_width(x))


@pytest.mark.parametrize("seed", range(5))
def test_replications_algorithm_matches_its_definition(seed: int) -> None:
    """Noisy values with an outlier that the look-ahead must catch."""
    x = np.random.default_rng(seed).lognormal(3.0, 0.3, size=40)
    x[7] *= 4
    for precision in (0.05, 0.10, 0.20):
        assert solution(x, precision) == first_confirmed(x, precision)
        assert solution(x, precision, tolerance=2.0) == first_confirmed(x, precision, tolerance=2.0)


def test_replications_algorithm_waits_for_the_look_ahead() -> None:
    """Precise from 3 values on, but 8 values are needed to confirm it (3 + 5 of look-ahead)."""
    x = np.array([10.0, 10.1, 9.9, 10.0, 10.05, 9.95, 10.0, 10.0])
    assert solution(x[:7], 0.05) is None
    assert solution(x, 0.05) == 3


def mser_by_definition(series: np.ndarray, batch: int = 5) -> int:
    """argmin over d ≤ m/2 of Σ_{i>d} (Y_i − Ȳ_d)² / (m − d)² on batch means Y (White 1997)."""
    m = len(series) // batch
    y = series[: m * batch].reshape(m, batch).mean(axis=1)
    values = [np.var(y[d:]) * (m - d) / (m - d) ** 2 for d in range(m // 2 + 1)]
    return int(np.argmin(values)) * batch


@pytest.mark.parametrize("seed", range(4))
def test_mser5_truncates_an_initial_transient(seed: int) -> None:
    """A series that starts 40 observations high: MSER-5 cuts near the end of the transient and
    agrees with the definition."""
    rng = np.random.default_rng(seed)
    series = np.concatenate([np.linspace(30.0, 10.0, 40), np.full(260, 10.0)]) + rng.normal(0.0, 1.0, 300)
    d = mser5(series)
    assert d == mser_by_definition(series)
    assert 20 <= d <= 60
    assert mser5(rng.normal(10.0, 1.0, 300)) <= 30  # no transient: little or nothing cut


def test_compare_prints_the_advice_stored_with_the_results(capsys: pytest.CaptureFixture[str]) -> None:
    """`coopsim compare` on a committed results folder ends with the replication advice, whose
    counts agree with the manifest."""
    import json

    from sim.cli import main

    folder = RESULTS / "tourcoing_mri_gie"
    assert main(["compare", str(folder)]) == 0
    advice = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["replication_advice"]
    precise_count = sum(a["precise"] for a in advice["metrics"])
    assert f"{precise_count} of {len(advice['metrics'])} key means" in capsys.readouterr().out


def test_sparkline_of_a_series_with_empty_days_warns_of_nothing() -> None:
    """A day with no patient (a weekday-only stream) is a blank, not a NumPy warning on the terminal."""
    series = np.array([1.0, np.nan, np.nan, 2.0, 3.0, np.nan, 4.0, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line = sparkline(series, cut=4, width=8)
    # lowest 1 to highest 5 over eight blocks: 1 -> 0, 2 -> 1, 3 -> 3, 4 -> 5, 5 -> 7; `|` before the cut
    assert line == "▁  ▂|▄ ▆█"


def saturating_table(seed: int, linked: bool) -> dict[tuple[str, str, str, str], list[float]]:
    """Forty replications of a ward full in about half of them (hours full 0 otherwise), a wait that
    follows those hours (or not), and an ED full in every replication."""
    rng = np.random.default_rng(seed)
    hours = np.where(rng.random(40) < 0.5, rng.exponential(200.0, 40), 0.0)
    wait = 20.0 + (5.0 * hours if linked else 0.0) + rng.normal(0.0, 2.0, 40) + (0.0 if linked else rng.exponential(400.0, 40))
    return {
        ("wait", "ed_cubicle", "mean", "min"): list(wait),
        ("occupancy", "h.ward", "saturated", "share"): list((hours > 0).astype(float)),
        ("occupancy", "h.ward", "full_hours", "h"): list(hours),
        ("occupancy", "h.ed", "saturated", "share"): [1.0] * 40,
        ("occupancy", "h.ed", "full_hours", "h"): list(rng.uniform(300.0, 400.0, 40)),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_mean_that_follows_a_resource_saturating_in_some_replications_is_flagged(seed: int) -> None:
    linked = advise({"v": saturating_table(seed, linked=True)}, 0.05)
    wait = next(a for a in linked if a.scope == "ed_cubicle")
    assert not wait.precise and wait.saturation == "h.ward"
    unlinked = advise({"v": saturating_table(seed, linked=False)}, 0.05)
    assert next(a for a in unlinked if a.scope == "ed_cubicle").saturation is None  # imprecise for another reason


def test_a_resource_saturating_alike_in_every_replication_drives_nothing() -> None:
    table = saturating_table(4, linked=True)
    assert saturation_driver(table, table[("occupancy", "h.ed", "full_hours", "h")]) is None  # the ED: full 300-400 h in all
    table[("occupancy", "h.ward", "saturated", "share")] = [1.0] * 40
    table[("occupancy", "h.ward", "full_hours", "h")] = list(np.linspace(500.0, 520.0, 40))
    assert saturation_driver(table, table[("wait", "ed_cubicle", "mean", "min")]) is None


def test_a_resource_full_for_very_different_times_in_every_replication_drives_a_mean() -> None:
    table = saturating_table(6, linked=True)
    hours = np.array(table[("occupancy", "h.ward", "full_hours", "h")]) + 1.0
    table[("occupancy", "h.ward", "saturated", "share")] = [1.0] * 40
    table[("occupancy", "h.ward", "full_hours", "h")] = list(hours)
    assert saturation_driver(table, table[("wait", "ed_cubicle", "mean", "min")]) == "h.ward"


def test_a_wait_at_several_sites_follows_their_wards_full_together() -> None:
    """Eight wards each full for a while in every replication: the wait for a bed at any of them
    follows their hours full summed, and no one ward's closely enough; the role is named as the driver."""
    rng = np.random.default_rng(7)
    wards = [rng.exponential(160.0, 40) for _ in range(8)]
    wait = 5.0 + 0.2 * sum(wards) + rng.normal(0.0, 2.0, 40)
    table: dict[tuple[str, str, str, str], list[float]] = {("wait", "bed_wait", "mean", "min"): list(wait)}
    for site, hours in zip("abcdefgh", wards):
        table[("occupancy", f"{site}.bed", "saturated", "share")] = [1.0] * 40
        table[("occupancy", f"{site}.bed", "full_hours", "h")] = list(hours)
    together = sum(wards)
    assert np.std(together) >= 0.3 * np.mean(together)
    assert all(abs(stats.spearmanr(wait, hours).statistic) < 0.5 <= abs(stats.spearmanr(wait, together).statistic) for hours in wards)
    assert saturation_driver(table, wait) == "bed"
    table[("occupancy", "a.bed", "full_hours", "h")] = list(wait)  # a single ward that the wait follows is named first
    assert saturation_driver(table, wait) == "a.bed"


def test_adaptive_replications_do_not_wait_for_a_mean_driven_by_saturation() -> None:
    table = saturating_table(5, linked=True)
    assert adaptive_count({"v": table}, 0.05, 1000) is not None
    table[("occupancy", "h.ward", "saturated", "share")] = [1.0] * 40
    table[("occupancy", "h.ward", "full_hours", "h")] = list(np.linspace(500.0, 520.0, 40))
    assert adaptive_count({"v": table}, 0.05, 1000) is None  # the same wait, with nothing to blame, asks for more
