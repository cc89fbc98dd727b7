"""How many replications, and how long a warm-up: advice computed from results.

Replications: the relative half-width of each key metric's 95% interval, and the
"replications algorithm" of Hoad, Robinson & Davies (2010, JORS 61:1632-1644) as in Monks'
sim-tools: the first n at which the relative half-width is under the precision and stays
under it for a look-ahead of k more replications (k, or k·n/100 past 100 replications).

Warm-up: MSER-5 (White 1997; Hoad, Robinson & Davies 2011): the series is cut into batch
means of 5; the truncation point d minimises the marginal standard error
Σ_{i>d} (Y_i − Ȳ_d)² / (n − d)², searched over the first half of the series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiment.intervals import Interval, replications_needed, t_interval

INITIAL_REPLICATIONS = 3
LOOK_AHEAD = 5
ADVICE_STATS = {("wait", "mean"), ("blocked_time", "mean"), ("access_delay", "mean"), ("time_in_system", "mean"), ("occupancy", "mean")}
"""The key metrics whose precision the advice looks at."""
ABSOLUTE_TOLERANCE = {"min": 1.0, "d": 1 / 24, "share": 0.01}
"""Half-widths, by unit, small enough for any decision: one minute, one hour, one point of
occupancy. A mean close to 0 (a rare wait, a little-used bed) is precise when its half-width is
under these, as a relative precision means nothing there (Law, *Simulation Modeling and
Analysis*, 5th ed., 2015, §9.4.1: absolute or relative error)."""


def advised(metric: str, scope: str, stat: str) -> bool:
    """Whether a statistic sizes the experiment: a key mean, and not a per-site breakdown of a
    wait (`name@site`), which is reported but would need many more replications by design."""
    return (metric, stat) in ADVICE_STATS and "@" not in scope


def look_ahead(k: int, n: int) -> int:
    """Replications that must confirm a solution found at n."""
    return k if n <= 100 else math.floor(k * n / 100)


def tolerance_for(unit: str) -> float:
    """The absolute half-width precise enough for a metric in `unit` (0: none)."""
    return ABSOLUTE_TOLERANCE.get(unit, 0.0)


def meets(interval: Interval, precision: float, tolerance: float = 0.0) -> bool:
    """Whether an interval is narrow enough: its half-width under `precision` times |mean|, or
    under the absolute `tolerance` (never with fewer than 2 values)."""
    if interval.n < 2:
        return False
    return interval.half_width <= precision * abs(interval.mean) or interval.half_width <= tolerance


def precise(values: Sequence[float], precision: float, tolerance: float = 0.0) -> bool:
    """Whether the 95% interval of the mean of `values` meets the precision."""
    return meets(t_interval(values), precision, tolerance)


def solution(values: Sequence[float], precision: float, k: int = LOOK_AHEAD, tolerance: float = 0.0) -> int | None:
    """First n (from 3) whose precision holds through its look-ahead, given the replication
    values in order; None if the values run out before one is confirmed."""
    x = np.asarray(values, dtype=float)
    if np.isfinite(x).all() and np.all(x == 0):
        return INITIAL_REPLICATIONS  # a metric that is exactly 0 everywhere needs no more
    n = INITIAL_REPLICATIONS
    while n + look_ahead(k, n) <= len(x):
        if all(precise(x[:m], precision, tolerance) for m in range(n, n + look_ahead(k, n) + 1)):
            return n
        n += 1
    return None


@dataclass(frozen=True)
class Advice:
    """The precision of one metric of one variant now, and the replications it needs."""

    variant: str
    metric: str
    scope: str
    stat: str
    unit: str
    mean: float
    half_width: float
    relative_half_width: float
    tolerance: float
    """Absolute half-width that is precise enough for this metric's unit (0: none)."""
    precise: bool
    needed: int | None
    saturation: str | None = None
    """For an imprecise mean driven by saturation: the resource whose saturation drives it."""


SATURATION_LINK = 0.5
"""How closely (Spearman's rank correlation, in absolute value) a mean must follow a resource's
hours at full capacity, across replications, to be called driven by its saturation."""


SATURATION_SPREAD = 0.3
"""A resource full in every replication still drives a mean when its hours full vary this much
(coefficient of variation across replications): a ward full for hours in one replication and
for weeks in another."""


