"""A whole run: load a scenario, run its tasks, build the tables, write the results folder."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment import tables
from sim.experiment.advice import (
    ABSOLUTE_TOLERANCE,
    INITIAL_REPLICATIONS,
    LOOK_AHEAD,
    advise,
    advised,
    look_ahead,
    saturation_driver,
    solution,
    tolerance_for,
)
from sim.experiment.executors import Task, executor_for, run_tasks
from sim.results import writer
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.limits import MAX_OCCUPANCY_ROWS
from sim.scenario.loader import LoadedScenario, load_file


@dataclass(frozen=True, kw_only=True)
class Execution:
    """How a command that runs replications runs them and where it writes them."""

    seed: int | None = None
    out: Path | None = None
    workers: int = 1
    force: bool = False
    scheduler: str | None = None
    command: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RunOptions(Execution):
    """What the command line may change about a run."""

    replications: int | None = None
    variants: tuple[str, ...] | None = None
    precision: float = 0.05
    max_replications: int | None = None
    events: bool = False

    @classmethod
    def of(cls, execution: Execution, replications: int, seed: int, out: Path) -> RunOptions:
        """The options of the run a study makes: its execution, with the replications, seed and folder it settled on."""
        return cls(replications=replications, seed=seed, out=out, workers=execution.workers, force=execution.force,
                   scheduler=execution.scheduler, command=execution.command)


@dataclass(frozen=True)
class Plan:
    """The tasks a run will do."""

    loaded: LoadedScenario
    variants: tuple[str, ...]
    replications: int
    seed: int
    out: Path

    @property
    def tasks(self) -> int:
        """How many (variant, replication) tasks."""
        return len(self.variants) * self.replications


def plan(path: Path, options: RunOptions) -> Plan:
    """Load the scenario and decide variants, replications, seed and output folder."""
    out = options.out if options.out is not None else Path("results") / Path(path).stem
    return plan_of(load_file(path), options, out)


def plan_of(loaded: LoadedScenario, options: RunOptions, out: Path) -> Plan:
    """Decide the variants, replications and seed of a loaded scenario's run into `out`."""
    path = loaded.path
    variants = loaded.names
    if options.variants:
        unknown = [v for v in options.variants if v not in loaded.names]
        if unknown:
            message = f"--variants: unknown variant {', '.join(unknown)} (variants: {', '.join(loaded.names)})"
            raise ScenarioError([Problem(str(path), 0, 0, "", message)])
        chosen = set(options.variants) | {loaded.baseline}
        variants = tuple(v for v in loaded.names if v in chosen)
    replications = options.replications or loaded.base.run.replications
    seed = options.seed if options.seed is not None else loaded.base.run.seed
    rows = sum(_occupancy_rows(loaded.variant(v).scenario) for v in variants)
    if rows > MAX_OCCUPANCY_ROWS:
        raise ScenarioError([Problem(str(path), 0, 0, "", f"{len(variants)} variants would write {rows:,} rows of hourly occupancy "
                                                         f"(at most {MAX_OCCUPANCY_ROWS:,}: run fewer variants, or a shorter horizon)")])
    writer.check_output(out, options.force)
    return Plan(loaded, variants, replications, seed, out)


def _occupancy_rows(scenario: Any) -> int:
    """Rows of occupancy.csv for one variant: its resources × measured hours."""
    return sum(len(site.resources) for site in scenario.sites.values()) * math.ceil(scenario.run.horizon / 60)


def adaptive_count(values_by_variant: dict[str, dict[Any, list[float]]], precision: float, limit: int) -> int | None:
    """Replications the replications algorithm settles on, given the values so far (None: run more).

    Every key metric of every variant needs a confirmed solution n; the count is the largest
    n plus its look-ahead, so it depends only on the values, never on how they were batched.
    """
    needed = INITIAL_REPLICATIONS
    for table in values_by_variant.values():
        for (metric, scope, stat, unit), xs in table.items():
            if not advised(metric, scope, stat):
                continue
            n = solution(xs, precision, tolerance=tolerance_for(unit))
            if n is None and saturation_driver(table, xs) is not None:
                continue  # driven by saturation: more replications would not settle it (docs/results.md)
            if n is None:
                return None if len(xs) < limit else limit
            needed = max(needed, n + look_ahead(LOOK_AHEAD, n))
    return min(needed, limit)


