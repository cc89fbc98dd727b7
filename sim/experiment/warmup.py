"""Warm-up advice: run a variant from an empty system without warm-up, and find where its
occupancy and waiting-time series settle (MSER-5 on daily means, averaged over replications).

Daily means remove the intraday cycle, which MSER would otherwise read as transient. The
advice is the largest truncation point over every series, rounded up to whole days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine import simulate
from sim.experiment.advice import mser5, welch_average
from sim.scenario import schema

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class Series:
    """One series averaged over replications: daily values and its MSER-5 truncation (days)."""

    name: str
    daily: np.ndarray
    truncation_days: int


@dataclass(frozen=True)
class WarmupAdvice:
    """The series examined and the recommended warm-up."""

    series: list[Series]
    days: int
    configured_days: float
    replications: int


def _daily(hourly: np.ndarray, days: int) -> np.ndarray:
    return hourly[: days * HOURS_PER_DAY].reshape(days, HOURS_PER_DAY).mean(axis=1)


def analyse(scenario: schema.Scenario, replications: int, seed: int) -> WarmupAdvice:
    """Warm-up advice for a scenario (its own warm-up set to 0, its whole run length simulated)."""
    run = scenario.run
    length = run.warmup + run.horizon
    cold = scenario.model_copy(update={"run": run.model_copy(update={"warmup": 0.0, "horizon": length})})
    days = int(length // 1440)
    results = [simulate(cold, r, seed, hourly_waits=True) for r in range(replications)]
    series: list[Series] = []
    for key in sorted(results[0].hourly):
        ratios = []
        for result in results:
            h = result.hourly[key]
            with np.errstate(invalid="ignore", divide="ignore"):
                ratios.append(np.where(h.capacity > 0, h.busy / np.where(h.capacity > 0, h.capacity, 1), np.nan))
        hourly = np.nanmean(np.vstack(ratios), axis=0)
        if np.isfinite(hourly).any():
            daily = _daily(np.nan_to_num(hourly, nan=0.0), days)
            series.append(Series(f"{key} occupancy", daily, mser5(daily)))
    for name in sorted(results[0].hourly_waits):
        sums = sum(r.hourly_waits[name][0] for r in results)
        counts = sum(r.hourly_waits[name][1] for r in results)
        daily_sums = sums[: days * HOURS_PER_DAY].reshape(days, HOURS_PER_DAY).sum(axis=1)
        daily_counts = counts[: days * HOURS_PER_DAY].reshape(days, HOURS_PER_DAY).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            daily = np.where(daily_counts > 0, daily_sums / np.maximum(daily_counts, 1), np.nan)
        if np.isfinite(daily).any():
            series.append(Series(f"{name} wait", daily, mser5(daily)))
    recommended = max((s.truncation_days for s in series), default=0)
    return WarmupAdvice(series, int(math.ceil(recommended)), run.warmup / 1440, replications)


def plot(advice: WarmupAdvice, path: Path) -> Path:
    """A PNG of Welch's moving average of each series, with its MSER-5 truncation point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(advice.series)
    fig, axes = plt.subplots(count, 1, figsize=(8, 1.8 * count + 0.6), sharex=True, squeeze=False)
    for ax, s in zip(axes[:, 0], advice.series):
        days = np.arange(len(s.daily))
        ax.plot(days, s.daily, color="0.75", lw=0.8, label="daily mean")
        ax.plot(days, welch_average(s.daily, 3), color="C0", lw=1.5, label="Welch moving average (window 3 d)")
        ax.axvline(s.truncation_days, color="C3", ls="--", lw=1, label=f"MSER-5: {s.truncation_days} d")
        ax.set_ylabel(s.name, fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    axes[-1, 0].set_xlabel("days from an empty system")
    fig.suptitle(f"Warm-up: recommended {advice.days} days (configured {advice.configured_days:g})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _mean(chunk: np.ndarray) -> float:
    """The mean of the finite values of a chunk, NaN when it has none (a day with no patient)."""
    finite = chunk[np.isfinite(chunk)]
    return float(finite.mean()) if len(finite) else math.nan


def sparkline(values: np.ndarray, cut: int, width: int = 60) -> str:
    """A one-line text picture of a series, with `|` where it is truncated."""
    x = np.asarray(values, dtype=float)
    blocks = "▁▂▃▄▅▆▇█"
    step = max(1, math.ceil(len(x) / width))
    points = [_mean(x[i : i + step]) for i in range(0, len(x), step)]
    finite = [p for p in points if np.isfinite(p)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    text = ""
    for k, p in enumerate(points):
        if k * step <= cut < (k + 1) * step:
            text += "|"
        text += " " if not np.isfinite(p) else blocks[int((p - lo) / (hi - lo) * (len(blocks) - 1)) if hi > lo else 0]
    return text
