"""The tidy tables of an experiment, built from its replication results.

Every table is a list of dict rows with fixed columns (SPEC section 6); sweep parameters
add one column each, after `variant`. Rows come in a fixed order, so that writing them
gives the same bytes for the same results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.engine import ReplicationResult
from sim.engine.stats import HourlyOccupancy
from sim.experiment.executors import Task
from sim.experiment.intervals import paired_interval, t_interval

Block = tuple[int, dict[str, Any]]
"""Rows given column-wise: their number, and per column an array of that length or one value for all."""

Key = tuple[str, str, str, str]
"""(metric, scope, stat, unit)."""

REPLICATION_COLUMNS = ["replication", "metric", "scope", "stat", "value", "unit"]
SUMMARY_COLUMNS = ["metric", "scope", "stat", "unit", "mean", "sd", "ci_low", "ci_high", "n"]
COMPARISON_COLUMNS = ["metric", "scope", "stat", "unit", "diff_mean", "ci_low", "ci_high", "n"]
OCCUPANCY_COLUMNS = ["resource", "hour", "busy_mean", "capacity_mean", "occupancy_mean", "occupancy_p5", "occupancy_p95"]
FLOW_COLUMNS = ["stream", "origin", "site", "patients", "patients_ci_low", "patients_ci_high", "per_day", "transfers",
                "transport_hours", "n"]


def by_variant(results: dict[Task, ReplicationResult]) -> dict[str, list[ReplicationResult]]:
    """Results grouped by variant, in replication order."""
    grouped: dict[str, list[ReplicationResult]] = defaultdict(list)
    for task in sorted(results):
        grouped[task.variant].append(results[task])
    return dict(grouped)


ZERO_WHEN_ABSENT = {("transfers", "count"), ("flows", "patients"), ("flows", "per_day"), ("flows", "transfers"),
                    ("flows", "transport_hours")}
"""Counts of routes and transfers that a replication reports only when they happened: absent is 0."""


def values(results: list[ReplicationResult]) -> dict[Key, list[float]]:
    """Each statistic's value per replication: 0 where a replication had none of a counted route
    or transfer, NaN where it lacks any other statistic (e.g. the mean wait of no patient)."""
    table: dict[Key, list[float]] = {}
    for k, result in enumerate(results):
        for metric, scope, stat, value, unit in result.rows:
            absent = 0.0 if (metric, stat) in ZERO_WHEN_ABSENT else float("nan")
            table.setdefault((metric, scope, stat, unit), [absent] * len(results))[k] = value
    return table


def summary_rows(variant: str, params: dict[str, Any], results: list[ReplicationResult],
                 table: dict[Key, list[float]] | None = None) -> list[dict[str, Any]]:
    """summary.csv rows of one variant: mean, sd and 95% interval across replications (`table`:
    their `values`, when already made)."""
    rows = []
    for (metric, scope, stat, unit), xs in (values(results) if table is None else table).items():
        interval = t_interval(xs)
        rows.append({"variant": variant, **params, "metric": metric, "scope": scope, "stat": stat, "unit": unit,
                     "mean": interval.mean, "sd": interval.sd, "ci_low": interval.low, "ci_high": interval.high, "n": interval.n})
    return rows


def comparison_rows(variant: str, baseline: str, params: dict[str, Any], results: list[ReplicationResult],
                    reference: list[ReplicationResult], tables: tuple[dict[Key, list[float]], dict[Key, list[float]]] | None = None
                    ) -> list[dict[str, Any]]:
    """comparison.csv rows: the paired difference variant − baseline, replication by replication
    (`tables`: the `values` of both, when already made)."""
    mine, theirs = (values(results), values(reference)) if tables is None else tables
    by_rep = {r.replication: k for k, r in enumerate(reference)}
    order = [by_rep.get(r.replication) for r in results]
    rows = []
    for key, xs in mine.items():
        if key not in theirs:
            continue
        base = [theirs[key][k] if k is not None else float("nan") for k in order]
        interval = paired_interval(xs, base)
        metric, scope, stat, unit = key
        rows.append({"variant": variant, "baseline": baseline, **params, "metric": metric, "scope": scope, "stat": stat,
                     "unit": unit, "diff_mean": interval.mean, "ci_low": interval.low, "ci_high": interval.high, "n": interval.n})
    return rows


def occupancy_columns(blocks: list[Block]) -> list[str]:
    """The columns of occupancy.csv after the variant: `blocked_mean` too when some step keeps units."""
    return OCCUPANCY_COLUMNS + (["blocked_mean"] if any("blocked_mean" in columns for _, columns in blocks) else [])


def occupancy_blocks(variant: str, params: dict[str, Any], results: list[ReplicationResult]) -> list[Block]:
    """occupancy.csv rows, column-wise: per resource, one block of its hours of the measured
    period, across replications (`writer.csv_blocks` writes them)."""
    blocks = []
    resources = sorted(results[0].hourly) if results else []
    for resource in resources:
        busy = np.vstack([r.hourly[resource].busy for r in results])
        capacity = np.vstack([r.hourly[resource].capacity for r in results])
        with np.errstate(invalid="ignore", divide="ignore"):
            occupancy = np.where(capacity > 0, busy / np.where(capacity > 0, capacity, 1), np.nan)
        counts = np.isfinite(occupancy).sum(axis=0)
        with np.errstate(invalid="ignore"):
            mean = np.where(counts > 0, np.nansum(occupancy, axis=0) / np.maximum(counts, 1), np.nan)
        columns: dict[str, Any] = {"variant": variant, **params, "resource": resource, "hour": np.arange(occupancy.shape[1]),
                                   "busy_mean": busy.mean(axis=0), "capacity_mean": capacity.mean(axis=0), "occupancy_mean": mean,
                                   "occupancy_p5": column_percentile(occupancy, 5), "occupancy_p95": column_percentile(occupancy, 95)}
        kept = [r.hourly[resource].blocked for r in results]
        if all(k is not None for k in kept):
            columns["blocked_mean"] = np.vstack(kept).mean(axis=0)
        blocks.append((occupancy.shape[1], columns))
    return blocks


class SharedHours:
    """Keeps once the hourly rows that repeat from one replication to the next (a capacity that
    follows a timetable, units nobody was blocked in): a run of many replications holds every
    replication's hourly occupancy until its tables are written, and these are most of it."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], HourlyOccupancy] = {}

    def add(self, task: Task, result: ReplicationResult) -> None:
        """Point the result's rows that are, bit for bit, the last ones of its variant and resource at those."""
        for resource, hourly in result.hourly.items():
            last = self.last.get((task.variant, resource))
            if last is not None:
                hourly = result.hourly[resource] = HourlyOccupancy(_kept_once(hourly.busy, last.busy),
                                                                   _kept_once(hourly.capacity, last.capacity),
                                                                   _kept_once(hourly.blocked, last.blocked))
            self.last[(task.variant, resource)] = hourly


