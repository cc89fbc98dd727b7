"""One replication's statistics, read off a finished model's records (SPEC section 4).

Patients are counted where they are found at the end; waits are reported per step name and,
where a step runs at several sites, per site too (`name@site`); cooperation adds calendar
use by quota group and the flows of patients from their origin to where they ended.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.engine import stats
from sim.engine.build import target_matches
from sim.engine.context import nights_blocked
from sim.engine.events import pending
from sim.engine.model import Model
from sim.engine.patients import Patient
from sim.engine.stats import Row
from sim.scenario import schema
from sim.scenario.walk import goto_targets, iter_steps, walk

HOURS_PER_DAY = 24.0


class ConservationError(AssertionError):
    """Patients were created or lost: arrivals != departed + left unseen + still inside."""


def inside(model: Model) -> list[Patient]:
    """Every patient still in the system at the end, found where it is: on the event schedule
    (in a timed step) or in a resource queue."""
    found: dict[int, Patient] = {}
    for event in pending(model.env):
        if isinstance(event, Patient):
            found[id(event)] = event
    for resource in model.resources.values():
        for ticket in resource._heap:
            if ticket[3] is not None:
                found[id(ticket[2])] = ticket[2]
    return list(found.values())


def still_inside(model: Model) -> Counter[int]:
    """Counted patients still in the system at the end, per stream."""
    return Counter(p.stream for p in inside(model) if p.counted)


def replication_rows(model: Model) -> list[Row]:
    """Every statistic of a finished replication; checks conservation stream by stream."""
    targets = {t.wait: t.within for t in model.scenario.targets if isinstance(t, schema.WaitTarget)}
    rows = [*_wait_rows(model, targets), *_booking_rows(model, targets), *_patient_rows(model), *_resource_rows(model),
            *_transfer_rows(model), *_flow_rows(model), *_rule_rows(model)]
    return rows + _blocking_rows(model, targets) if model.keeps else rows


def _rule_rows(model: Model) -> list[Row]:
    """Per rule with a time in force: its share of the measured period in force and how often it
    came into force then; per named overflow rule: the counted patients it sent to a partner; per
    site with overflow rules: the counted patients they could not send, no partner having room."""
    rows: list[Row] = []
    measured = model.end - model.warmup
    for _, _, switch in sorted(model.switches, key=lambda s: s[2].label):
        rows.append(("rule", switch.label, "in_force_share", switch.time_on(model.warmup, model.end) / measured, "share"))
        rows.append(("rule", switch.label, "switched_on", float(sum(on and at >= model.warmup for at, on in switch.times)), "times"))
    named = sorted((p.rule.name, p.sent) for policies in model.overflows.values() for p in policies if p.rule.name is not None)
    rows += [("transfers", f"rule:{name}", "count", float(sent), "patients") for name, sent in named]
    refused: Counter[str] = Counter()
    for policies in model.overflows.values():
        for policy in policies:
            refused[model.sites[policy.home]] += policy.refused
    rows += [("transfers", f"refused:{site}", "count", float(refused[site]), "patients") for site in sorted(refused)]
    return rows


def _wait_rows(model: Model, targets: dict[str, float]) -> list[Row]:
    rows: list[Row] = []
    by_name: dict[str, list[int]] = {}
    for name, site in model.waits:
        by_name.setdefault(name, []).append(site)
    for name in sorted(by_name):
        records = [model.waits[(name, site)] for site in sorted(by_name[name])]
        waits = np.concatenate([np.frombuffer(r.waits) for r in records])
        rows += stats.distribution_rows("wait", name, waits, "min", target=targets.get(name))
        rows.append(("wait", name, "left_unseen", float(sum(r.left for r in records)), "patients"))
        used = [(site, r) for site, r in zip(sorted(by_name[name]), records) if len(r.waits)]
        if len(used) > 1:
            for site, record in used:
                scope = f"{name}@{model.sites[site]}"
                rows += stats.distribution_rows("wait", scope, np.frombuffer(record.waits), "min", target=targets.get(name))
    return rows


def _booking_rows(model: Model, targets: dict[str, float]) -> list[Row]:
    rows: list[Row] = []
    for name in sorted(model.bookings):
        record = model.bookings[name]
        rows += stats.distribution_rows("access_delay", name, np.frombuffer(record.delays), "d", scale=stats.MINUTES_PER_DAY,
                                        target=targets.get(name))
        rows.append(("access_delay", name, "forced", float(record.forced), "patients"))
        rows.append(("access_delay", name, "left_unseen", float(record.left), "patients"))
    return rows


def _patient_rows(model: Model) -> list[Row]:
    rows: list[Row] = []
    inside = still_inside(model)
    totals: Counter[str] = Counter()
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
        totals["went_elsewhere"] += record.went_elsewhere
    for key in ("arrivals", "departed", "left_unseen", "still_inside"):
        rows.append(("patients", key, "count", float(totals[key]), "patients"))
    rows.append(("patients", "left_waiting", "count", float(totals["left_unseen"] - totals["went_elsewhere"]), "patients"))
    if any(isinstance(step, schema.BookStep) for _, step in iter_steps(model.scenario)):
        rows.append(("patients", "went_elsewhere", "count", float(totals["went_elsewhere"]), "patients"))
    return rows


def keeping_streams(scenario: schema.Scenario) -> list[int]:
    """The streams whose pathway, or a pathway it goes to, has a step that keeps its unit."""
    keeping = {name for name, steps in scenario.pathways.items()
               if any(isinstance(step, schema.UseStep) and step.keep is not None for _, step in walk(("pathways", name), steps))}
    found = []
    for s, arrival in enumerate(scenario.arrivals):
        seen, todo = set(), [arrival.pathway]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += sorted(goto_targets(scenario.pathways[name]))
        if seen & keeping:
            found.append(s)
    return found


def tracked(model: Model) -> set[str]:
    """The resources whose saturation is reported: those with an occupancy target, those of steps
    with a wait target, and, in a pathway where a step keeps its unit, that step's resource and
    the resources of every `use` step after it (what a kept unit waits for)."""
    scenario = model.scenario
    waits = {t.wait for t in scenario.targets if isinstance(t, schema.WaitTarget)}
    roles: set[str] = set()
    for name, steps in scenario.pathways.items():
        keeping = False
        for _, step in walk(("pathways", name), steps):
            if not isinstance(step, schema.UseStep):
                continue
            keeping = keeping or step.keep is not None
            if keeping or step.name in waits:
                roles.add(step.use)
    occupancy = [t.occupancy for t in scenario.targets if isinstance(t, schema.OccupancyTarget)]
    return {key for key in model.resources if any(target_matches(ref, key) for ref in (*roles, *occupancy))}


def _resource_rows(model: Model) -> list[Row]:
    rows: list[Row] = []
    targets = [t for t in model.scenario.targets if isinstance(t, schema.OccupancyTarget)]
    labels = {c.key: [str(v) for v in c.labels] for c in model.cooperation.calendars if c.shares}
    watched = tracked(model)
    for key in sorted(model.resources):
        log = model.resources[key].log
        thresholds = {x: k for k, x in enumerate(log.thresholds)}
        wanted = {t.below: thresholds[t.below] for t in targets if t.below in thresholds and target_matches(t.occupancy, key)}
        rows += stats.resource_rows(key, log, wanted)
        if key in watched:
            rows += stats.saturation_rows(key, log)
        if key in model.calendars:
            rows += _slot_rows(model, key, labels.get(key))
    return rows


def _slot_rows(model: Model, key: str, groups: list[str] | None) -> list[Row]:
    """Appointments offered and booked in the measured period; by quota group with quotas."""
    calendar = model.calendars[key]
    offered = calendar.offered_between(model.warmup, model.end)
    booked = calendar.booked_between(model.warmup, model.end)
    rows = [("slots", key, "offered", float(offered), "appointments"),
            ("slots", key, "used_share", sum(booked) / offered if offered else float("nan"), "share")]
    for label, count in zip(groups or [], booked):
        rows.append(("slots", key, f"booked_share:{label}", count / sum(booked) if sum(booked) else float("nan"), "share"))
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


def _flow_rows(model: Model) -> list[Row]:
    """Counted patients that left, by stream, origin site and the site they left from (those
    that never changed site are the stream's leavers less the ones that did)."""
    rows: list[Row] = []
    days = (model.end - model.warmup) / 1440.0
    flows = dict(model.ctx.flows)
    for s, arrival in enumerate(model.scenario.arrivals):
        record = model.ctx.stream_records[s]
        origin = model.sites.index(arrival.at)
        moved = sum(f[0] for (stream, o, _), f in model.ctx.flows.items() if stream == s and o == origin)
        stayed = record.departed + record.left_unseen - moved
        if stayed:
            patients, moves, travel = flows.get((s, origin, origin), (0, 0, 0.0))
            flows[(s, origin, origin)] = [patients + stayed, moves, travel]
    for (s, origin, site), (patients, moves, travel) in sorted(flows.items()):
        scope = f"{model.streams[s]}:{model.sites[origin]}>{model.sites[site]}"
        rows += [("flows", scope, "patients", float(patients), "patients"),
                 ("flows", scope, "per_day", patients / days, "patients/d"),
                 ("flows", scope, "transfers", float(moves), "patients"),
                 ("flows", scope, "transport_hours", travel / 60.0, "h")]
    return rows


def hourly_waits(model: Model) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per step name, the sums and counts of waits ending in each hour, summed over sites."""
    result: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for (name, _), record in sorted(model.waits.items()):
        sums, counts = np.asarray(record.hour_sums), np.asarray(record.hour_counts)
        if name in result:
            sums, counts = sums + result[name][0], counts + result[name][1]
        result[name] = (sums, counts)
    return result


def _blocking_rows(model: Model, targets: dict[str, float]) -> list[Row]:
    """What blocking did: per stream that keeps a unit, the time from arrival to handover (the ED
    length of stay); per step that ends a keep, the blocked time (the ED's boarding time); per
    resource some step keeps, occupancy split into care and blocked and the nights blocked; and
    the patients caught in a deadlock at the end."""
    rows: list[Row] = []
    for s in keeping_streams(model.scenario):
        handovers = np.frombuffer(model.ctx.stream_records[s].handovers)
        rows += stats.distribution_rows("time_to_handover", model.streams[s], handovers, "min", with_max=False)
    for name in sorted(model.blocked):
        record = model.blocked[name]
        if len(record.waits):
            rows += stats.distribution_rows("blocked_time", name, np.frombuffer(record.waits), "min", target=targets.get(name))
    found = inside(model)
    still: Counter[str] = Counter()
    for patient in found:
        if patient.kept is not None:  # blocked at the end: its nights so far count
            still[patient.kept.key] += nights_blocked(patient.kept_from, patient.kept_since, model.end, model.warmup, model.end)
    for key in sorted(model.resources):
        resource = model.resources[key]
        if resource.blocked_log is not None:
            rows += stats.blocking_rows(key, resource.log, resource.blocked_log)
            rows.append(("nights_blocked", key, "count", float(resource.nights + still[key]), "patients"))
    rows.append(("patients", "deadlocked", "count", float(len(deadlocked(model, found))), "patients"))
    return rows


def deadlocked(model: Model, found: list[Patient]) -> list[Patient]:
    """The patients jammed at the end: each keeps a unit of a resource and waits for a unit of
    another, on a cycle of resources whose every busy unit is kept by such a patient, so that no
    one on the cycle can ever move (an ICU full of patients waiting for ward beds, while the ward
    waits for the ICU)."""
    waiting = {id(ticket[2]): resource for resource in model.resources.values() for ticket in resource._heap if ticket[3] is not None}
    blocked = [p for p in found if p.kept is not None and id(p) in waiting]
    jammed = {p.kept.key for p in blocked if p.kept.busy >= p.kept.capacity > 0
              and sum(1 for q in blocked if q.kept is p.kept) == p.kept.busy}
    edges: dict[str, set[str]] = {}
    for p in blocked:
        if p.kept.key in jammed and waiting[id(p)].key in jammed:
            edges.setdefault(p.kept.key, set()).add(waiting[id(p)].key)
    on_cycle = {key for key in edges if _returns(key, edges)}
    return [p for p in blocked if p.kept.key in on_cycle]


def _returns(start: str, edges: dict[str, set[str]]) -> bool:
    """Whether `start` can reach itself along `edges`."""
    seen: set[str] = set()
    pending = list(edges.get(start, ()))
    while pending:
        key = pending.pop()
        if key == start:
            return True
        if key not in seen:
            seen.add(key)
            pending.extend(edges.get(key, ()))
    return False
