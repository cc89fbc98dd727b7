"""Building one replication's runtime model from a validated scenario.

Sites and streams become integer indices; resources, calendars and their capacity
timelines become objects; pathways compile into linked step nodes. Nothing here runs
the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

import numpy as np
from simpy.core import Environment

from sim.scenario import schema
from sim.engine import streams
from sim.engine.arrivals import rate_profile
from sim.engine.distributions import sampler
from sim.cooperation import Cooperation, OverflowPolicy, RoutePolicy, SiteView
from sim.engine import steps as st
from sim.engine.calendar import Calendar
from sim.engine.patients import NORMAL, ArrivalDriver, AttributeSpec, DrawKey, StreamDraws
from sim.engine.resources import Resource, Timeline, capacity_at, opening_windows, schedule_windows, timeline
from sim.engine.records import BookingRecord, EventLog, StateLog, StreamRecord, TransferRecord, WaitRecord
from sim.scenario.transport import transport_minutes

class CapacityDriver:
    """Applies a resource's weekly capacity timeline: a SimPy event waking at each change."""

    __slots__ = ("callbacks", "env", "resource", "changes", "offset", "end", "_k", "_week")
    _ok = True

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


@dataclass
class Model:
    """One replication, ready to run: the environment and everything that records."""

    env: Environment
    ctx: st.Context
    scenario: schema.Scenario
    sites: list[str]
    streams: list[str]
    resources: dict[str, Resource]
    calendars: dict[str, Calendar]
    waits: dict[tuple[str, int], st.WaitRecord]
    """Waits by step name and site index."""
    bookings: dict[str, BookingRecord]
    transfers: dict[tuple[int, int], TransferRecord]
    warmup: float
    end: float
    drivers: list[Any] = field(default_factory=list)
    cooperation: Cooperation = field(default_factory=Cooperation)
    overflows: dict[tuple[int, str], list[OverflowPolicy]] = field(default_factory=dict)


def week_offset(scenario: schema.Scenario) -> float:
    """Minutes from Monday 00:00 to time 0 (time 0 is a Monday unless `run.start` says otherwise)."""
    return scenario.run.start.weekday() * 1440.0 if scenario.run.start else 0.0


def draw_keys(steps: tuple[Any, ...], path: str) -> list[DrawKey]:
    """Every random quantity of a list of steps, with stable names made of its position."""
    keys: list[DrawKey] = []
    for k, step in enumerate(steps):
        here = f"{path}/{k}"
        match step:
            case schema.UseStep():
                if step.for_ is not None:
                    keys.append(DrawKey(here, "duration", sampler(step.for_)))
                if step.patience is not None:
                    keys.append(DrawKey(here, "patience", sampler(step.patience)))
                if step.during is not None:
                    keys += draw_keys(step.during, f"{here}/during")
            case schema.DelayStep():
                keys.append(DrawKey(here, "duration", sampler(step.delay)))
            case schema.BookStep():
                if step.lead is not None:
                    keys.append(DrawKey(here, "lead", sampler(step.lead)))
                if step.urgent is not None:
                    keys.append(DrawKey(here, "urgent", None))
                if step.for_ is not None:
                    keys.append(DrawKey(here, "duration", sampler(step.for_)))
                if step.patience is not None:
                    keys.append(DrawKey(here, "patience", sampler(step.patience)))
            case schema.BranchStep():
                keys.append(DrawKey(here, "branch", None))
                for j, option in enumerate(step.branch):
                    body = option.otherwise if isinstance(option, schema.OtherwiseOption) else option.steps
                    keys += draw_keys(body, f"{here}/branch/{j}")
    return keys


def gotos(steps: tuple[Any, ...]) -> set[str]:
    """Pathways a list of steps may continue with."""
    found: set[str] = set()
    for step in steps:
        match step:
            case schema.GotoStep():
                found.add(step.goto)
            case schema.UseStep() if step.during is not None:
                found |= gotos(step.during)
            case schema.BranchStep():
                for option in step.branch:
                    found |= gotos(option.otherwise if isinstance(option, schema.OtherwiseOption) else option.steps)
    return found


def reachable_pathways(scenario: schema.Scenario, start: str) -> list[str]:
    """The pathway `start` and every pathway reachable from it by `goto`, in a stable order."""
    order, todo = [], [start]
    while todo:
        name = todo.pop(0)
        if name not in order:
            order.append(name)
            todo += sorted(gotos(scenario.pathways[name]))
    return order


