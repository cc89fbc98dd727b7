"""Building one replication's runtime model from a validated scenario.

Sites and streams become integer indices; resources, calendars and their capacity
timelines become objects; pathways compile into linked step nodes (`sim.engine.compile`).
Nothing here runs the simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from simpy.core import Environment

from sim.cooperation import Cooperation, RoutePolicy, SiteView
from sim.engine import streams
from sim.engine.arrivals import rate_profile
from sim.engine.calendar import Calendar
from sim.engine.compile import Compiler, Slots, draw_keys, reachable_pathways
from sim.engine.context import Context
from sim.engine.events import NORMAL, Wakeup
from sim.engine.model import Model
from sim.engine.patients import ArrivalDriver, AttributeSpec, DrawKey, StreamDraws
from sim.engine.records import EventLog, StateLog, StreamRecord, TransferRecord
from sim.engine.resources import Resource, Timeline, capacity_at, opening_windows, schedule_windows, timeline
from sim.engine.steps import Exit
from sim.scenario import schema
from sim.scenario.transport import transport_minutes
from sim.scenario.walk import split_ref, step_lists


class CapacityDriver(Wakeup):
    """Applies a resource's weekly capacity timeline: a SimPy event waking at each change."""

    __slots__ = ("env", "resource", "changes", "offset", "end", "_k", "_week")

    def __init__(self, env: Environment, resource: Resource, changes: Timeline, offset: float, end: float):
        self.env, self.resource, self.changes, self.offset, self.end = env, resource, changes, offset, end
        minute = offset % (7 * 1440.0)
        self._k = sum(1 for start, _ in changes if start <= minute)
        self._week = offset // (7 * 1440.0)
        self.callbacks = None
        self._schedule()

    def _schedule(self) -> None:
        if self._k == len(self.changes):
            self._k, self._week = 0, self._week + 1
        at = self._week * 7 * 1440.0 + self.changes[self._k][0] - self.offset
        if at < self.end:
            self.callbacks = [self._apply]
            self.env.schedule(self, NORMAL, at - self.env.now)

    def _apply(self, _: Any) -> None:
        self.resource.set_capacity(self.env.now, self.changes[self._k][1])
        self._k += 1
        self._schedule()


def week_offset(scenario: schema.Scenario) -> float:
    """Minutes from Monday 00:00 to time 0 (time 0 is a Monday unless `run.start` says otherwise)."""
    return scenario.run.start.weekday() * 1440.0 if scenario.run.start else 0.0


def target_matches(target: str, key: str) -> bool:
    """Whether an occupancy target (ROLE or SITE.ROLE) concerns resource `key` (SITE.ROLE)."""
    site, role = split_ref(target)
    return target == key if site is not None else split_ref(key)[1] == role


def attribute_names(scenario: schema.Scenario) -> list[str]:
    """Every attribute name of every stream, in first-seen order."""
    names: list[str] = []
    for arrival in scenario.arrivals:
        names += [n for n in arrival.attributes if n not in names]
    return names


def attribute_specs(arrival: schema.Arrival, names: list[str]) -> list[AttributeSpec]:
    """How each attribute is drawn for a stream (None-valued when the stream lacks it)."""
    specs = []
    for name in names:
        value = arrival.attributes.get(name)
        if isinstance(value, dict):
            values = tuple(value)
            probs = np.asarray([value[v] for v in values], dtype=float)
            specs.append(AttributeSpec(name, values, np.cumsum(probs / probs.sum())))
        else:
            specs.append(AttributeSpec(name, (value,), np.ones(1)))
    return specs


