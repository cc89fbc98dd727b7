"""Checks that a scenario is small enough to run: the bounds of `sim.scenario.limits`, each found before
any work starts and named with the key that exceeds it and the bound.

A unit slip (`150/min` for `150/d`, `1min` slots) would otherwise make a run that never ends or
fills the memory; the message says how much was asked and what the bound is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sim.scenario import schema, units
from sim.scenario.limits import MAX_PATIENTS, MAX_RESOURCE_HOURS, MAX_RUN_DAYS, MAX_SLOTS_PER_WEEK, MAX_STEP_DEPTH
from sim.scenario.walk import Loc, step_lists

Finding = tuple[Loc, str]


def check_sizes(scenario: schema.Scenario) -> list[Finding]:
    """Every bound of `sim.scenario.limits` that the scenario exceeds, where it does."""
    run = scenario.run
    if run.warmup + run.horizon > MAX_RUN_DAYS * 1440:
        days = (run.warmup + run.horizon) / 1440
        return [(("run", "horizon"), f"the run lasts {days:,.0f} days, warm-up included (at most {MAX_RUN_DAYS:,} days, ten years)")]
    return [*_step_depth(scenario), *_patients(scenario), *_calendars(scenario), *_resource_hours(scenario)]


def _step_depth(scenario: schema.Scenario) -> Iterator[Finding]:
    """Steps nest (a `during` or a `branch` inside another) at most MAX_STEP_DEPTH deep."""
    for loc, _ in step_lists(scenario):
        depth = sum(1 for part in loc if part in ("during", "branch"))
        if depth > MAX_STEP_DEPTH:
            yield loc, f"steps nest {depth} levels deep here (at most {MAX_STEP_DEPTH} `during` and `branch` inside one another)"
            return


def expected_patients(arrival: schema.Arrival, end: float) -> float:
    """About how many patients a stream brings over [0, end] minutes (hourly and weekly shapes
    have mean 1, so they change this only over a part of a week)."""
    if arrival.series is not None:
        per_day = np.asarray(arrival.series.per_day, dtype=float)
        days = end / 1440.0
        whole = int(days)
        rates = per_day[np.minimum(np.arange(math.ceil(days)), len(per_day) - 1)] if len(per_day) else np.zeros(0)
        total = float(rates[:whole].sum()) + (days - whole) * (float(rates[whole]) if whole < len(rates) else 0.0)
        return total * arrival.series.scale
    assert arrival.rate is not None
    if not arrival.curve:
        return arrival.rate * end
    times = np.asarray([t for t, _ in arrival.curve], dtype=float)
    factors = np.asarray([f for _, f in arrival.curve], dtype=float)
    knots = np.union1d([0.0, end], times[(times > 0) & (times < end)])
    values = np.interp(knots, times, factors)
    return arrival.rate * float(np.sum((values[1:] + values[:-1]) / 2 * np.diff(knots)))


def _patients(scenario: schema.Scenario) -> Iterator[Finding]:
    """At most MAX_PATIENTS patients are expected in a replication."""
    end = scenario.run.warmup + scenario.run.horizon
    counts = [expected_patients(a, end) for a in scenario.arrivals]
    total = sum(counts)
    if total > MAX_PATIENTS:
        k = int(np.argmax(counts))
        key = "series" if scenario.arrivals[k].series is not None else "rate"
        yield ("arrivals", k, key), (
            f"about {total:,.0f} patients would arrive in one replication, {counts[k]:,.0f} of them in stream "
            f"'{scenario.arrivals[k].name}' (at most {MAX_PATIENTS:,}: is the unit of the rate right?)"
        )


def _calendars(scenario: schema.Scenario) -> Iterator[Finding]:
    """A calendar offers at most MAX_SLOTS_PER_WEEK appointments a week."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CalendarResource):
                spec = resource.calendar
                per_week = spec.scanners * sum(int((w.end - w.start) / spec.slot + 1e-9) * len(w.days) for w in spec.open)
                if per_week > MAX_SLOTS_PER_WEEK:
                    yield ("sites", name, "resources", role, "calendar", "slot"), (
                        f"{units.format_duration(spec.slot)} slots × {spec.scanners} scanner(s) make {per_week:,} appointments a week "
                        f"(at most {MAX_SLOTS_PER_WEEK:,})"
                    )


def _resource_hours(scenario: schema.Scenario) -> Iterator[Finding]:
    """Resources × hours of the run stay under MAX_RESOURCE_HOURS (each hour's occupancy is kept)."""
    resources = sum(len(site.resources) for site in scenario.sites.values())
    hours = math.ceil((scenario.run.warmup + scenario.run.horizon) / 60)
    if resources * hours > MAX_RESOURCE_HOURS:
        yield ("run", "horizon"), (
            f"{resources} resources over {hours:,} hours make {resources * hours:,} resource-hours of occupancy to keep "
            f"(at most {MAX_RESOURCE_HOURS:,}: shorten the run or split the territory)"
        )