class Compiler:
    """Turns pathways into linked nodes. A pathway is compiled once: every pathway ends with
    the patient's exit, and a `goto` is a jump to another pathway's first node."""

    def __init__(self, model: Model, slots: dict[tuple[str, str], list[int]], exit_node: st.Node):
        self.model, self.slots, self.exit = model, slots, exit_node
        self.ctx = model.ctx
        self.memo: dict[str, st.Node] = {}
        self.site_index = {name: k for k, name in enumerate(model.sites)}

    def pathway(self, name: str) -> st.Node:
        """The first node of pathway `name`."""
        if name not in self.memo:
            jump = st.Jump(self.ctx)
            self.memo[name] = jump  # placed first so that a goto cycle finds it
            jump.next = self.sequence(self.model.scenario.pathways[name], name, self.exit)
        return self.memo[name]

    def sequence(self, steps: tuple[Any, ...], path: str, then: st.Node) -> st.Node:
        """The first node of a list of steps."""
        node = then
        for k in reversed(range(len(steps))):
            node = self.step(steps[k], f"{path}/{k}", node)
        return node

    def step(self, step: Any, path: str, then: st.Node) -> st.Node:
        """One step's node, linked to `then` (a goto links to its pathway instead)."""
        match step:
            case schema.UseStep():
                node = self.use(step, path, then)
            case schema.DelayStep():
                node = st.Delay(self.ctx, self.slots[(path, "duration")])
            case schema.BookStep():
                node = self.book(step, path, then)
            case schema.BranchStep():
                node = self.branch(step, path, then)
            case schema.GotoStep():
                return self.pathway(step.goto)
            case schema.TransferStep():
                node = st.Transfer(self.ctx, self.site_index[step.transfer])
            case _:
                raise TypeError(f"unknown step {step!r}")
        node.next = then
        self.label(node, getattr(step, "name", None) or path)
        return node

    def label(self, node: st.Node, name: str) -> None:
        """Give a node its name's code in the event log (when events are recorded)."""
        if self.ctx.log is not None:
            node.label = self.ctx.log.code(name)

    def use(self, step: schema.UseStep, path: str, then: st.Node, ref: str | None = None) -> st.Node:
        """A `use` step's node for role `ref` (default: the step's). A SITE.ROLE step under an
        overflow rule gets the same step for the bare role, where a patient sent away asks."""
        ref = ref or step.use
        priority, by_attribute = self._priority(step.priority)
        resources = self.resources(ref)
        common = dict(
            resources=resources,
            priority=priority,
            priority_attribute=by_attribute,
            patience=self.slots.get((path, "patience")),
            waits=self.waits(step.name, resources) if step.name else None,
            overflows=self.overflows(ref),
        )
        if step.during is None:
            node = st.UseFor(self.ctx, duration=self.slots[(path, "duration")], **common)
        else:
            node = st.UseDuring(self.ctx, **common)
            release = st.Release(self.ctx)
            release.next = then
            self.label(release, step.name or path)
            node.body = self.sequence(step.during, f"{path}/during", release)
        if ref != step.use or "." not in ref or common["overflows"] is None:
            return node
        elsewhere = self.use(step, path, then, ref.split(".", 1)[1])
        elsewhere.next = then
        self.label(elsewhere, step.name or path)
        node.elsewhere = elsewhere
        return node

    def waits(self, name: str, resources: list[Resource | None]) -> list[WaitRecord | None]:
        """The wait records of a named step, one per site where its resource is."""
        hours = int(self.model.end // 60)
        return [self.model.waits.setdefault((name, k), WaitRecord(hours)) if r is not None else None
                for k, r in enumerate(resources)]

    def overflows(self, ref: str) -> list[list[OverflowPolicy] | None] | None:
        """Overflow policies of a role by the site a patient asks at (None: no rule for the role)."""
        site, role = ref.split(".", 1) if "." in ref else (None, ref)
        per_site = [self.model.overflows.get((self.site_index[site] if site else k, role)) for k in range(len(self.model.sites))]
        return per_site if any(p is not None for p in per_site) else None

    def options(self, ref: str) -> list[list[st.Option]]:
        """Per site, the calendars its patients may book for `ref`: its own first, then shared ones."""
        role = ref.split(".", 1)[-1]
        shared = {c.key: c for c in self.model.cooperation.calendars}
        result = []
        for site in self.model.sites:
            keys = [self._key(site, ref)] + [c.key for c in shared.values() if site in c.partners and c.role == role]
            options = []
            for key in dict.fromkeys(k for k in keys if k in self.model.calendars):
                quota = shared.get(key)
                attribute = self.model_attribute(quota.attribute) if quota is not None and quota.attribute else -1
                groups = quota.groups if quota is not None else {}
                options.append((self.model.calendars[key], self.site_index[key.split(".", 1)[0]], attribute, groups))
            result.append(options)
        return result

    def book(self, step: schema.BookStep, path: str, then: st.Node) -> st.Node:
        calendars = [self.model.calendars.get(self._key(site, step.book)) for site in self.model.sites]
        slot_lengths = [c.spec.slot if c is not None else 0.0 for c in calendars]
        scan = st.UseFor(
            self.ctx,
            duration=self.slots.get((path, "duration")),
            per_site=slot_lengths,
            resources=self.resources(step.book),
            priority=None,
            priority_attribute=False,
            patience=None,
            waits=None,
        )
        back = st.ComeBack(self.ctx)
        scan.next, back.next = back, then
        label = step.name or step.book.split(".")[-1]
        self.label(scan, label)
        urgent = (step.urgent.p, step.urgent.within) if step.urgent else None
        return st.Book(self.ctx, self.options(step.book), self.slots.get((path, "lead")), urgent, self.slots.get((path, "urgent")),
                       self.slots.get((path, "patience")), self.model.bookings.setdefault(label, BookingRecord()), scan)

    def branch(self, step: schema.BranchStep, path: str, then: st.Node) -> st.Node:
        options, otherwise = [], None
        for j, option in enumerate(step.branch):
            here = f"{path}/branch/{j}"
            if isinstance(option, schema.OtherwiseOption):
                otherwise = self.sequence(option.otherwise, here, then)
                continue
            conditions = [
                (self.model_attribute(name), frozenset(schema.attribute_key(v) for v in (values if isinstance(values, tuple) else (values,))))
                for name, values in (option.when or {}).items()
            ]
            options.append((conditions, 1.0 if option.p is None else option.p, self.sequence(option.steps, here, then)))
        return st.Branch(self.ctx, self.slots[(path, "branch")], options, otherwise)

    def resources(self, ref: str) -> list[Resource | None]:
        """The resource of a role at each site (the same one at every site for SITE.ROLE)."""
        if "." in ref:
            return [self.model.resources.get(ref)] * len(self.model.sites)
        return [self.model.resources.get(f"{site}.{ref}") for site in self.model.sites]

    def _key(self, site: str, ref: str) -> str:
        return ref if "." in ref else f"{site}.{ref}"

    def _priority(self, priority: str | float | None) -> tuple[Any, bool]:
        if isinstance(priority, str):
            return self.model_attribute(priority), True
        return priority, False

    def model_attribute(self, name: str) -> int:
        """Index of an attribute in every patient's attribute tuple."""
        return attribute_names(self.model.scenario).index(name)


def target_matches(target: str, key: str) -> bool:
    """Whether an occupancy target (ROLE or SITE.ROLE) concerns resource `key` (SITE.ROLE)."""
    return target == key if "." in target else key.split(".", 1)[1] == target


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


def build(scenario: schema.Scenario, replication: int, seed: int, events: bool = False) -> Model:
    """The runtime model of one replication of a scenario (with an event log if `events`)."""
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

    keys_by_pathway = {name: draw_keys(steps, name) for name, steps in scenario.pathways.items()}
    stream_keys = [[k for p in reachable_pathways(scenario, a.pathway) for k in keys_by_pathway[p]] for a in scenario.arrivals]
    for s, arrival in enumerate(scenario.arrivals):
        if any(isinstance(r.choose, schema.Weights) and arrival.name in r.arrivals for r in cooperation.routes):
            stream_keys[s].append(ROUTE_DRAW)
    slots: dict[tuple[str, str], list[int]] = {}
    for s, keys in enumerate(stream_keys):
        for k, key in enumerate(keys):
            slots.setdefault((key.step, key.purpose), [-1] * len(stream_names))[s] = k
    draws = [StreamDraws(seed, replication, a.name, keys, attribute_specs(a, names)) for a, keys in zip(scenario.arrivals, stream_keys)]
    transfers: dict[tuple[int, int], TransferRecord] = {}
    transport = [[transport_minutes(scenario, a, b) for b in sites] for a in sites]
    ctx = st.Context(env, draws, [StreamRecord() for _ in stream_names], end, transport, transfers)
    if events:
        ctx.log = EventLog()
    model = Model(env, ctx, scenario, sites, stream_names, {}, {}, {}, {}, transfers, warmup, end, cooperation=cooperation)

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
            resource = Resource(key, capacity, StateLog(warmup, end, 0, 0, capacity, thresholds))
            model.resources[key] = resource
            if ctx.log is not None:
                resource.code = ctx.log.code(key)
            if len(changes) > 1:
                model.drivers.append(CapacityDriver(env, resource, changes, offset, end))

    view = SiteView(scenario, sites, model.resources)
    model.overflows = cooperation.overflow_policies(view, stream_names)
    routes = cooperation.route_policies(view, scenario)
    exit_node = st.Exit(ctx)
    compiler = Compiler(model, slots, exit_node)
    for s, arrival in enumerate(scenario.arrivals):
        first = compiler.pathway(arrival.pathway)
        profile = rate_profile(arrival, end, int(offset // 1440))
        generator = streams.generator(seed, replication, "arrivals", arrival.name)
        driver = ArrivalDriver(env, s, site_index[arrival.at], profile, generator, draws[s], first.enter, warmup, ctx.arrive)
        if s in routes:
            driver.route = _router(routes[s], ctx, slots.get((ROUTE_DRAW.step, ROUTE_DRAW.purpose)))
        model.drivers.append(driver)
    return model


ROUTE_DRAW = DrawKey("route", "choice", None)
"""The uniform number a `route` by weights draws for each patient."""


def _router(policy: RoutePolicy, ctx: st.Context, slot: list[int] | None) -> Callable[[Any], int]:
    """The care-site choice of a route policy, fed with the patient's own number when it draws."""
    if policy.draws and slot is not None:
        return lambda patient: policy.choose(ctx.number(patient, slot[patient.stream]))
    return lambda patient: policy.choose(0.0)
