"""Checks that need the whole scenario: references between sites, roles, pathways and rules,
where patients can go, probabilities, schedules and the time frame of the run.

Each check yields (location, message): the location is a path of keys and indices in the
scenario file (YAML spellings, e.g. `from` not `from_`), so the loader can give its line.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.scenario import schema, units
from sim.scenario.reach import Loc, Reach, nested, reach, split_ref
from sim.scenario.sizes import check_sizes
from sim.scenario.transport import transport_minutes

Finding = tuple[Loc, str]

TOLERANCE = 1e-9
"""Slack allowed on sums of probabilities that must reach 1."""

MAX_PROFILES = 10_000
"""Attribute-value combinations checked per branch at most (beyond, the rest is not checked)."""

WEEK = 7 * 1440
"""Minutes in a week: schedules, sessions and opening hours repeat weekly."""


def check_scenario(scenario: schema.Scenario) -> list[Finding]:
    """Every problem of a scenario that is valid field by field but wrong as a whole."""
    too_big = check_sizes(scenario)
    if too_big:
        return too_big
    where = reach(scenario)
    return [finding for check in _CHECKS for finding in check(scenario, where)]


def doubts(scenario: schema.Scenario) -> list[Finding]:
    """What a valid scenario runs, but probably not as meant: warnings, not errors (a resource
    nothing uses is told by `unused_resources`, since another variant may use it)."""
    return list(_untaken_values(scenario, reach(scenario)))


# --- helpers --------------------------------------------------------------------------------


def _unknown(kind: str, name: str, known: Iterable[Any]) -> str:
    """'unknown site 'x'' with the closest known name as a hint, or the known names."""
    names = [str(n) for n in dict.fromkeys(known)]
    hint = difflib.get_close_matches(name, names, n=1)
    if hint:
        return f"unknown {kind} '{name}' (did you mean '{hint[0]}'?)"
    if names:
        return f"unknown {kind} '{name}' (expected one of: {', '.join(names)})"
    return f"unknown {kind} '{name}' (none is defined)"


def _roles(scenario: schema.Scenario) -> list[str]:
    """Every role of every site, in file order."""
    return list(dict.fromkeys(role for site in scenario.sites.values() for role in site.resources))


def _attributes(scenario: schema.Scenario) -> list[str]:
    """Every attribute any stream defines, in file order."""
    return list(dict.fromkeys(name for arrival in scenario.arrivals for name in arrival.attributes))


def _values(arrival: schema.Arrival, name: str) -> list[Any] | None:
    """The values attribute `name` takes in a stream, or None when the stream does not define it."""
    attribute = arrival.attributes.get(name)
    if attribute is None:
        return None
    return list(attribute) if isinstance(attribute, dict) else [attribute]


def _held(step: schema.Step) -> tuple[str, str, str | None] | None:
    """(verb, role reference, step name) for a `use` or `book` step, else None."""
    if isinstance(step, schema.UseStep):
        return "use", step.use, step.name
    if isinstance(step, schema.BookStep):
        return "book", step.book, step.name
    return None


_KIND = {"use": "capacity", "book": "calendar"}


def _kind_problem(site: str, role: str, resource: schema.Resource, kind: str | None) -> str | None:
    """What is wrong with the kind of a resource when `kind` ('capacity' or 'calendar') is needed."""
    if kind == "capacity" and isinstance(resource, schema.CalendarResource):
        return f"'{role}' at site '{site}' is a booking calendar (expected a capacity resource; calendars are used with `book`)"
    if kind == "calendar" and isinstance(resource, schema.CapacityResource):
        return f"'{role}' at site '{site}' is a capacity resource (expected a booking calendar; capacities are used with `use`)"
    return None


def _role_at(scenario: schema.Scenario, loc: Loc, site: str, role: str, kind: str | None) -> Iterator[Finding]:
    """A finding when a known site lacks `role`, or has it of the wrong kind."""
    resources = scenario.sites[site].resources
    if role not in resources:
        yield loc, f"site '{site}' has no resource '{role}' (its resources: {', '.join(resources) or 'none'})"
        return
    problem = _kind_problem(site, role, resources[role], kind)
    if problem:
        yield loc, problem


def _site_role(scenario: schema.Scenario, loc: Loc, ref: str, kind: str | None) -> Iterator[Finding]:
    """Findings for a SITE.ROLE reference: the site must exist and have the role."""
    site, role = split_ref(ref)
    if site not in scenario.sites:
        yield loc, _unknown("site", str(site), scenario.sites)
    else:
        yield from _role_at(scenario, loc, site, role, kind)


def _has_time(scenario: schema.Scenario, a: str, b: str) -> bool:
    """Whether the engine can tell how long moving a patient between two known sites takes."""
    return transport_minutes(scenario, a, b) is not None


def _no_time(a: str, b: str) -> str:
    """The message for two sites between which patients move without a transport time."""
    return (
        f"no transport time between '{a}' and '{b}' "
        f"(expected a `location` for both sites, or transport.times: {{{a}-{b}: DURATION}})"
    )


def _days(minutes: float) -> str:
    """A duration of the run in days when whole (28d, not 4w), else its shortest spelling."""
    return f"{minutes / 1440:g}d" if minutes % 1440 == 0 else units.format_duration(minutes)


def _clock(minute: int) -> str:
    """'tue 08:30' for a minute of the week."""
    day, rest = divmod(minute, 1440)
    return f"{units.DAY_NAMES[day]} {rest // 60:02d}:{rest % 60:02d}"


def _week_intervals(days: Iterable[int], start: float, end: float) -> list[tuple[int, int]]:
    """Half-open minute intervals of the week covered by a daily interval on `days`; an end
    before the start runs past midnight, and past Sunday midnight into Monday."""
    length = int(end - start if end > start else end + 1440 - start)
    intervals = []
    for day in days:
        first = day * 1440 + int(start)
        last = first + length
        intervals += [(first, last)] if last <= WEEK else [(first, WEEK), (0, last - WEEK)]
    return intervals


def _overlaps(groups: list[list[tuple[int, int]]]) -> Iterator[tuple[int, int, int]]:
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


def _capacity_in_force(resource: schema.CapacityResource) -> list[int]:
    """Capacity of a resource at each minute of the week."""
    week = [resource.capacity] * WEEK
    for window in resource.schedule:
        for a, b in _week_intervals(window.days, window.from_, window.to):
            week[a:b] = [window.capacity] * (b - a)
    return week


# --- the run, arrivals and transport ----------------------------------------------------------


def _time_frame(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Warm-up shorter than the horizon; curves within the run; series covering it."""
    run = scenario.run
    end = run.warmup + run.horizon
    if run.warmup >= run.horizon:
        yield ("run", "warmup"), (
            f"the warm-up ({_days(run.warmup)}) must be shorter than the horizon ({_days(run.horizon)})"
        )
    days = math.ceil(end / 1440)
    for k, arrival in enumerate(scenario.arrivals):
        for j, (time, _) in enumerate(arrival.curve or ()):
            if time > end:
                yield ("arrivals", k, "curve", j), (
                    f"curve point at {_days(time)} is after the end of the run "
                    f"(expected 0d to {_days(end)}, warm-up + horizon)"
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
            yield loc + ("at",), _unknown("site", arrival.at, scenario.sites)
        if arrival.pathway not in scenario.pathways:
            yield loc + ("pathway",), _unknown("pathway", arrival.pathway, scenario.pathways)
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
            yield from ((loc, _unknown("site", end, scenario.sites)) for end in ends if end not in scenario.sites)


def _schedules(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The schedule windows of a capacity never overlap."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CapacityResource):
                windows = [_week_intervals(w.days, w.from_, w.to) for w in resource.schedule]
                for k, j, minute in _overlaps(windows):
                    yield ("sites", name, "resources", role, "schedule", k), (
                        f"this window overlaps window {j} at {_clock(minute)} "
                        f"(expected the windows of one resource not to overlap)"
                    )


def _calendars(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The opening hours of a calendar never overlap and hold at least one slot."""
    for name, site in scenario.sites.items():
        for role, resource in site.resources.items():
            if isinstance(resource, schema.CalendarResource):
                loc, calendar = ("sites", name, "resources", role, "calendar"), resource.calendar
                hours = [_week_intervals(w.days, w.start, w.end) for w in calendar.open]
                for _, _, minute in _overlaps(hours):
                    yield loc + ("open",), f"opening hours overlap at {_clock(minute)} (expected each time of the week listed once)"
                longest = max((w.end - w.start for w in calendar.open), default=0.0)
                if int(longest / calendar.slot + 1e-9) == 0:
                    yield loc + ("slot",), (
                        f"no opening interval holds one slot of {units.format_duration(calendar.slot)}, so the calendar "
                        f"offers no appointment (expected opening hours at least one slot long)"
                    )


# --- steps ------------------------------------------------------------------------------------


def _step_references(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Roles, pathways, sites and attributes that steps name exist somewhere."""
    roles, attributes, taken = _roles(scenario), _attributes(scenario), _taken(scenario)
    for loc, step in where.steps:
        held = _held(step)
        if held is not None:
            verb, ref, _ = held
            site, role = split_ref(ref)
            if site is not None:
                yield from _site_role(scenario, loc + (verb,), ref, _KIND[verb])
            elif role not in roles:
                yield loc + (verb,), _unknown("role", role, roles)
        elif isinstance(step, schema.GotoStep) and step.goto not in scenario.pathways:
            yield loc + ("goto",), _unknown("pathway", step.goto, scenario.pathways)
        elif isinstance(step, schema.TransferStep) and step.transfer not in scenario.sites:
            yield loc + ("transfer",), _unknown("site", step.transfer, scenario.sites)
        elif isinstance(step, schema.BranchStep):
            for k, option in enumerate(step.branch):
                when = option.when if isinstance(option, schema.BranchOption) else None
                for name, wanted in (when or {}).items():
                    if name not in attributes:
                        yield loc + ("branch", k, "when", name), _unknown("attribute", name, attributes)
                    elif problem := _wrong_type(taken.get(name, []), name, wanted):
                        yield loc + ("branch", k, "when", name), problem


def _taken(scenario: schema.Scenario) -> dict[str, list[Any]]:
    """Every value each attribute takes in some stream, in file order."""
    found: dict[str, dict[Any, Any]] = {}
    for arrival in scenario.arrivals:
        for name in arrival.attributes:
            for value in _values(arrival, name) or []:
                found.setdefault(name, {}).setdefault(schema.attribute_key(value), value)
    return {name: list(values.values()) for name, values in found.items()}


def _type_name(value: Any) -> str:
    """What kind of YAML value an attribute value is: text, a number or a boolean."""
    return "a boolean" if isinstance(value, bool) else "text" if isinstance(value, str) else "a number"


def _wrong_type(taken: list[Any], name: str, wanted: Any) -> str | None:
    """The problem of a `when` value of another type than every value the attribute takes
    (`taken`): `{acuity: "1"}` where acuity is a number would never match."""
    kinds = {_type_name(v) for v in taken}
    for value in wanted if isinstance(wanted, tuple) else (wanted,):
        if taken and _type_name(value) not in kinds:
            shown = ", ".join(_show(v) for v in taken)
            spelled = f"'{value}'" if isinstance(value, str) else _show(value)
            return (f"{spelled} is {_type_name(value)} but attribute '{name}' takes {' or '.join(sorted(kinds))} ({shown}): "
                    f"this condition would never match (expected a value of the same kind, e.g. without quotes)")
    return None


def _untaken_values(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A `when` value that no stream gives its attribute: the option never applies to it."""
    values = _taken(scenario)
    for loc, step in where.steps:
        if not isinstance(step, schema.BranchStep):
            continue
        for k, option in enumerate(step.branch):
            for name, wanted in (option.when or {}).items() if isinstance(option, schema.BranchOption) else ():
                taken = values.get(name, [])
                missing = [v for v in (wanted if isinstance(wanted, tuple) else (wanted,)) if not any(_same(t, v) for t in taken)]
                if taken and missing:
                    yield loc + ("branch", k, "when", name), (
                        f"no stream gives attribute '{name}' the value {', '.join(_show(v) for v in missing)} "
                        f"(its values: {', '.join(_show(v) for v in taken)}): that part of the condition never matches"
                    )


def unused_resources(scenario: schema.Scenario) -> list[tuple[str, str]]:
    """(site, role) of each resource that no step of any pathway can use or book where it is."""
    where = reach(scenario)
    used: set[tuple[str, str]] = set()
    for loc, step in where.steps:
        held = _held(step)
        if held is None:
            continue
        site, role = split_ref(held[1])
        used.update((s, role) for s in ([site] if site else where.sites.get(loc, {})))
    for rule in scenario.cooperation:
        if isinstance(rule, schema.ShareCalendar):
            site, role = split_ref(rule.share_calendar.calendar)
            if any((partner, role) in used for partner in rule.share_calendar.partners):
                used.add((str(site), role))
    overflows = [rule.overflow for rule in scenario.cooperation if isinstance(rule, schema.Overflow)]
    while True:
        more = {(partner, o.resource) for o in overflows if (o.from_, o.resource) in used for partner in o.to} - used
        if not more:
            break
        used |= more
    return [(name, role) for name, site in scenario.sites.items() for role in site.resources if (name, role) not in used]


def _shared_calendars(scenario: schema.Scenario) -> set[tuple[str, str]]:
    """(partner site, role) pairs that may book on a shared calendar of that role."""
    shared = set()
    for rule in scenario.cooperation:
        if isinstance(rule, schema.ShareCalendar):
            site, role = split_ref(rule.share_calendar.calendar)
            resource = scenario.sites[site].resources.get(role) if site in scenario.sites else None
            if isinstance(resource, schema.CalendarResource):
                shared.update((partner, role) for partner in rule.share_calendar.partners)
    return shared


def _reached_roles(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A role a step uses exists, of the right kind, at every site where the step may run."""
    roles, shared = set(_roles(scenario)), _shared_calendars(scenario)
    for loc, step in where.steps:
        held = _held(step)
        if held is None or split_ref(held[1])[0] is not None or held[1] not in roles:
            continue
        verb, role, _ = held
        for site, visit in where.sites.get(loc, {}).items():
            if verb == "book" and (site, role) in shared:
                continue
            resource = scenario.sites[site].resources.get(role)
            if resource is None:
                yield loc + (verb,), (
                    f"role '{role}' does not exist at site '{site}', {visit.clause()} "
                    f"(expected every site a patient can reach to have the roles of its pathway)"
                )
            elif problem := _kind_problem(site, role, resource, _KIND[verb]):
                yield loc + (verb,), problem


def _transfer_times(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A transfer needs a transport time from every site it may start from."""
    for loc, step in where.steps:
        if isinstance(step, schema.TransferStep) and step.transfer in scenario.sites:
            for site in where.sites.get(loc, {}):
                if not _has_time(scenario, site, step.transfer):
                    yield loc + ("transfer",), _no_time(site, step.transfer)


def _priorities(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A priority attribute exists and is numeric in every stream that reaches its step."""
    attributes = _attributes(scenario)
    for loc, step in where.steps:
        if not isinstance(step, schema.UseStep) or not isinstance(step.priority, str):
            continue
        name = step.priority
        if name not in attributes:
            yield loc + ("priority",), _unknown("attribute", name, attributes)
            continue
        for index in sorted(where.streams.get(loc, ())):
            arrival = scenario.arrivals[index]
            values = _values(arrival, name)
            if values is None:
                yield loc + ("priority",), (
                    f"priority attribute '{name}' is not defined for stream '{arrival.name}', which reaches this step "
                    f"(expected a numeric attribute of every stream that reaches it)"
                )
            elif not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                shown = ", ".join(_show(v) for v in values)
                yield loc + ("priority",), (
                    f"priority attribute '{name}' of stream '{arrival.name}' is not numeric "
                    f"(values: {shown}; expected numbers, the smallest served first)"
                )


# --- branch probabilities ----------------------------------------------------------------------


class _Undefined:
    """The value of an attribute a stream does not define: it matches no `when`."""

    def __repr__(self) -> str:
        return "undefined"


_UNDEFINED = _Undefined()


def _show(value: Any) -> str:
    """An attribute value as the scenario file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, _Undefined) else str(value)


def _key(value: Any) -> Any:
    """What attribute equality compares, as the engine applies it; an undefined value has none."""
    return None if isinstance(value, _Undefined) else schema.attribute_key(value)


def _same(value: Any, wanted: Any) -> bool:
    """Attribute equality as the engine applies it; an undefined value matches nothing."""
    return _key(value) is not None and _key(value) == _key(wanted)


def _wanted(wanted: Any) -> set[Any]:
    """The keys a `when` value (or list of values) accepts."""
    return {schema.attribute_key(w) for w in (wanted if isinstance(wanted, tuple) else (wanted,))}


def _matches(when: dict[str, Any] | None, profile: dict[str, Any]) -> bool:
    """Whether a patient with these attribute values matches a `when` (no `when` matches all)."""
    if when is None:
        return True
    return all(_key(profile[name]) in _wanted(wanted) for name, wanted in when.items())


def _profile_problem(step: schema.BranchStep, profile: dict[str, Any], who: str = "{who}") -> str | None:
    """What is wrong with the options that apply to one attribute profile, if anything (saying
    `who` they are: a template `{who}` unless given)."""
    options = [o for o in step.branch if isinstance(o, schema.BranchOption) and _matches(o.when, profile)]
    otherwise = isinstance(step.branch[-1], schema.OtherwiseOption)
    total = sum(1.0 if o.p is None else o.p for o in options)
    if not options and not otherwise:
        return f"{who} match no option and the branch has no `otherwise` (expected an option for them, or `otherwise`)"
    if otherwise and total > 1 + TOLERANCE:
        return f"the probabilities of the options that apply to {who} sum to {total:.10g} (expected at most 1 with `otherwise`)"
    if not otherwise and abs(total - 1) > TOLERANCE:
        return (
            f"the probabilities of the options that apply to {who} sum to {total:.10g} "
            f"(expected 1, or an `otherwise` option to take the rest)"
        )
    return None


def _whens(steps: Iterable[schema.Step]) -> dict[str, list[Any]]:
    """Every value list that a `when` of these branches tests, by attribute."""
    tested: dict[str, list[Any]] = {}
    for step in steps:
        if isinstance(step, schema.BranchStep):
            for option in step.branch:
                for name, wanted in (option.when or {}).items() if isinstance(option, schema.BranchOption) else ():
                    tested.setdefault(name, []).append(wanted)
    return tested


def _profiles(arrival: schema.Arrival, tested: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """The attribute profiles of a stream that the tested conditions can tell apart: values that
    every condition treats alike form one class, shown by its first value (so ten acuity levels
    tested only as [1, 2] make two profiles, not ten)."""
    classes = []
    for name, conditions in tested.items():
        conditions = [c if isinstance(c, tuple) else (c,) for c in conditions]
        kept: dict[tuple[bool, ...], Any] = {}
        accepted = [_wanted(wanted) for wanted in conditions]
        for value in _values(arrival, name) or [_UNDEFINED]:
            kept.setdefault(tuple(_key(value) in keys for keys in accepted), value)
        classes.append(list(kept.values()))
    names = list(tested)
    return (dict(zip(names, combo)) for combo in itertools.product(*classes))


def _branch_problem(scenario: schema.Scenario, step: schema.BranchStep, streams: Iterable[int]) -> str | None:
    """The first attribute profile, over the given streams, whose options are not a valid choice."""
    tested = _whens([step])
    profiles = ((scenario.arrivals[index].name, profile) for index in sorted(streams)
                for profile in _profiles(scenario.arrivals[index], tested))
    for stream, profile in itertools.islice(profiles, MAX_PROFILES):
        if _profile_problem(step, profile):
            described = ", ".join(f"{name}={_show(value)}" for name, value in profile.items())
            return _profile_problem(step, profile, f"patients of stream '{stream}'" + (f" with {described}" if described else ""))
    return None


def _branches(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Branch options form a valid choice for every attribute profile of the streams that reach them
    (of every stream when none does)."""
    for loc, step in where.steps:
        if isinstance(step, schema.BranchStep):
            streams = where.streams.get(loc) or range(len(scenario.arrivals))
            problem = _branch_problem(scenario, step, streams)
            if problem:
                yield loc + ("branch",), problem


# --- gotos and step names ----------------------------------------------------------------------


def _instant_gotos(loc: Loc, steps: tuple[schema.Step, ...]) -> tuple[list[tuple[Loc, str]], bool]:
    """The gotos a step list may reach before any step that takes time, and whether it may end
    without taking time (only branches take none; a goto ends its list: it never returns)."""
    found: list[tuple[Loc, str]] = []
    for i, step in enumerate(steps):
        if isinstance(step, schema.GotoStep):
            found.append((loc + (i, "goto"), step.goto))
            return found, False
        if not isinstance(step, schema.BranchStep):
            return found, False
        passes = False
        for inner_loc, inner in nested(loc + (i,), step):
            gotos, through = _instant_gotos(inner_loc, inner)
            found += gotos
            passes = passes or through
        if not passes:
            return found, False
    return found, True


def _cycle_message(cycle: list[str]) -> str:
    """The message for a goto that closes a loop of pathways in which no time passes."""
    return (
        f"goto '{cycle[-1]}' closes the cycle {' -> '.join(cycle)}, in which no step takes time "
        f"(expected a use, delay, book or transfer step in the loop)"
    )


def _goto_cycles(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """No loop of gotos through pathways in which no time passes, nor one that no patient can
    leave."""
    instant = list(_instant_cycles(scenario))
    yield from instant
    if not instant:
        yield from _closed_loops(scenario, where)


def _instant_cycles(scenario: schema.Scenario) -> Iterator[Finding]:
    """A depth-first search reports each goto that leads back into the current trail of
    pathways in which no time passes."""
    edges = {name: _instant_gotos(("pathways", name), steps)[0] for name, steps in scenario.pathways.items()}
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        trail, pending = [start], [iter(edges[start])]
        while pending:
            edge = next(pending[-1], None)
            if edge is None:
                done.add(trail.pop())
                pending.pop()
                continue
            loc, target = edge
            if target in trail:
                yield loc, _cycle_message(trail[trail.index(target):] + [target])
            elif target in edges and target not in done:
                trail.append(target)
                pending.append(iter(edges[target]))


MAX_LOOP_PROFILES = 2_000
"""Attribute profiles, over all streams, for which the ways out of goto loops are checked."""


def _taken_options(step: schema.BranchStep, profile: dict[str, Any]) -> list[tuple[schema.Step, ...]]:
    """The step lists of a branch that patients with these attribute values may take; an option
    testing an attribute the profile leaves out may or may not apply, so it counts as taken."""
    options = [o for o in step.branch if isinstance(o, schema.BranchOption)]
    unsure = [o for o in options if o.when and not set(o.when) <= set(profile)]
    sure = [o for o in options if o not in unsure and _matches(o.when, profile)]
    taken = [o.steps for o in sure + unsure if o.p is None or o.p > 0]
    total = sum(1.0 if o.p is None else o.p for o in sure)
    if isinstance(step.branch[-1], schema.OtherwiseOption) and (unsure or total < 1 - TOLERANCE):
        taken.append(step.branch[-1].otherwise)
    return taken


def _bodies(step: schema.Step, profile: dict[str, Any] | None) -> list[tuple[schema.Step, ...]]:
    """The step lists inside a step that patients with these attribute values (any patient, for
    None) may run."""
    if isinstance(step, schema.BranchStep) and profile is not None:
        return _taken_options(step, profile)
    return [body for _, body in nested((), step)]


def _ways_out(steps: tuple[schema.Step, ...], finishing: set[str], profile: dict[str, Any]) -> tuple[bool, bool]:
    """(whether a patient may leave within the list, whether it may reach the list's end), given
    the pathways known to let such patients leave. A patient leaves by finishing a pathway or by
    losing patience; a goto ends its list."""
    leaves, going = False, True
    for step in steps:
        if not going:
            break
        if isinstance(step, schema.GotoStep):
            leaves, going = leaves or step.goto in finishing, False
        elif isinstance(step, (schema.UseStep, schema.BookStep)) and step.patience is not None:
            leaves = True
        if isinstance(step, (schema.UseStep, schema.BranchStep)):
            inner = [_ways_out(body, finishing, profile) for body in _bodies(step, profile)]
            if inner or isinstance(step, schema.BranchStep):
                leaves = leaves or any(out for out, _ in inner)
                going = any(through for _, through in inner)
    return leaves, going


def _goto_targets(steps: tuple[schema.Step, ...], profile: dict[str, Any] | None) -> set[str]:
    """Pathways a list of steps may continue with, for patients with these attribute values (any
    patient, for None)."""
    found: set[str] = set()
    for step in steps:
        if isinstance(step, schema.GotoStep):
            found.add(step.goto)
        for body in _bodies(step, profile):
            found |= _goto_targets(body, profile)
    return found


def _loop_profiles(scenario: schema.Scenario, where: Reach, looping: set[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(stream index, attribute values) for each profile of each stream that the `when`s of the
    pathways in `looping` can tell apart, at most MAX_LOOP_PROFILES in all."""
    tested = _whens(step for loc, step in where.steps if loc[1] in looping)
    profiles = ((k, profile) for k, arrival in enumerate(scenario.arrivals) for profile in _profiles(arrival, tested))
    return itertools.islice(profiles, MAX_LOOP_PROFILES)


def _closed_loops(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A loop of pathways that some patients can never leave (every way they may take through it
    ends in a goto back into it, and no step has a patience), reported once, at its first
    pathway in file order, for the first stream and attribute values that are caught in it."""
    everyone = {name: sorted(t for t in _goto_targets(steps, None) if t in scenario.pathways) for name, steps in scenario.pathways.items()}
    looping = {name for loop in _loops(list(scenario.pathways), everyone) for name in loop}
    if not looping:
        return  # no goto leads back anywhere: every patient reaches the end of its pathways
    reported: set[str] = set()
    for index, profile in _loop_profiles(scenario, where, looping):
        arrival = scenario.arrivals[index]
        if arrival.pathway not in scenario.pathways:
            continue
        finishing: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, steps in scenario.pathways.items():
                if name not in finishing and any(_ways_out(steps, finishing, profile)):
                    finishing.add(name)
                    changed = True
        targets = {name: _goto_targets(steps, profile) for name, steps in scenario.pathways.items()}
        reached = {arrival.pathway} | _reachable(arrival.pathway, targets)
        closed = [name for name in scenario.pathways if name in reached and name not in finishing]
        stuck = set(closed)
        for loop in _loops(closed, {name: sorted(targets[name] & stuck) for name in closed}):
            if loop[0] in reported:
                continue
            reported.update(loop)
            shown = ", ".join(repr(p) for p in loop[:6]) + (f" and {len(loop) - 6} more" if len(loop) > 6 else "")
            described = ", ".join(f"{name}={_show(value)}" for name, value in profile.items() if not isinstance(value, _Undefined))
            who = f"patients of stream '{arrival.name}'" + (f" with {described}" if described else "")
            yield ("pathways", loop[0]), (
                f"{who} can never leave pathway '{loop[0]}': every way they may take through it ends in a goto back into "
                f"{shown}, and no step has a patience (expected a way out, e.g. `otherwise: []`)"
            )


def _reachable(start: str, targets: dict[str, set[str]]) -> set[str]:
    """Every pathway reachable from `start` by goto, among those of `targets` (pathways to the
    pathways their patients may go to next)."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        for target in targets.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _loops(names: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """The cycles of a directed graph: its strongly connected components that hold an edge, each
    in the order of `names` (Tarjan's algorithm, iterative, linear in nodes and edges)."""
    order = {name: k for k, name in enumerate(names)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in names:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(sorted(component, key=order.__getitem__))
    return sorted(found, key=lambda loop: order[loop[0]])


def _dead_steps(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """No step after a goto in the same list: it would never run."""
    for loc, steps in where.lists:
        for i, step in enumerate(steps[:-1]):
            if isinstance(step, schema.GotoStep):
                yield loc + (i + 1,), (
                    f"step after `goto: {step.goto}` in the same list "
                    f"never runs: `goto` hands the patient to another pathway for good (expected the goto last in its list)"
                )
                break


def _step_names(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A step name labels one role with one verb, so reported waits do not mix resources."""
    labels: dict[str, tuple[str, str]] = {}
    for loc, step in where.steps:
        held = _held(step)
        if held is None or held[2] is None:
            continue
        verb, ref, name = held
        label = (verb, split_ref(ref)[1])
        first = labels.setdefault(name, label)
        if first != label:
            yield loc + ("name",), (
                f"step name '{name}' already labels `{' '.join(first)}`, here `{' '.join(label)}` "
                f"(expected one name per role and verb)"
            )


# --- cooperation rules and targets -------------------------------------------------------------


def _streams(scenario: schema.Scenario, loc: Loc, names: Iterable[str]) -> Iterator[Finding]:
    """Every name is an arrival stream."""
    known = [a.name for a in scenario.arrivals]
    for j, name in enumerate(names):
        if name not in known:
            yield loc + (j,), _unknown("arrival stream", name, known)


def _overflow(scenario: schema.Scenario, loc: Loc, rule: schema.OverflowRule) -> Iterator[Finding]:
    """Streams, sites and the role exist; every partner has the role and a transport time."""
    yield from _streams(scenario, loc + ("arrivals",), rule.arrivals or ())
    home = rule.from_ in scenario.sites
    if home:
        yield from _role_at(scenario, loc + ("resource",), rule.from_, rule.resource, "capacity")
    else:
        yield loc + ("from",), _unknown("site", rule.from_, scenario.sites)
    for j, partner in enumerate(rule.to):
        if partner not in scenario.sites:
            yield loc + ("to", j), _unknown("site", partner, scenario.sites)
            continue
        yield from _role_at(scenario, loc + ("to", j), partner, rule.resource, "capacity")
        if home and not _has_time(scenario, rule.from_, partner):
            yield loc + ("to", j), _no_time(rule.from_, partner)


def _route(scenario: schema.Scenario, loc: Loc, rule: schema.RouteRule) -> Iterator[Finding]:
    """Streams and sites exist; the compared role exists everywhere; `nearest` has distances; weights sensible."""
    yield from _streams(scenario, loc + ("arrivals",), rule.arrivals)
    homes = [a.at for a in scenario.arrivals if a.name in rule.arrivals and a.at in scenario.sites]
    for j, site in enumerate(rule.among):
        if site not in scenario.sites:
            yield loc + ("among", j), _unknown("site", site, scenario.sites)
            continue
        if rule.resource is not None:
            yield from _role_at(scenario, loc + ("resource",), site, rule.resource, "capacity")
        if rule.choose == "nearest":
            yield from ((loc + ("among", j), _no_time(home, site)) for home in dict.fromkeys(homes) if not _has_time(scenario, home, site))
    if isinstance(rule.choose, schema.Weights):
        weights = rule.choose.weights
        for site in weights:
            if site not in rule.among:
                message = f"site '{site}' is not among the route's sites (expected one of: {', '.join(rule.among)})"
                yield loc + ("choose", "weights", site), message if site in scenario.sites else _unknown("site", site, scenario.sites)
        if not any(weights.values()):
            yield loc + ("choose", "weights"), "the route weights are all 0 (expected at least one positive weight)"


def _share_staff(scenario: schema.Scenario, loc: Loc, rule: schema.ShareStaffRule) -> Iterator[Finding]:
    """Two different known sites that both have the role as a capacity."""
    for key, site in (("from", rule.from_), ("to", rule.to)):
        if site not in scenario.sites:
            yield loc + (key,), _unknown("site", site, scenario.sites)
        else:
            yield from _role_at(scenario, loc + ("resource",), site, rule.resource, "capacity")
    if rule.from_ == rule.to:
        yield loc + ("to",), f"site '{rule.to}' cannot lend staff to itself (expected two different sites)"


def _share_calendar(scenario: schema.Scenario, loc: Loc, rule: schema.ShareCalendarRule) -> Iterator[Finding]:
    """A SITE.ROLE calendar, known partners, a known quota attribute and shares summing to 1."""
    if split_ref(rule.calendar)[0] is None:
        yield loc + ("calendar",), f"'{rule.calendar}' does not name a site (expected SITE.ROLE, e.g. tourcoing.mri)"
    else:
        yield from _site_role(scenario, loc + ("calendar",), rule.calendar, "calendar")
    for j, partner in enumerate(rule.partners):
        if partner not in scenario.sites:
            yield loc + ("partners", j), _unknown("site", partner, scenario.sites)
    if rule.quotas is not None:
        attributes = _attributes(scenario)
        if rule.quotas.by not in attributes:
            yield loc + ("quotas", "by"), _unknown("attribute", rule.quotas.by, attributes)
        total = sum(rule.quotas.shares.values())
        if abs(total - 1) > TOLERANCE:
            yield loc + ("quotas", "shares"), f"the quota shares sum to {total:.10g} (expected 1)"


def _quota_groups(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Every stream that may book on a calendar with quotas has the quota attribute, and each of
    its values has a share (a patient outside every group would only get released slots)."""
    for i, rule in enumerate(scenario.cooperation):
        if not isinstance(rule, schema.ShareCalendar) or rule.share_calendar.quotas is None:
            continue
        shared, quotas = rule.share_calendar, rule.share_calendar.quotas
        home, role = split_ref(shared.calendar)
        bookers = set(shared.partners) | {home}
        covered = {schema.attribute_key(v) for v in quotas.shares}
        loc = ("cooperation", i, "share_calendar", "quotas", "shares")
        for step_loc, step in where.steps:
            if not isinstance(step, schema.BookStep) or split_ref(step.book)[1] != role:
                continue
            if not bookers & set(where.sites.get(step_loc, {})):
                continue
            for index in sorted(where.streams.get(step_loc, ())):
                arrival = scenario.arrivals[index]
                values = _values(arrival, quotas.by)
                if values is None:
                    yield loc, (f"stream '{arrival.name}' books on {shared.calendar} but has no attribute '{quotas.by}' "
                                f"(expected every stream that books on a calendar with quotas to have the quota attribute)")
                    continue
                missing = [v for v in values if schema.attribute_key(v) not in covered]
                if missing:
                    yield loc, (f"{quotas.by} = {', '.join(_show(v) for v in missing)} of stream '{arrival.name}' has no share "
                                f"of {shared.calendar} (expected a share for every value of the streams that book on it)")


def _rules(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The references and values of every cooperation rule."""
    for i, rule in enumerate(scenario.cooperation):
        if isinstance(rule, schema.Overflow):
            yield from _overflow(scenario, ("cooperation", i, "overflow"), rule.overflow)
        elif isinstance(rule, schema.Route):
            yield from _route(scenario, ("cooperation", i, "route"), rule.route)
        elif isinstance(rule, schema.ShareStaff):
            yield from _share_staff(scenario, ("cooperation", i, "share_staff"), rule.share_staff)
        else:
            yield from _share_calendar(scenario, ("cooperation", i, "share_calendar"), rule.share_calendar)


def _staff_sessions(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Sessions lending one role from one site never overlap nor lend more than is in force there."""
    groups: dict[tuple[str, str], list[tuple[Loc, schema.Window]]] = {}
    for i, rule in enumerate(scenario.cooperation):
        if isinstance(rule, schema.ShareStaff):
            staff = rule.share_staff
            for j, session in enumerate(staff.sessions):
                groups.setdefault((staff.resource, staff.from_), []).append((("cooperation", i, "share_staff", "sessions", j), session))
    for (role, lender), sessions in groups.items():
        intervals = [_week_intervals(s.days, s.from_, s.to) for _, s in sessions]
        for k, _, minute in _overlaps(intervals):
            yield sessions[k][0], (
                f"this session overlaps another session lending '{role}' from site '{lender}' at {_clock(minute)} "
                f"(expected the sessions of one role and site not to overlap)"
            )
        resource = scenario.sites[lender].resources.get(role) if lender in scenario.sites else None
        if isinstance(resource, schema.CapacityResource):
            in_force = _capacity_in_force(resource)
            for (loc, session), covered in zip(sessions, intervals):
                short = next((m for a, b in covered for m in range(a, b) if in_force[m] < session.capacity), None)
                if short is not None:
                    yield loc, (
                        f"the session lends {session.capacity} '{role}' but site '{lender}' has {in_force[short]} "
                        f"at {_clock(short)} (expected at most the capacity in force during the session)"
                    )


def _targets(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Wait targets name a use or book step; occupancy targets a role or SITE.ROLE; at most one
    target per wait and per resource (each is reported as one `within_target` statistic)."""
    names = [held[2] for _, step in where.steps if (held := _held(step)) and held[2]]
    roles = _roles(scenario)
    seen: list[tuple[int, str, str, str | None]] = []
    for k, target in enumerate(scenario.targets):
        if isinstance(target, schema.WaitTarget):
            kind, name, site = "wait", target.wait, None
            if target.wait not in names:
                yield ("targets", k, "wait"), _unknown("step name", target.wait, names)
        else:
            kind, (site, name) = "occupancy", split_ref(target.occupancy)
            if site is not None:
                yield from _site_role(scenario, ("targets", k, "occupancy"), target.occupancy, None)
            elif name not in roles:
                yield ("targets", k, "occupancy"), _unknown("role", name, roles)
        first = next((j for j, kind_, name_, site_ in seen
                      if (kind_, name_) == (kind, name) and (site is None or site_ is None or site == site_)), None)
        if first is not None:
            yield ("targets", k), (f"a second target for the {kind} of {target.wait if kind == 'wait' else target.occupancy} "
                                   f"(first: targets[{first}]; expected one target per wait and per resource)")
        seen.append((k, kind, name, site))


_CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _time_frame,
    _arrivals,
    _transport_keys,
    _schedules,
    _calendars,
    _step_references,
    _reached_roles,
    _transfer_times,
    _priorities,
    _branches,
    _goto_cycles,
    _dead_steps,
    _step_names,
    _rules,
    _quota_groups,
    _staff_sessions,
    _targets,
)