def build(scenario: schema.Scenario, replication: int, seed: int, events: bool = False, hourly_waits: bool = False) -> Model:
    """The runtime model of one replication of a scenario (with an event log if `events`, and
    the hourly series of named waits if `hourly_waits`)."""
    env = Environment()
    warmup = scenario.run.warmup
    end = warmup + scenario.run.horizon
    offset = week_offset(scenario)
    sites = list(scenario.sites)
    site_index = {name: k for k, name in enumerate(sites)}
    stream_names = [a.name for a in scenario.arrivals]
    names = attribute_names(scenario)
    occupancy_targets = [t for t in scenario.targets if isinstance(t, schema.OccupancyTarget)]
    cooperation = Cooperation.of(scenario)

    keys_by_pathway = {name: draw_keys(name, steps) for name, steps in scenario.pathways.items()}
    stream_keys = [[k for p in reachable_pathways(scenario, a.pathway) for k in keys_by_pathway[p]] for a in scenario.arrivals]
    for s, arrival in enumerate(scenario.arrivals):
        if any(isinstance(r.choose, schema.Weights) and arrival.name in r.arrivals for r in cooperation.routes):
            stream_keys[s].append(ROUTE_DRAW)
    slots: Slots = {}
    for s, keys in enumerate(stream_keys):
        for k, key in enumerate(keys):
            slots.setdefault((key.step, key.purpose), [-1] * len(stream_names))[s] = k
    draws = [StreamDraws(seed, replication, a.name, keys, attribute_specs(a, names)) for a, keys in zip(scenario.arrivals, stream_keys)]
    transfers: dict[tuple[int, int], TransferRecord] = {}
    transport = [[transport_minutes(scenario, a, b) for b in sites] for a in sites]
    ctx = Context(env, draws, [StreamRecord() for _ in stream_names], end, transport, transfers, warmup)
    if events:
        ctx.log = EventLog()
    model = Model(env, ctx, scenario, sites, stream_names, {}, {}, {}, {}, transfers, warmup, end, cooperation=cooperation,
                  attributes=names, hourly_waits=hourly_waits)
    kept = kept_refs(scenario)
    model.keeps = bool(kept)

    shared = {c.key: c for c in cooperation.calendars}
    for site_name, site in scenario.sites.items():
        for role, spec in site.resources.items():
            key = f"{site_name}.{role}"
            if isinstance(spec, schema.CalendarResource):
                quota = shared.get(key)
                model.calendars[key] = Calendar(spec.calendar, offset, quota.shares if quota else None, quota.release if quota else None)
                changes = timeline(0, opening_windows(spec.calendar))
            else:
                changes = timeline(spec.capacity, schedule_windows(spec) + cooperation.capacity.get(key, []))
            capacity = capacity_at(changes, offset, 0.0)
            thresholds = tuple(sorted({t.below for t in occupancy_targets if target_matches(t.occupancy, key)}))
            blocked = StateLog(warmup, end, 0, 0, capacity) if key in kept or role in kept else None
            resource = Resource(key, capacity, StateLog(warmup, end, 0, 0, capacity, thresholds), blocked)
            model.resources[key] = resource
            if ctx.log is not None:
                resource.code = ctx.log.code(key)
            if len(changes) > 1:
                model.drivers.append(CapacityDriver(env, resource, changes, offset, end))

    view = SiteView(scenario, sites, model.resources)
    model.overflows = cooperation.overflow_policies(view, stream_names)
    routes = cooperation.route_policies(view, scenario)
    exit_node = Exit(ctx)
    compiler = Compiler(model, slots, exit_node)
    for s, arrival in enumerate(scenario.arrivals):
        first = compiler.pathway(arrival.pathway)
        profile = rate_profile(arrival, end, int(offset // 1440))
        generator = streams.generator(seed, replication, "arrivals", arrival.name)
        driver = ArrivalDriver(env, s, site_index[arrival.at], profile, generator, draws[s], first.enter, warmup, ctx.arrive)
        if s in routes:
            driver.route = _router(routes[s], ctx, slots.get((ROUTE_DRAW.step, ROUTE_DRAW.purpose)))
            if routes[s].rule.travel:
                driver.travel = _traveller(ctx, first.enter)
        model.drivers.append(driver)
    return model


ROUTE_DRAW = DrawKey("route", "choice", None)
"""The uniform number a `route` by weights draws for each patient."""


def _traveller(ctx: Context, start: Callable[[Any], None]) -> Callable[[Any, int], None]:
    """How a routed patient reaches the chosen site: it travels there, then starts its pathway."""
    return lambda patient, site: ctx.move(patient, site, 0, start)


def kept_refs(scenario: schema.Scenario) -> set[str]:
    """The roles (and SITE.ROLE) of the `use` steps that keep their unit after care."""
    return {step.use for _, steps in step_lists(scenario) for step in steps if isinstance(step, schema.UseStep) and step.keep}


def _router(policy: RoutePolicy, ctx: Context, slot: list[int] | None) -> Callable[[Any], int]:
    """The care-site choice of a route policy, fed with the patient's own number when it draws."""
    if policy.draws and slot is not None:
        return lambda patient: policy.choose(ctx.number(patient, slot[patient.stream]))
    return lambda patient: policy.choose(0.0)
