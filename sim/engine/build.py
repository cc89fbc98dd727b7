"""Building one replication's runtime model from a validated scenario.

Sites and streams become integer indices; resources, calendars and their capacity
timelines become objects; pathways compile into linked step nodes (`sim.engine.compile`).
Nothing here runs the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from simpy.core import Environment

from sim.cooperation import Cooperation, Hysteresis, RoutePolicy, SiteView, Switch
from sim.engine import streams
from sim.engine.arrivals import rate_profile
from sim.engine.calendar import Calendar
from sim.engine.capacity import CapacityDriver, Lending, Plan, changing, plan_level
from sim.engine.compile import Compiler, Slots, draw_keys, reachable_pathways
from sim.engine.context import RULE_OFF, RULE_ON, Context
from sim.engine.model import Model
from sim.engine.patients import ArrivalDriver, AttributeSpec, DrawKey, StreamDraws
from sim.engine.records import EventLog, StateLog, StreamRecord, TransferRecord
from sim.engine.resources import Resource, opening_windows, schedule_windows, timeline
from sim.engine.steps import Exit
from sim.engine.switches import PeriodSwitcher, StateWatch
from sim.scenario import dated, schema
from sim.scenario.transport import transport_minutes
from sim.scenario.walk import split_ref, step_lists


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
        if any(isinstance(r.choose, schema.Weights) and arrival.name in r.arrivals for r, _ in cooperation.routes):
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
            plan = _plan(scenario, key, spec, cooperation)
            if isinstance(spec, schema.CalendarResource):
                quota = shared.get(key)
                regimes = [(r.start, r.end, r.calendar) for r in dated.calendar_regimes(scenario, spec.calendar)]
                regimes[-1] = (regimes[-1][0], math.inf, regimes[-1][2])  # slots are offered past the end of the run
                model.calendars[key] = Calendar(spec.calendar, offset, quota.shares if quota else None, quota.release if quota else None,
                                                regimes if len(regimes) > 1 else None)
            capacity = plan_level(plan, offset, 0.0)
            thresholds = tuple(sorted({t.below for t in occupancy_targets if target_matches(t.occupancy, key)}))
            blocked = StateLog(warmup, end, 0, 0, capacity) if key in kept or role in kept else None
            resource = Resource(key, capacity, StateLog(warmup, end, 0, 0, capacity, thresholds), blocked)
            model.resources[key] = resource
            if ctx.log is not None:
                resource.code = ctx.log.code(key)
            if changing(plan):
                model.drivers.append(CapacityDriver(env, resource.set_base, plan, offset, end))
    _switches(model, cooperation, offset)

    view = SiteView(scenario, sites, model.resources)
    model.overflows = cooperation.overflow_policies(view, stream_names)
    routes = cooperation.route_policies(view, scenario)
    exit_node = Exit(ctx)
    compiler = Compiler(model, slots, exit_node)
    for s, arrival in enumerate(scenario.arrivals):
        first = compiler.pathway(arrival.pathway).next  # past the pathway's Jump: one call less a patient
        profile = rate_profile(arrival, end, int(offset // 1440))
        generator = streams.generator(seed, replication, "arrivals", arrival.name)
        driver = ArrivalDriver(env, s, site_index[arrival.at], profile, generator, draws[s], first.enter, warmup, ctx.stream_records[s],
                               ctx.arrived if ctx.log is not None else None)
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


def _plan(scenario: schema.Scenario, key: str, spec: schema.Resource, cooperation: Cooperation) -> Plan:
    """The capacity plan of a resource: in each dated regime, its weekly schedule (or a calendar's
    opening hours) with the sessions of staff-sharing rules in force all the time."""
    if isinstance(spec, schema.CalendarResource):
        return [(r.start, timeline(0, opening_windows(r.calendar))) for r in dated.calendar_regimes(scenario, spec.calendar)]
    lent = cooperation.capacity.get(key, [])
    return [(r.start, timeline(r.capacity.capacity, schedule_windows(r.capacity) + lent)) for r in dated.capacity_regimes(scenario, spec)]


def _switches(model: Model, cooperation: Cooperation, offset: float) -> None:
    """Move the switch of each rule with a time in force, log its switches, and let staff-sharing
    rules with one lend their sessions through it."""
    scenario, env = model.scenario, model.env
    for index, rule, switch in cooperation.switches:
        model.switches.append((index, rule, switch))
        if model.ctx.log is not None:
            switch.listeners.append(_switch_logger(model, rule, switch))
        periods = dated.rule_periods(scenario, rule)
        if periods is not None:
            model.drivers.append(PeriodSwitcher(env, switch, periods, model.end))
        else:
            model.watches.append(StateWatch(env, switch, Hysteresis(rule.in_force), model.resources[rule.in_force.when.of]))
    for rule, switch in cooperation.lendings:
        lending = Lending(model.resources[f"{rule.from_}.{rule.resource}"], model.resources[f"{rule.to}.{rule.resource}"], switch)
        plan: Plan = [(0.0, timeline(0, [(session, session.capacity) for session in rule.sessions]))]
        model.drivers.append(CapacityDriver(env, lending.session, plan, offset, model.end))


def _switch_logger(model: Model, rule: schema.RuleCommon, switch: Switch) -> Callable[[float, bool], None]:
    """Logs a rule's switches in the event log: no patient (-1), the rule's label as the step,
    and the site and resource it acts on."""
    log, site, resource = model.ctx.log, model.sites.index(rule_site(rule)), rule_resource(rule)
    label, code = log.code(switch.label), log.code(resource) if resource else 0
    return lambda now, on: log.add(-1, -1, label, site, code, RULE_ON if on else RULE_OFF, now)


def rule_site(rule: schema.RuleCommon) -> str:
    """The site a rule acts from: the home of an overflow, the lender, the calendar's site, the
    first candidate of a route."""
    if isinstance(rule, (schema.OverflowRule, schema.ShareStaffRule)):
        return rule.from_
    if isinstance(rule, schema.ShareCalendarRule):
        return str(split_ref(rule.calendar)[0])
    return rule.among[0]


def rule_resource(rule: schema.RuleCommon) -> str:
    """The resource (SITE.ROLE) a rule acts on, or "" (a route without one)."""
    if isinstance(rule, (schema.OverflowRule, schema.ShareStaffRule)):
        return f"{rule.from_}.{rule.resource}"
    if isinstance(rule, schema.ShareCalendarRule):
        return rule.calendar
    return f"{rule.among[0]}.{rule.resource}" if rule.resource else ""


def kept_refs(scenario: schema.Scenario) -> set[str]:
    """The roles (and SITE.ROLE) of the `use` steps that keep their unit after care."""
    return {step.use for _, steps in step_lists(scenario) for step in steps if isinstance(step, schema.UseStep) and step.keep}


def _router(policy: RoutePolicy, ctx: Context, slot: list[int] | None) -> Callable[[Any], int]:
    """The care-site choice of a route policy, fed with the patient's own number when it draws."""
    if policy.draws and slot is not None:
        return lambda patient: policy.choose(ctx.number(patient, slot[patient.stream]))
    return lambda patient: policy.choose(0.0)