def _kept_once(row: np.ndarray | None, last: np.ndarray | None) -> np.ndarray | None:
    """`last` if `row` has its very bytes (the same numbers, -0.0 and NaN alike), else `row`."""
    if row is None or last is None or row.shape != last.shape or row.dtype != last.dtype:
        return row
    return last if np.array_equal(row.view(np.uint8), last.view(np.uint8)) else row


def column_percentile(values: np.ndarray, q: float) -> np.ndarray:
    """Percentile q of each column over its finite values (NaN for none), with numpy's default
    linear interpolation; vectorised, where np.nanpercentile loops column by column."""
    ordered = np.sort(values, axis=0)  # NaN sort last
    counts = np.isfinite(values).sum(axis=0)
    position = np.maximum(counts - 1, 0) * q / 100.0
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, np.maximum(counts - 1, 0))
    below = np.take_along_axis(ordered, low[None, :], axis=0)[0]
    above = np.take_along_axis(ordered, high[None, :], axis=0)[0]
    return np.where(counts > 0, below + (above - below) * (position - low), np.nan)


def param_columns(params: Sequence[dict[str, Any]]) -> list[str]:
    """The sweep parameter columns, in first-seen order."""
    columns: list[str] = []
    for p in params:
        columns += [k for k in p if k not in columns]
    return columns


def flow_rows(summary: list[dict[str, Any]], params: list[str]) -> list[dict[str, Any]]:
    """flows.csv rows: counted patients by stream, origin site and the site they left from,
    means across replications (patients with its 95% interval), from the `flows` summary rows."""
    flows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in summary:
        if row["metric"] != "flows":
            continue
        stream, route = row["scope"].split(":", 1)
        origin, site = route.split(">", 1)
        key = (row["variant"], *(row[p] for p in params), stream, origin, site)
        flow = flows.setdefault(key, {"variant": row["variant"], **{p: row[p] for p in params},
                                      "stream": stream, "origin": origin, "site": site})
        if row["stat"] == "patients":
            flow.update(patients=row["mean"], patients_ci_low=row["ci_low"], patients_ci_high=row["ci_high"], n=row["n"])
        else:
            flow[row["stat"]] = row["mean"]
    return list(flows.values())
