"""The simulation engine: `simulate(scenario, replication, seed)` runs one replication.

It is pure: it reads no file, prints nothing, keeps no global state and looks at no clock.
Everything it needs comes in; everything it found goes out as a ReplicationResult.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sim import schema, stats
from sim.engine.model import Model, build, target_matches
from sim.engine.patients import ArrivalDriver, Patient
from sim.records import EVENT_KINDS
from sim.stats import HourlyOccupancy, Row

__all__ = ["ReplicationResult", "simulate", "ConservationError"]


class ConservationError(AssertionError):
    """Patients were created or lost: arrivals != departed + left unseen + still inside."""


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication found: tidy metric rows and the hourly occupancy of each resource."""

    replication: int
    rows: list[Row]
    hourly: dict[str, HourlyOccupancy] = field(default_factory=dict)
    hourly_waits: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Per named wait, the sums and counts of waits ending in each hour from time 0."""
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


def simulate(scenario: schema.Scenario, replication: int, seed: int, *, events: bool = False) -> ReplicationResult:
    """Run replication `replication` of a validated scenario with root seed `seed`.

    With `events`, every patient event is logged too (memory grows with the patients).
    """
    model = build(scenario, replication, seed, events)
    model.env.run(until=model.end)
    for resource in model.resources.values():
        resource.log.close()
    inside = _still_inside(model)
    rows = _rows(model, inside)
    hourly = {key: stats.hourly_occupancy(r.log) for key, r in model.resources.items()}
    created = sum(d.created for d in model.drivers if isinstance(d, ArrivalDriver))
    scheduled = next(model.env._eid)  # SimPy numbers every scheduled event; the next number is their count
    waits = {name: (np.asarray(w.hour_sums), np.asarray(w.hour_counts)) for name, w in model.waits.items()}
    log = event_columns(model) if model.ctx.log is not None else None
    return ReplicationResult(replication, rows, hourly, waits, created, scheduled, log)


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
        names={"stream": list(model.streams), "step": list(log.labels), "site": list(model.sites),
               "resource": list(log.labels), "event": list(EVENT_KINDS)},
    )


def _still_inside(model: Model) -> Counter[int]:
    """Counted patients still in the system at the end, per stream, found where they are:
    on the event schedule (in a timed step) or in a resource queue."""
    found: dict[int, Patient] = {}
    for *_, event in model.env._queue:
        if isinstance(event, Patient) and event.counted:
            found[id(event)] = event
    for resource in model.resources.values():
        for ticket in resource._heap:
            if ticket[3] is not None and ticket[2].counted:
                found[id(ticket[2])] = ticket[2]
    return Counter(p.stream for p in found.values())


def _rows(model: Model, inside: Counter[int]) -> list[Row]:
    scenario = model.scenario
    wait_targets = {t.wait: t.within for t in scenario.targets if isinstance(t, schema.WaitTarget)}
    rows: list[Row] = []
    for name in sorted(model.waits):
        rows += stats.distribution_rows("wait", name, np.frombuffer(model.waits[name].waits), "min", target=wait_targets.get(name))
        rows.append(("wait", name, "left_unseen", float(model.waits[name].left), "patients"))
    for name in sorted(model.bookings):
        record = model.bookings[name]
        rows += stats.distribution_rows("access_delay", name, np.frombuffer(record.delays), "d", scale=stats.MINUTES_PER_DAY,
                                        target=wait_targets.get(name))
        rows.append(("access_delay", name, "forced", float(record.forced), "patients"))
    totals = Counter()
    for s, name in enumerate(model.streams):
        record = model.ctx.stream_records[s]
        rows += stats.distribution_rows("time_in_system", name, np.frombuffer(record.stays), "min", with_max=False)
        rows.append(("throughput", name, "count", float(record.departed), "patients"))
        counts = {"arrivals": record.arrivals, "departed": record.departed, "left_unseen": record.left_unseen, "still_inside": inside[s]}
        if counts["arrivals"] != counts["departed"] + counts["left_unseen"] + counts["still_inside"]:
            raise ConservationError(f"stream {name}: {counts}")
        for key, count in counts.items():
            rows.append(("patients", f"{key}:{name}", "count", float(count), "patients"))
            totals[key] += count
    for key in ("arrivals", "departed", "left_unseen", "still_inside"):
        rows.append(("patients", key, "count", float(totals[key]), "patients"))
    rows += _resource_rows(model)
    rows += _transfer_rows(model)
    return rows


def _resource_rows(model: Model) -> list[Row]:
    rows: list[Row] = []
    targets = [t for t in model.scenario.targets if isinstance(t, schema.OccupancyTarget)]
    for key in sorted(model.resources):
        log = model.resources[key].log
        thresholds = {x: k for k, x in enumerate(log.thresholds)}
        wanted = {t.below: thresholds[t.below] for t in targets if t.below in thresholds and target_matches(t.occupancy, key)}
        rows += stats.resource_rows(key, log, wanted)
        if key in model.calendars:
            calendar = model.calendars[key]
            offered = calendar.offered_between(model.warmup, model.end)
            booked = calendar.booked_between(model.warmup, model.end)
            rows.append(("slots", key, "offered", float(offered), "appointments"))
            rows.append(("slots", key, "used_share", booked / offered if offered else float("nan"), "share"))
    return rows


def _transfer_rows(model: Model) -> list[Row]:
    rows: list[Row] = []
    durations_all: list[np.ndarray] = []
    for (a, b) in sorted(model.transfers):
        durations = np.frombuffer(model.transfers[(a, b)].durations)
        durations_all.append(durations)
        scope = f"{model.sites[a]}>{model.sites[b]}"
        rows.append(("transfers", scope, "count", float(durations.size), "patients"))
        rows.append(("transfers", scope, "transport_mean", float(durations.mean()), "min"))
    everything = np.concatenate(durations_all) if durations_all else np.empty(0)
    rows.append(("transfers", "all", "count", float(everything.size), "patients"))
    rows.append(("transfers", "all", "transport_mean", float(everything.mean()) if everything.size else float("nan"), "min"))
    return rows