def events_parquet(results: dict[Task, Any]) -> bytes:
    """events.parquet: every task's event log with its variant and replication, in task order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for task in sorted(results):
        log = results[task].event_log
        if log is None:
            continue
        columns = log.decoded()
        size = len(columns["time"])
        tables.append(pa.table({
            "patient": pa.array(columns["patient"], pa.int64()),
            "stream": pa.array(columns["stream"], pa.string()).dictionary_encode(),
            "variant": pa.array([task.variant] * size, pa.string()).dictionary_encode(),
            "replication": pa.array(np.full(size, task.replication, dtype=np.int32)),
            "step": pa.array(columns["step"], pa.string()).dictionary_encode(),
            "site": pa.array(columns["site"], pa.string()).dictionary_encode(),
            "resource": pa.array(columns["resource"], pa.string()).dictionary_encode(),
            "event": pa.array(columns["event"], pa.string()).dictionary_encode(),
            "time": pa.array(columns["time"], pa.float64()),
        }))
    table = pa.concat_tables(tables, promote_options="permissive").unify_dictionaries()
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


class ReplicationText:
    """replications.csv, formatted one task's rows at a time as its result arrives (`add`), so
    that the largest table of a run is written while its tasks run, not after them."""

    def __init__(self, loaded: LoadedScenario, variants: tuple[str, ...]):
        params = {v: loaded.variant(v).params for v in variants}
        self.columns = tables.param_columns(list(params.values()))
        self.pad = {v: {c: params[v].get(c, "") for c in self.columns} for v in variants}
        self.order = {v: k for k, v in enumerate(variants)}
        self.head = ["variant", *self.columns] + tables.REPLICATION_COLUMNS
        self.lead = {v: [writer.cell(value) for value in (v, *self.pad[v].values())] for v in variants}
        """The cells of a variant's rows before the replication: its name and its parameters."""
        self.lines: dict[Task, tuple[str, int]] = {}

    def add(self, task: Task, result: Any) -> None:
        """Format the rows of one task's result: the cells `writer.csv_text` would write, straight from its rows."""
        lead, replication, cell = self.lead[task.variant], str(result.replication), writer.cell
        rows = [[*lead, replication, metric, scope, stat, cell(value), unit] for metric, scope, stat, value, unit in result.rows]
        self.lines[task] = (writer.csv_rows(rows), len(rows))

    def text(self, results: dict[Task, Any]) -> tuple[str, int]:
        """The table of these results (formatting those not added yet), and its number of rows."""
        for task in results.keys() - self.lines.keys():
            self.add(task, results[task])
        ordered = sorted(results, key=lambda t: (self.order[t.variant], t.replication))
        return writer.csv_text([], self.head) + "".join(self.lines[t][0] for t in ordered), sum(self.lines[t][1] for t in ordered)


