"""Checks of the run, the arrival streams, transport, schedules and calendars."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from sim.scenario import schema, units
from sim.scenario.checks.common import TOLERANCE, Finding, clock, days_text, overlaps, unknown, week_intervals
from sim.scenario.reach import Reach


def _time_frame(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Warm-up shorter than the horizon; curves within the run; series covering it."""
    run = scenario.run
    end = run.warmup + run.horizon
    if run.warmup >= run.horizon:
        yield ("run", "warmup"), (
            f"the warm-up ({days_text(run.warmup)}) must be shorter than the horizon ({days_text(run.horizon)})"
        )
    days = math.ceil(end / 1440)
    for k, arrival in enumerate(scenario.arrivals):
        for j, (time, _) in enumerate(arrival.curve or ()):
            if time > end:
                yield ("arrivals", k, "curve", j), (
                    f"curve point at {days_text(time)} is after the end of the run "
                    f"(expected 0d to {days_text(end)}, warm-up + horizon)"
                )
        series = arrival.series
        if series is not None and series.per_day and len(series.per_day) < days:
            yield ("arrivals", k, "series"), (
                f"the series gives {len(series.per_day)} days but the run lasts {days} days "
                f"(expected a daily rate for every day of warm-up + horizon)"
            )


def _arrivals(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Stream names unique, sites and pathways known, categorical probabilities summing to 1."""
    first: dict[str, int] = {}
    for k, arrival in enumerate(scenario.arrivals):
        loc = ("arrivals", k)
        if arrival.name in first:
            yield loc + ("name",), f"duplicate stream name '{arrival.name}' (also arrivals[{first[arrival.name]}]; expected unique names)"
        first.setdefault(arrival.name, k)
        if arrival.at not in scenario.sites:
            yield loc + ("at",), unknown("site", arrival.at, scenario.sites)
        if arrival.pathway not in scenario.pathways:
            yield loc + ("pathway",), unknown("pathway", arrival.pathway, scenario.pathways)
        for name, attribute in arrival.attributes.items():
            total = sum(attribute.values()) if isinstance(attribute, dict) else 1.0
            if abs(total - 1) > TOLERANCE:
                yield loc + ("attributes", name), f"the probabilities of attribute '{name}' sum to {total:.10g} (expected 1)"


def _transport_keys(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Every key of transport.times is a pair of two different known sites."""
    for key in scenario.transport.times:
        loc = ("transport", "times", key)
        ends = key.split("-")
        if len(ends) != 2:
            yield loc, f"'{key}' is not a pair of sites (expected SITE-SITE, e.g. tourcoing-imanord)"
        elif ends[0] == ends[1]:
            yield loc, f"'{key}' names the same site twice (expected two different sites)"
        else:
            yield from ((loc, unknown("site", end, scenario.sites)) for end in ends if end not in scenario.sites)


def _schedules(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The schedule windows of a capacity (and of each of its dated changes) never overlap."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CapacityResource):
                loc = ("sites", name, "resources", role)
                schedules = [(loc + ("schedule",), resource.schedule)]
                schedules += [(loc + ("changes", j, "schedule"), c.schedule) for j, c in enumerate(resource.changes) if c.schedule]
                for at, schedule in schedules:
                    windows = [week_intervals(w.days, w.from_, w.to) for w in schedule]
                    for k, j, minute in overlaps(windows):
                        yield at + (k,), (
                            f"this window overlaps window {j} at {clock(minute)} "
                            f"(expected the windows of one resource not to overlap)"
                        )


def _calendars(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The opening hours of a calendar (and of each of its dated changes) never overlap and hold
    at least one slot."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CalendarResource):
                loc, calendar = ("sites", name, "resources", role, "calendar"), resource.calendar
                hours = [(loc + ("open",), calendar.open)]
                hours += [(loc + ("changes", j, "open"), c.open) for j, c in enumerate(calendar.changes) if c.open is not None]
                for at, opening in hours:
                    intervals = [week_intervals(w.days, w.start, w.end) for w in opening]
                    for _, _, minute in overlaps(intervals):
                        yield at, f"opening hours overlap at {clock(minute)} (expected each time of the week listed once)"
                    longest = max((w.end - w.start for w in opening), default=0.0)
                    if int(longest / calendar.slot + 1e-9) == 0:
                        yield (loc + ("slot",) if opening is calendar.open else at), (
                            f"no opening interval holds one slot of {units.format_duration(calendar.slot)}, so the calendar "
                            f"offers no appointment (expected opening hours at least one slot long)"
                        )


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _time_frame,
    _arrivals,
    _transport_keys,
    _schedules,
    _calendars,
)
"""The checks of this section, in the order they run."""
