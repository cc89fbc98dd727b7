"""Checks of time in the scenario: dated changes of resources and the time in force of rules.

A date needs `run.start` and, like a duration from time 0, falls within the run; the changes of
one resource come in time order; the periods of one rule are not empty and do not overlap; a
switch watches a capacity and switches off below the share it switches on above; rule names
are unique, so that a variant can address, add or remove a rule by its name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator

from sim.scenario import dated, schema, units
from sim.scenario.checks.common import Finding, days_text, site_role
from sim.scenario.reach import Reach
from sim.scenario.walk import Loc

Changes = tuple[schema.CapacityChange, ...] | tuple[schema.CalendarChange, ...]


def _resource_changes(scenario: schema.Scenario) -> Iterator[tuple[Loc, Changes]]:
    """The dated changes of every resource, with the location of their list."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CapacityResource):
                yield ("sites", name, "resources", role, "changes"), resource.changes
            else:
                yield ("sites", name, "resources", role, "calendar", "changes"), resource.calendar.changes


def moments(scenario: schema.Scenario) -> Iterator[tuple[Loc, units.Moment]]:
    """Every time of the run the scenario names, with its location."""
    for loc, changes in _resource_changes(scenario):
        yield from ((loc + (j, "from"), change.from_) for j, change in enumerate(changes))
    for i, rule in enumerate(scenario.cooperation):
        body, loc = schema.rule_body(rule), ("cooperation", i, schema.rule_kind(rule), "in_force")
        if isinstance(body.in_force, schema.Period):
            yield from ((loc + (key,), value) for key, value in (("from", body.in_force.from_), ("to", body.in_force.to)) if value is not None)
        elif isinstance(body.in_force, tuple):
            for j, period in enumerate(body.in_force):
                yield from ((loc + (j, key), value) for key, value in (("from", period.from_), ("to", period.to)) if value is not None)


def place(scenario: schema.Scenario, minutes: float) -> str:
    """A time of the run as a reader places it: a date with `run.start`, else days from time 0."""
    if scenario.run.start is None:
        return days_text(minutes)
    return units.format_moment(datetime.datetime.combine(scenario.run.start, datetime.time()) + datetime.timedelta(minutes=minutes))


def _within_run(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Each date has `run.start` to be read against, and each time falls within the run."""
    end = dated.run_end(scenario)
    for loc, moment in moments(scenario):
        if isinstance(moment, datetime.datetime) and scenario.run.start is None:
            yield loc, (f"the date {units.format_moment(moment)} needs `run.start`, the date of time 0 "
                        f"(or write a time of the run such as 30d)")
            continue
        at = dated.minutes(scenario, moment)
        if not 0 <= at <= end:
            yield loc, (f"{units.format_moment(moment)} is outside the run (expected from {place(scenario, 0.0)} "
                        f"to {place(scenario, end)}, time 0 to the end of warm-up + horizon)")


def readable(scenario: schema.Scenario) -> bool:
    """Whether every time the scenario names can be read as minutes of the run."""
    return scenario.run.start is not None or not any(isinstance(m, datetime.datetime) for _, m in moments(scenario))


def _in_order(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The changes of one resource come in strictly increasing time."""
    if not readable(scenario):
        return
    for loc, changes in _resource_changes(scenario):
        times = [dated.minutes(scenario, change.from_) for change in changes]
        for j in range(1, len(times)):
            if times[j] <= times[j - 1]:
                yield loc + (j, "from"), (f"this change at {units.format_moment(changes[j].from_)} does not come after the one "
                                          f"before it ({place(scenario, times[j - 1])}; expected the changes of a resource in time order)")


def _periods(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Each period ends after it starts; the periods of one rule do not overlap."""
    if not readable(scenario):
        return
    for i, rule in enumerate(scenario.cooperation):
        body = schema.rule_body(rule)
        periods = dated.rule_periods(scenario, body)
        if periods is None:
            continue
        loc: Loc = ("cooperation", i, schema.rule_kind(rule), "in_force")
        listed = isinstance(body.in_force, tuple)
        for j, (start, end) in enumerate(periods):
            here = loc + ((j,) if listed else ())
            if end <= start:
                yield here + ("to",), (f"the period ends ({place(scenario, end)}) before it starts ({place(scenario, start)}) "
                                       f"(expected `to` after `from`)")
                continue
            other = next((k for k, (a, b) in enumerate(periods[:j]) if max(a, start) < min(b, end)), None)
            if other is not None:
                yield here, (f"this period overlaps period {other} of the same rule from {place(scenario, max(periods[other][0], start))} "
                             f"(expected the periods of one rule not to overlap)")


def _switches(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A switch watches a SITE.ROLE capacity and switches off below the share it switches on above."""
    for i, rule in enumerate(scenario.cooperation):
        switch = schema.rule_body(rule).in_force
        if not isinstance(switch, schema.StateSwitch):
            continue
        loc: Loc = ("cooperation", i, schema.rule_kind(rule), "in_force")
        if "." not in switch.when.of:
            yield loc + ("when", "of"), f"'{switch.when.of}' does not name a site (expected SITE.ROLE, e.g. valenciennes.icu_bed)"
        else:
            yield from site_role(scenario, loc + ("when", "of"), switch.when.of, "capacity")
        if switch.until.occupancy_below > switch.when.occupancy_above:
            yield loc + ("until", "occupancy_below"), (
                f"the rule would switch off below {switch.until.occupancy_below:g} while it switches on above "
                f"{switch.when.occupancy_above:g} (expected `until.occupancy_below` at most `when.occupancy_above`)")


def _rule_names(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """No two rules share a name."""
    first: dict[str, int] = {}
    for i, rule in enumerate(scenario.cooperation):
        name = schema.rule_body(rule).name
        if name is None:
            continue
        if name in first:
            yield ("cooperation", i, schema.rule_kind(rule), "name"), (
                f"a second rule named '{name}' (also cooperation[{first[name]}]; expected unique rule names, "
                f"so that a variant changes or removes the rule it names)")
        first.setdefault(name, i)


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _within_run,
    _in_order,
    _periods,
    _switches,
    _rule_names,
)
"""The checks of this section, in the order they run."""
