"""Statistics of one replication, computed after the run from its compact records.

Rows are tidy: (metric, scope, stat, value, unit), with the names of SPEC section 6. Only
patients that arrived after the warm-up count; time-weighted measures integrate from the end
of the warm-up to the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.records import SIGNALS, StateLog

MINUTES_PER_DAY = 1440.0

Row = tuple[str, str, str, float, str]
"""(metric, scope, stat, value, unit)."""

_COL = {name: k for k, name in enumerate(SIGNALS)}

PERCENTILES = (50, 90, 95)
"""The percentiles of a distribution's rows."""


@dataclass(frozen=True)
class HourlyOccupancy:
    """Busy units and capacity in force, averaged over each hour of the measured period (and the
    blocked units among the busy ones, for a resource some step keeps)."""

    busy: np.ndarray
    capacity: np.ndarray
    blocked: np.ndarray | None = None


def distribution_rows(metric: str, scope: str, values: np.ndarray, unit: str, scale: float = 1.0,
                      target: float | None = None, with_max: bool = True) -> list[Row]:
    """Mean, percentiles, max, count and the share within `target` of a sample (NaN when empty)."""
    x = np.asarray(values, dtype=float) / scale
    empty = x.size == 0
    percentiles = [float("nan")] * len(PERCENTILES) if empty else np.percentile(x, PERCENTILES).tolist()  # one partial sort for all
    rows = [
        (metric, scope, "mean", float("nan") if empty else float(x.mean()), unit),
        *[(metric, scope, f"p{q}", value, unit) for q, value in zip(PERCENTILES, percentiles)],
    ]
    if with_max:
        rows.append((metric, scope, "max", float("nan") if empty else float(x.max()), unit))
    rows.append((metric, scope, "count", float(x.size), "patients"))
    if target is not None:
        rows.append((metric, scope, "within_target", float("nan") if empty else float(np.mean(x <= target / scale)), "share"))
        rows.append((metric, scope, "beyond_target", float(np.count_nonzero(x > target / scale)), "patients"))
    return rows


def resource_rows(scope: str, log: StateLog, thresholds: dict[float, int]) -> list[Row]:
    """Occupancy, utilisation and queue of one resource over the measured period."""
    total = log.integral(log.warmup, log.end)
    length = log.end - log.warmup
    open_time = total[_COL["open"]]
    occupancy = total[_COL["ratio"]] / open_time if open_time > 0 else float("nan")
    utilisation = total[_COL["busy"]] / total[_COL["capacity"]] if total[_COL["capacity"]] > 0 else float("nan")
    rows = [
        ("occupancy", scope, "mean", occupancy, "share"),
        ("occupancy", scope, "peak", float(log.peak), "units"),
        ("occupancy", scope, "full_share", total[_COL["full"]] / open_time if open_time > 0 else float("nan"), "share"),
        ("utilisation", scope, "mean", utilisation, "share"),
        ("queue", scope, "mean", total[_COL["queue"]] / length, "patients"),
        ("queue", scope, "max", float(log.queue_max), "patients"),
    ]
    for column in thresholds.values():
        share = total[len(SIGNALS) + column] / open_time if open_time > 0 else float("nan")
        rows.append(("occupancy", scope, "within_target", share, "share"))
    return [(m, s, stat, float(v), u) for m, s, stat, v, u in rows]


def saturation_rows(scope: str, log: StateLog) -> list[Row]:
    """Whether a resource saturated over the measured period (some patient had to wait for a unit:
    1, else 0; its mean across replications is the share of replications in which it saturates)
    and the hours it was full."""
    total = log.integral(log.warmup, log.end)
    return [("occupancy", scope, "saturated", 1.0 if log.queue_max > 0 else 0.0, "share"),
            ("occupancy", scope, "full_hours", float(total[_COL["full"]] / 60.0), "h")]


def hourly_occupancy(log: StateLog, blocked: StateLog | None = None) -> HourlyOccupancy:
    """Mean busy units and capacity in force per hour of the measured period (and mean blocked
    units, given the log of a resource some step keeps)."""
    hours = log.hourly()
    lengths = np.diff(log.hours[np.searchsorted(log.hours, log.warmup):])
    kept = None if blocked is None else blocked.hourly()[:, _COL["busy"]] / lengths
    return HourlyOccupancy(hours[:, _COL["busy"]] / lengths, hours[:, _COL["capacity"]] / lengths, kept)


def blocking_rows(scope: str, log: StateLog, blocked: StateLog) -> list[Row]:
    """Occupancy split into care and blocked (units held by patients whose care there is over),
    each the time average of its units over the capacity in force, and the mean blocked units."""
    total, kept = log.integral(log.warmup, log.end), blocked.integral(blocked.warmup, blocked.end)
    open_time = total[_COL["open"]]
    share = kept[_COL["ratio"]] / open_time if open_time > 0 else float("nan")
    care = (total[_COL["ratio"]] - kept[_COL["ratio"]]) / open_time if open_time > 0 else float("nan")
    return [("occupancy", scope, "care", float(care), "share"), ("occupancy", scope, "blocked", float(share), "share"),
            ("blocked", scope, "mean", float(kept[_COL["busy"]] / (log.end - log.warmup)), "units"),
            ("blocked", scope, "peak", float(blocked.peak), "units")]
