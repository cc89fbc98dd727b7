"""Dated changes and periods as minutes of the run: the regimes of a resource (its capacity and
weekly schedule, or a calendar's opening hours and scanners, from one change to the next) and
the periods in force of a cooperation rule.

Both the checks and the engine read them here, so that what is checked is what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.scenario import schema, units


def minutes(scenario: schema.Scenario, moment: units.Moment) -> float:
    """Minutes from time 0 to a moment of the scenario (a date needs `run.start`)."""
    return units.moment_minutes(moment, scenario.run.start)


def run_end(scenario: schema.Scenario) -> float:
    """The end of the run: warm-up plus horizon, in minutes."""
    return scenario.run.warmup + scenario.run.horizon


@dataclass(frozen=True)
class Regime:
    """A resource as it is from `start` to `end` (minutes of the run)."""

    start: float
    end: float
    capacity: schema.CapacityResource | None
    """The capacity and weekly schedule in force, for a capacity resource."""
    calendar: schema.CalendarSpec | None
    """The opening hours and scanners in force, for a calendar."""


def _regimes(scenario: schema.Scenario, first: Any, changes: tuple[Any, ...], following: Callable[[Any, Any], Any]) -> list[tuple[float, float, Any]]:
    """(start, end, state) from time 0 to the end of the run: `first`, then `following(state,
    change)` from each change on; a change at the very time of the one before replaces it."""
    regimes, current, start = [], first, 0.0
    for change in changes:
        at = minutes(scenario, change.from_)
        if at > start:
            regimes.append((start, at, current))
        current, start = following(current, change), max(start, at)
    return [*regimes, (start, run_end(scenario), current)]


def capacity_regimes(scenario: schema.Scenario, resource: schema.CapacityResource) -> list[Regime]:
    """The successive capacities and schedules of a resource: one regime without changes."""
    def following(current: schema.CapacityResource, change: schema.CapacityChange) -> schema.CapacityResource:
        return schema.CapacityResource.model_construct(
            capacity=current.capacity if change.capacity is None else change.capacity,
            schedule=current.schedule if change.schedule is None else change.schedule, changes=())

    return [Regime(a, b, state, None) for a, b, state in _regimes(scenario, resource, resource.changes, following)]


def calendar_regimes(scenario: schema.Scenario, spec: schema.CalendarSpec) -> list[Regime]:
    """The successive opening hours and scanners of a calendar: one regime without changes."""
    def following(current: schema.CalendarSpec, change: schema.CalendarChange) -> schema.CalendarSpec:
        return schema.CalendarSpec.model_construct(
            slot=current.slot, scanners=current.scanners if change.scanners is None else change.scanners,
            open=current.open if change.open is None else change.open, changes=())

    return [Regime(a, b, None, state) for a, b, state in _regimes(scenario, spec, spec.changes, following)]


def rule_periods(scenario: schema.Scenario, rule: schema.RuleCommon) -> list[tuple[float, float]] | None:
    """The periods in force of a rule as (start, end) minutes, in the file's order; None when it
    is in force all the time or switched by the system's state."""
    spec = rule.in_force
    if spec is None or isinstance(spec, schema.StateSwitch):
        return None
    periods = spec if isinstance(spec, tuple) else (spec,)
    end = run_end(scenario)
    return [(0.0 if p.from_ is None else minutes(scenario, p.from_), end if p.to is None else minutes(scenario, p.to)) for p in periods]