def build_files(plan_: Plan, results: dict[Task, Any], options: RunOptions, wall: float,
                replication_text: ReplicationText | None = None) -> dict[str, str | bytes]:
    """Every file of the results folder, as text (replications.csv from `replication_text` when
    its rows were formatted as the results arrived)."""
    loaded = plan_.loaded
    grouped = tables.by_variant(results)
    replication_text = replication_text or ReplicationText(plan_.loaded, plan_.variants)
    params, columns, pad = {v: loaded.variant(v).params for v in plan_.variants}, replication_text.columns, replication_text.pad
    summary_rows, comparison_rows, occupancy = [], [], []
    found = {v: tables.values(grouped[v]) for v in plan_.variants}
    for v in plan_.variants:
        summary_rows += tables.summary_rows(v, pad[v], grouped[v], found[v])
        occupancy += tables.occupancy_blocks(v, pad[v], grouped[v])
        if v != loaded.baseline:
            comparison_rows += tables.comparison_rows(v, loaded.baseline, pad[v], grouped[v], grouped[loaded.baseline],
                                                      (found[v], found[loaded.baseline]))
    head = ["variant", *columns]
    replications = len(next(iter(grouped.values())))
    manifest = writer.manifest(loaded.path, loaded.sha256, plan_.seed, replications, list(plan_.variants), loaded.baseline,
                           params, options.command, wall, options.workers)
    advice = advise(found, options.precision)
    manifest["replication_advice"] = {
        "precision": options.precision,
        "absolute_tolerance": ABSOLUTE_TOLERANCE,
        "adaptive": options.max_replications is not None,
        "metrics": [{"variant": a.variant, "metric": a.metric, "scope": a.scope, "stat": a.stat, "unit": a.unit, "mean": a.mean,
                     "half_width": a.half_width if math.isfinite(a.half_width) else None,
                     "relative_half_width": None if not math.isfinite(a.relative_half_width) else a.relative_half_width,
                     "precise": a.precise, "replications_needed": a.needed,
                     **({"saturation_driven": a.saturation} if a.saturation else {})} for a in advice],
    }
    replication_csv, replication_count = replication_text.text(results)
    files: dict[str, str | bytes] = {
        "scenario.resolved.yaml": writer.resolved_yaml({v: loaded.variant(v).data for v in plan_.variants}),
        "replications.csv": replication_csv,
        "summary.csv": writer.csv_text(summary_rows, head + tables.SUMMARY_COLUMNS),
        "comparison.csv": writer.csv_text(comparison_rows, ["variant", "baseline", *columns] + tables.COMPARISON_COLUMNS),
        "occupancy.csv": writer.csv_blocks(occupancy, head + tables.occupancy_columns(occupancy), digits=6),
        "flows.csv": writer.csv_text(flow_rows := tables.flow_rows(summary_rows, columns), head + tables.FLOW_COLUMNS),
    }
    if options.events:
        files["events.parquet"] = events_parquet(results)
    rows = {"summary.csv": summary_rows, "comparison.csv": comparison_rows, "flows.csv": flow_rows}
    counts = {name: len(found) for name, found in rows.items()} | {"occupancy.csv": sum(n for n, _ in occupancy),
                                                                    "replications.csv": replication_count}
    manifest["files"] = {name: writer.digest(content, counts.get(name)) for name, content in files.items()}
    return {"manifest.json": json.dumps(manifest, indent=2) + "\n", **files}


def execute(plan_: Plan, options: RunOptions, on_done: Callable[[Task], None] | None = None,
            on_more: Callable[[int], None] | None = None) -> Path:
    """Run every task of the plan and write the results folder; its path.

    With `max_replications`, replications are added (`on_more` is told how many tasks) until
    the replications algorithm is satisfied for every key metric, or the limit is reached.
    """
    writer.check_output(plan_.out, options.force)
    started = time.perf_counter()
    executor = executor_for(options.workers, options.scheduler)
    text, shared = ReplicationText(plan_.loaded, plan_.variants), tables.SharedHours()

    def arrived(task: Task, result: Any) -> None:
        shared.add(task, result)
        text.add(task, result)

    try:
        results = run_tasks(plan_.loaded, plan_.variants, range(plan_.replications), plan_.seed, executor, on_done, options.events,
                            on_result=arrived)
        if options.max_replications is not None:
            results = _add_replications(plan_, options, results, executor, on_done, on_more, arrived)
    finally:
        executor.close()
    files = build_files(plan_, results, options, time.perf_counter() - started, text)
    return writer.write_folder(plan_.out, files, force=options.force)


def _add_replications(plan_: Plan, options: RunOptions, results: dict[Task, Any], executor: Any,
                      on_done: Callable[[Task], None] | None, on_more: Callable[[int], None] | None,
                      arrived: Callable[[Task, Any], None]) -> dict[Task, Any]:
    limit = max(options.max_replications or 0, plan_.replications)
    while True:
        grouped = tables.by_variant(results)
        have = len(next(iter(grouped.values())))
        count = adaptive_count({v: tables.values(grouped[v]) for v in plan_.variants}, options.precision, limit)
        if count is not None and count <= have:
            return {t: r for t, r in results.items() if t.replication < count}
        more = min(limit, have + max(options.workers, 1)) - have
        if on_more is not None:
            on_more(more * len(plan_.variants))
        results.update(run_tasks(plan_.loaded, plan_.variants, range(have, have + more), plan_.seed, executor, on_done, options.events,
                                 on_result=arrived))
