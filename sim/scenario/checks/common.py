"""What the checks share: messages that name what is unknown, the roles and resources of sites,
transport times, and intervals of the week (schedules, sessions and opening hours repeat weekly).

Each check yields findings, (location, message): the location is a path of keys and indices in
the scenario file (YAML spellings, e.g. `from` not `from_`), so that the loader can give its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from sim.scenario import schema, units
from sim.scenario.transport import transport_minutes
from sim.scenario.walk import Loc, split_ref

Finding = tuple[Loc, str]


TOLERANCE = 1e-9
"""Slack allowed on sums of probabilities that must reach 1."""


WEEK = 7 * 1440
"""Minutes in a week: schedules, sessions and opening hours repeat weekly."""


def unknown(kind: str, name: str, known: Iterable[Any]) -> str:
    """'unknown site 'x'' with the closest known name as a hint, or the known names."""
    names = [str(n) for n in dict.fromkeys(known)]
    hint = difflib.get_close_matches(name, names, n=1)
    if hint:
        return f"unknown {kind} '{name}' (did you mean '{hint[0]}'?)"
    if names:
        return f"unknown {kind} '{name}' (expected one of: {', '.join(names)})"
    return f"unknown {kind} '{name}' (none is defined)"


def roles_of(scenario: schema.Scenario) -> list[str]:
    """Every role of every site, in file order."""
    return list(dict.fromkeys(role for site in scenario.sites.values() for role in site.resources))


def attributes_of(scenario: schema.Scenario) -> list[str]:
    """Every attribute any stream defines, in file order."""
    return list(dict.fromkeys(name for arrival in scenario.arrivals for name in arrival.attributes))


def held_resource(step: schema.Step) -> tuple[str, str, str | None] | None:
    """(verb, role reference, step name) for a `use` or `book` step, else None."""
    if isinstance(step, schema.UseStep):
        return "use", step.use, step.name
    if isinstance(step, schema.BookStep):
        return "book", step.book, step.name
    return None


KIND = {"use": "capacity", "book": "calendar"}


def kind_problem(site: str, role: str, resource: schema.Resource, kind: str | None) -> str | None:
    """What is wrong with the kind of a resource when `kind` ('capacity' or 'calendar') is needed."""
    if kind == "capacity" and isinstance(resource, schema.CalendarResource):
        return f"'{role}' at site '{site}' is a booking calendar (expected a capacity resource; calendars are used with `book`)"
    if kind == "calendar" and isinstance(resource, schema.CapacityResource):
        return f"'{role}' at site '{site}' is a capacity resource (expected a booking calendar; capacities are used with `use`)"
    return None


def role_at(scenario: schema.Scenario, loc: Loc, site: str, role: str, kind: str | None) -> Iterator[Finding]:
    """A finding when a known site lacks `role`, or has it of the wrong kind."""
    resources = scenario.sites[site].resources
    if role not in resources:
        yield loc, f"site '{site}' has no resource '{role}' (its resources: {', '.join(resources) or 'none'})"
        return
    problem = kind_problem(site, role, resources[role], kind)
    if problem:
        yield loc, problem


def site_role(scenario: schema.Scenario, loc: Loc, ref: str, kind: str | None) -> Iterator[Finding]:
    """Findings for a SITE.ROLE reference: the site must exist and have the role."""
    site, role = split_ref(ref)
    if site not in scenario.sites:
        yield loc, unknown("site", str(site), scenario.sites)
    else:
        yield from role_at(scenario, loc, site, role, kind)


def has_time(scenario: schema.Scenario, a: str, b: str) -> bool:
    """Whether the engine can tell how long moving a patient between two known sites takes."""
    return transport_minutes(scenario, a, b) is not None


def no_time(a: str, b: str) -> str:
    """The message for two sites between which patients move without a transport time."""
    return (
        f"no transport time between '{a}' and '{b}' "
        f"(expected a `location` for both sites, or transport.times: {{{a}-{b}: DURATION}})"
    )


def days_text(minutes: float) -> str:
    """A duration of the run in days when whole (28d, not 4w), else its shortest spelling."""
    return f"{minutes / 1440:g}d" if minutes % 1440 == 0 else units.format_duration(minutes)


def clock(minute: int) -> str:
    """'tue 08:30' for a minute of the week."""
    day, rest = divmod(minute, 1440)
    return f"{units.DAY_NAMES[day]} {rest // 60:02d}:{rest % 60:02d}"


def week_intervals(days: Iterable[int], start: float, end: float) -> list[tuple[int, int]]:
    """Half-open minute intervals of the week covered by a daily interval on `days`; an end
    before the start runs past midnight, and past Sunday midnight into Monday."""
    length = int(end - start if end > start else end + 1440 - start)
    intervals = []
    for day in days:
        first = day * 1440 + int(start)
        last = first + length
        intervals += [(first, last)] if last <= WEEK else [(first, WEEK), (0, last - WEEK)]
    return intervals


def overlaps(groups: list[list[tuple[int, int]]]) -> Iterator[tuple[int, int, int]]:
    """(k, j, minute) for each group of intervals k sharing time with an earlier group j, from `minute`."""
    for k, intervals in enumerate(groups):
        shared = [
            (max(a, c), j)
            for j in range(k)
            for a, b in intervals
            for c, d in groups[j]
            if max(a, c) < min(b, d)
        ]
        if shared:
            minute, j = min(shared)
            yield k, j, minute


def capacity_in_force(resource: schema.CapacityResource) -> list[int]:
    """Capacity of a resource at each minute of the week."""
    week = [resource.capacity] * WEEK
    for window in resource.schedule:
        for a, b in week_intervals(window.days, window.from_, window.to):
            week[a:b] = [window.capacity] * (b - a)
    return week
