"""One replication: `simulate(scenario, replication, seed)` builds the model, runs it on SimPy
and returns what it found.

It is pure: it reads no file, prints nothing, keeps no global state and looks at no clock.
Everything it needs comes in; everything it found goes out as a ReplicationResult.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from sim.engine import metrics, stats
from sim.engine.build import build
from sim.engine.events import scheduled
from sim.engine.model import Model
from sim.engine.patients import ArrivalDriver
from sim.engine.records import EVENT_KINDS
from sim.engine.stats import HourlyOccupancy, Row
from sim.scenario import schema


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication found: tidy metric rows and the hourly occupancy of each resource."""

    replication: int
    rows: list[Row]
    hourly: dict[str, HourlyOccupancy] = field(default_factory=dict)
    hourly_waits: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Per named wait, the sums and counts of waits ending in each hour from time 0 (when asked for)."""
    patients: int = 0
    """Patients created, warm-up included (the work done, for benchmarks)."""
    events: int = 0
    """SimPy events scheduled during the run."""
    event_log: EventColumns | None = None
    """With `events=True`: one row per patient event."""

    def value(self, metric: str, scope: str, stat: str) -> float:
        """One statistic by its keys."""
        for row in self.rows:
            if row[:3] == (metric, scope, stat):
                return row[3]
        raise KeyError((metric, scope, stat))


def simulate(scenario: schema.Scenario, replication: int, seed: int, *, events: bool = False,
             hourly_waits: bool = False) -> ReplicationResult:
    """Run replication `replication` of a validated scenario with root seed `seed`.

    With `events`, every patient event is logged too (memory grows with the patients); with
    `hourly_waits`, the hourly sums and counts of named waits are kept (for warm-up advice).
    """
    with rare_collections():
        model = build(scenario, replication, seed, events, hourly_waits)
        model.env.run(until=model.end)
        found = _found(model, replication, hourly_waits)
        del model
        gc.collect()  # the model is cyclic garbage: freed now, scanning only what this run made (the rest is frozen)
    return found


def _found(model: Model, replication: int, hourly_waits: bool) -> ReplicationResult:
    """What a finished model found: its tidy rows, hourly occupancy, counts and event log."""
    for resource in model.resources.values():
        resource.log.close()
        if resource.blocked_log is not None:
            resource.blocked_log.close()
    rows = metrics.replication_rows(model)
    hourly = {key: stats.hourly_occupancy(r.log, r.blocked_log) for key, r in model.resources.items()}
    created = sum(d.created for d in model.drivers if isinstance(d, ArrivalDriver))
    count = scheduled(model.env)
    log = event_columns(model) if model.ctx.log is not None else None
    waits = metrics.hourly_waits(model) if hourly_waits else {}
    return ReplicationResult(replication, rows, hourly, waits, created, count, log)


GC_THRESHOLD = 100_000
"""Allocations between two young-generation collections during a run (Python's default: 700)."""


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while a replication is built and run, then as before.

    The run allocates a patient, a list of numbers and heap entries per arrival, none of them in
    a reference cycle (reference counting frees them), so the collector's frequent scans of the
    live patients, and of everything the process held before the run, are wasted work: about a
    tenth of the run on the benchmark's model. The model itself is one large cycle (its steps,
    clock and resources refer to each other): `simulate` collects it before leaving, while what
    the process held before is still frozen, so that a process running many replications does
    not keep their models until a full collection comes round.
    """
    before = gc.get_threshold()
    gc.freeze()  # what exists before the run (modules, the scenario) is not scanned again
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@dataclass(frozen=True)
class EventColumns:
    """The event log of a replication: integer codes into name tables, and times in minutes."""

    patient: np.ndarray
    time: np.ndarray
    codes: dict[str, np.ndarray]
    """Codes of the `stream`, `step`, `site`, `resource` and `event` columns."""
    names: dict[str, list[str]]
    """The name of each code, per column."""

    def decoded(self) -> dict[str, np.ndarray]:
        """Every column with names in place of codes."""
        columns: dict[str, np.ndarray] = {"patient": self.patient}
        for key, codes in self.codes.items():
            columns[key] = np.asarray(self.names[key], dtype=object)[codes]
        columns["time"] = self.time
        return columns


def event_columns(model: Model) -> EventColumns:
    """The event log of a finished model as columns."""
    log = model.ctx.log
    return EventColumns(
        patient=np.frombuffer(log.patient, dtype=np.int64).copy(),
        time=np.frombuffer(log.time, dtype=np.float64).copy(),
        codes={
            "stream": np.frombuffer(log.stream, dtype=np.int32).copy(),
            "step": np.frombuffer(log.label, dtype=np.int32).copy(),
            "site": np.frombuffer(log.site, dtype=np.int32).copy(),
            "resource": np.frombuffer(log.resource, dtype=np.int32).copy(),
            "event": np.frombuffer(log.kind, dtype=np.int8).copy(),
        },
        names={"stream": [*model.streams, ""], "step": list(log.labels), "site": list(model.sites),
               "resource": list(log.labels), "event": list(EVENT_KINDS)},
    )
