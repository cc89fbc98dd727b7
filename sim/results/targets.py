"""Targets with a compliance level, judged: a wait target with `share` is met when the 95% interval
of the share of patients within it lies at or above the level; an occupancy target when the 95%
interval of the share of open time below it lies at or above its `share`, or, without one, when the
95% interval of the mean occupancy lies at or below `below`. A target without a level is reported,
not judged.

The same judgement serves the tables (from summary.csv) and the target search (from the values of
each replication, at a stricter confidence for its repeated looks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.build import target_matches
from sim.results.names import Names
from sim.results.quantiles import t_quantile
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.units import format_duration

PHRASES = {
    "wait": ("Wait for {step} within {within}", "Attente : {step} en moins de {within}"),
    "wait_share": ("Wait for {step} within {within} for {share} % of patients", "Attente : {step} en moins de {within} pour {share} % des patients"),
    "occupancy": ("{resource} occupied below {below} %", "{resource} : occupation sous {below} %"),
    "occupancy_share": ("{resource} occupied below {below} % for {share} % of the time",
                        "{resource} : occupation sous {below} % pendant {share} % du temps"),
}


@dataclass(frozen=True)
class Criterion:
    """What one target asks of one statistic: its key in the tables and the level it must reach
    (`above`: the interval at or above the level; else at or below)."""

    target: schema.Target
    key: tuple[str, str, str]
    level: float | None
    above: bool


@dataclass(frozen=True)
class Verdict:
    """A criterion judged for one variant: the mean and 95% interval, and whether it is met (None
    without a level)."""

    criterion: Criterion
    variant: str
    mean: float
    low: float
    high: float
    met: bool | None


def criteria(scenario: schema.Scenario, keys: Sequence[tuple[str, str, str]]) -> list[Criterion]:
    """The statistics each target of a scenario is judged on, among the `keys` the tables hold."""
    present = set(keys)
    found = []
    for target in scenario.targets:
        if isinstance(target, schema.WaitTarget):
            for metric in ("wait", "access_delay"):
                if (metric, target.wait, "within_target") in present:
                    found.append(Criterion(target, (metric, target.wait, "within_target"), target.share, True))
        else:
            scopes = sorted({scope for metric, scope, stat in present if metric == "occupancy" and stat == "mean"
                             and target_matches(target.occupancy, scope)})
            for scope in scopes:
                if target.share is not None:
                    found.append(Criterion(target, ("occupancy", scope, "within_target"), target.share, True))
                else:
                    found.append(Criterion(target, ("occupancy", scope, "mean"), target.below, False))
    return found


def met(low: float, high: float, criterion: Criterion) -> bool | None:
    """Whether an interval meets a criterion's level (None without a level or a number)."""
    if criterion.level is None or math.isnan(low) or math.isnan(high):
        return None
    return low >= criterion.level if criterion.above else high <= criterion.level


def verdicts(summary: list[dict[str, str]], scenarios: dict[str, schema.Scenario]) -> list[Verdict]:
    """Every variant's targets (its own: a variant may change them) judged from summary.csv's 95%
    intervals, target by target, variants in order."""
    rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in summary}
    found = []
    for variant, scenario in scenarios.items():
        keys = [(m, s, st) for (v, m, s, st) in rows if v == variant]
        for criterion in criteria(scenario, keys):
            row = rows.get((variant, *criterion.key))
            if row is None or row["mean"] == "":
                continue
            mean, low, high = (float(row[k]) if row[k] != "" else math.nan for k in ("mean", "ci_low", "ci_high"))
            found.append(Verdict(criterion, variant, mean, low, high, met(low, high, criterion)))
    return found


def interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """The mean of replication values and its t interval at `confidence` (NaN bounds from fewer than two)."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(t_quantile(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def describe(criterion: Criterion, names: Names) -> str:
    """A criterion as people say it: "Wait for a ward bed within 4h for 90 % of patients"."""
    target, lang = criterion.target, names.lang
    if isinstance(target, schema.WaitTarget):
        values = {"step": names.step(target.wait), "within": format_duration(target.within)}
        if target.share is None:
            return pick(PHRASES["wait"], lang, **values)
        return pick(PHRASES["wait_share"], lang, share=_percent(target.share, lang), **values)
    values = {"resource": names.resource(criterion.key[1]), "below": _percent(target.below, lang)}
    if target.share is None:
        return pick(PHRASES["occupancy"], lang, **values)
    return pick(PHRASES["occupancy_share"], lang, share=_percent(target.share, lang), **values)


def _percent(share: float, lang: str) -> str:
    """A level as the scenario writes it, in percent: 0.9 is 90, 0.875 is 87.5 (87,5 in French)."""
    text = f"{100 * share:.4g}"
    return text.replace(".", ",") if lang == "fr" else text