def _saturations(table: dict[tuple[str, str, str, str], list[float]]) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], ...]:
    """Per tracked resource `site.role`, then per role tracked at several sites (its units taken
    together, named by the role), the replications' saturated flags (1 when any site saturated)
    and hours at full capacity (summed over the sites)."""
    single: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for (metric, scope, stat, _), saturated in table.items():
        if (metric, stat) == ("occupancy", "saturated"):
            single[scope] = (np.asarray(saturated, dtype=float), np.asarray(table.get(("occupancy", scope, "full_hours", "h"), []), dtype=float))
    roles: dict[str, list[str]] = {}
    for scope in single:
        roles.setdefault(scope.rpartition(".")[2], []).append(scope)
    together = {role: (np.nanmax([single[s][0] for s in scopes], axis=0), np.sum([single[s][1] for s in scopes], axis=0))
                for role, scopes in roles.items() if len(scopes) > 1 and len({len(single[s][1]) for s in scopes}) == 1}
    return single, together


def _closest(x: np.ndarray, saturations: dict[str, tuple[np.ndarray, np.ndarray]]) -> str | None:
    """Of resources whose saturation varies between replications, the one whose hours full this
    mean follows most closely (|Spearman| at least SATURATION_LINK), if any."""
    best, driver = SATURATION_LINK, None
    for scope, (flags, hours) in saturations.items():
        mixed = 0 < np.nansum(flags) < np.isfinite(flags).sum()
        spread = np.nanmean(hours) > 0 and np.nanstd(hours) >= SATURATION_SPREAD * np.nanmean(hours) if len(hours) else False
        if not (mixed or spread):
            continue
        usable = np.isfinite(x) & np.isfinite(hours) if len(hours) == len(x) else np.zeros(len(x), dtype=bool)
        if usable.sum() < 3 or np.ptp(x[usable]) == 0 or np.ptp(hours[usable]) == 0:
            continue
        from scipy.stats import spearmanr  # here: scipy.stats is slow to import, and most runs never get here

        link = abs(float(spearmanr(x[usable], hours[usable]).statistic))
        if link >= best:
            best, driver = link, scope
    return driver


def saturation_driver(table: dict[tuple[str, str, str, str], list[float]], xs: Sequence[float]) -> str | None:
    """The resource whose saturation varies between replications (full in some and not in others,
    or for very different lengths of time) and whose hours full go with this mean (|Spearman| at
    least SATURATION_LINK), the most closely linked; else a role tracked at several sites taken
    as one resource (its hours full summed: a wait for a bed at any of three hospitals follows how
    long the three wards are full together); None if none.

    Such a mean's replications differ because the resource does or does not saturate: more
    replications narrow its interval only slowly, and the measures of that saturation (share of
    replications saturated, hours full, peak queue, patients beyond the target) answer better."""
    x = np.asarray(xs, dtype=float)
    single, together = _saturations(table)
    return _closest(x, single) or _closest(x, together)


def advise(values_by_variant: dict[str, dict[tuple[str, str, str, str], list[float]]], precision: float) -> list[Advice]:
    """Advice for every key metric of every variant (metrics exactly 0 everywhere are left out)."""
    advice = []
    for variant, table in values_by_variant.items():
        for (metric, scope, stat, unit), xs in table.items():
            if not advised(metric, scope, stat):
                continue
            x = np.asarray(xs, dtype=float)
            if not np.isfinite(x).any() or np.all(x[np.isfinite(x)] == 0):
                continue
            tolerance = tolerance_for(unit)
            interval = t_interval(x)
            relative = interval.relative_half_width if interval.n >= 2 else float("nan")
            ok = meets(interval, precision, tolerance)
            advice.append(Advice(variant, metric, scope, stat, unit, interval.mean, interval.half_width, relative, tolerance,
                                 ok, replications_needed(x, precision, tolerance), None if ok else saturation_driver(table, x)))
    return advice


def mser5(series: Sequence[float], batch: int = 5) -> int:
    """MSER-5 truncation point, in observations of the original series (a multiple of `batch`)."""
    x = np.asarray(series, dtype=float)
    x = x[np.isfinite(x)]
    m = len(x) // batch
    if m < 4:
        return 0
    y = x[: m * batch].reshape(m, batch).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(m // 2 + 1):
        tail = y[d:]
        value = float(((tail - tail.mean()) ** 2).sum()) / (len(tail) ** 2)
        if value < best:
            best, best_d = value, d
    return best_d * batch


def welch_average(series: np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average of a series (already averaged over replications)."""
    x = np.asarray(series, dtype=float)
    out = np.empty_like(x)
    for i in range(len(x)):
        w = min(window, i, len(x) - 1 - i)
        out[i] = x[i - w : i + w + 1].mean()
    return out
