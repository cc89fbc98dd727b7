"""Checks of steps: the roles, pathways, sites and attributes they name exist, of the right
kind, at every site where patients may run them; priorities are numeric. Also the doubts about
steps: values no stream takes, and resources nothing uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sim.scenario import schema
from sim.scenario.checks.attributes import same_value, show, values_of, values_taken
from sim.scenario.checks.common import (
    KIND,
    Finding,
    attributes_of,
    has_time,
    held_resource,
    kind_problem,
    no_time,
    role_at,
    roles_of,
    site_role,
    unknown,
)
from sim.scenario.reach import Reach, reach
from sim.scenario.walk import OPTION_LISTS, Loc, nested, split_ref, walk


def _step_references(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Roles, pathways, sites and attributes that steps name exist somewhere."""
    roles, attributes, taken = roles_of(scenario), attributes_of(scenario), values_taken(scenario)
    for loc, step in where.steps:
        held = held_resource(step)
        if held is not None:
            verb, ref, _ = held
            site, role = split_ref(ref)
            if site is not None:
                yield from site_role(scenario, loc + (verb,), ref, KIND[verb])
            elif role not in roles:
                yield loc + (verb,), unknown("role", role, roles)
        elif isinstance(step, schema.GotoStep) and step.goto not in scenario.pathways:
            yield loc + ("goto",), unknown("pathway", step.goto, scenario.pathways)
        elif isinstance(step, schema.TransferStep) and step.transfer not in scenario.sites:
            yield loc + ("transfer",), unknown("site", step.transfer, scenario.sites)
        elif isinstance(step, schema.BranchStep):
            for k, option in enumerate(step.branch):
                when = option.when if isinstance(option, schema.BranchOption) else None
                for name, wanted in (when or {}).items():
                    if name not in attributes:
                        yield loc + ("branch", k, "when", name), unknown("attribute", name, attributes)
                    elif problem := _wrong_type(taken.get(name, []), name, wanted):
                        yield loc + ("branch", k, "when", name), problem


def _type_name(value: Any) -> str:
    """What kind of YAML value an attribute value is: text, a number or a boolean."""
    return "a boolean" if isinstance(value, bool) else "text" if isinstance(value, str) else "a number"


def _wrong_type(taken: list[Any], name: str, wanted: Any) -> str | None:
    """The problem of a `when` value of another type than every value the attribute takes
    (`taken`): `{acuity: "1"}` where acuity is a number would never match."""
    kinds = {_type_name(v) for v in taken}
    for value in wanted if isinstance(wanted, tuple) else (wanted,):
        if taken and _type_name(value) not in kinds:
            shown = ", ".join(show(v) for v in taken)
            spelled = f"'{value}'" if isinstance(value, str) else show(value)
            return (f"{spelled} is {_type_name(value)} but attribute '{name}' takes {' or '.join(sorted(kinds))} ({shown}): "
                    f"this condition would never match (expected a value of the same kind, e.g. without quotes)")
    return None


def untaken_values(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A `when` value that no stream gives its attribute: the option never applies to it."""
    values = values_taken(scenario)
    for loc, step in where.steps:
        if not isinstance(step, schema.BranchStep):
            continue
        for k, option in enumerate(step.branch):
            for name, wanted in (option.when or {}).items() if isinstance(option, schema.BranchOption) else ():
                taken = values.get(name, [])
                missing = [v for v in (wanted if isinstance(wanted, tuple) else (wanted,)) if not any(same_value(t, v) for t in taken)]
                if taken and missing:
                    yield loc + ("branch", k, "when", name), (
                        f"no stream gives attribute '{name}' the value {', '.join(show(v) for v in missing)} "
                        f"(its values: {', '.join(show(v) for v in taken)}): that part of the condition never matches"
                    )


def unused_resources(scenario: schema.Scenario) -> list[tuple[str, str]]:
    """(site, role) of each resource that no step of any pathway can use or book where it is."""
    where = reach(scenario)
    used: set[tuple[str, str]] = set()
    for loc, step in where.steps:
        held = held_resource(step)
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
    roles, shared = set(roles_of(scenario)), _shared_calendars(scenario)
    for loc, step in where.steps:
        held = held_resource(step)
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
            elif problem := kind_problem(site, role, resource, KIND[verb]):
                yield loc + (verb,), problem


def _transfer_times(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A transfer needs a transport time from every site it may start from."""
    for loc, step in where.steps:
        if isinstance(step, schema.TransferStep) and step.transfer in scenario.sites:
            for site in where.sites.get(loc, {}):
                if not has_time(scenario, site, step.transfer):
                    yield loc + ("transfer",), no_time(site, step.transfer)


def _priorities(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A priority attribute exists and is numeric in every stream that reaches its step."""
    attributes = attributes_of(scenario)
    for loc, step in where.steps:
        if not isinstance(step, schema.UseStep) or not isinstance(step.priority, str):
            continue
        name = step.priority
        if name not in attributes:
            yield loc + ("priority",), unknown("attribute", name, attributes)
            continue
        for index in sorted(where.streams.get(loc, ())):
            arrival = scenario.arrivals[index]
            values = values_of(arrival, name)
            if values is None:
                yield loc + ("priority",), (
                    f"priority attribute '{name}' is not defined for stream '{arrival.name}', which reaches this step "
                    f"(expected a numeric attribute of every stream that reaches it)"
                )
            elif not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                shown = ", ".join(show(v) for v in values)
                yield loc + ("priority",), (
                    f"priority attribute '{name}' of stream '{arrival.name}' is not numeric "
                    f"(values: {shown}; expected numbers, the smallest served first)"
                )


def _contains_use(step: schema.Step, scenario: schema.Scenario, seen: set[str]) -> bool:
    """Whether a `use` step may run within this step (nested steps, a goto's pathway)."""
    if isinstance(step, schema.UseStep):
        return True
    if isinstance(step, schema.GotoStep):
        if step.goto in seen or step.goto not in scenario.pathways:
            return False
        seen.add(step.goto)
        return any(_contains_use(s, scenario, seen) for s in scenario.pathways[step.goto])
    return any(_contains_use(s, scenario, seen) for _, body in nested((), step) for s in body)


def _use_after(loc: Loc, lists: dict[Loc, tuple[schema.Step, ...]], scenario: schema.Scenario) -> bool:
    """Whether a `use` step may come after the step at `loc`: later in its list, after the lists
    that contain it, or in a pathway a goto leads to."""
    list_loc, index = loc[:-1], loc[-1]
    if any(_contains_use(step, scenario, set()) for step in lists[list_loc][index + 1:]):
        return True
    if any(isinstance(step, schema.GotoStep) for step in lists[list_loc][index + 1:]):
        return False
    parent = list_loc[:-1] if list_loc[-1] == "during" else list_loc[:-3] if list_loc[-1] in OPTION_LISTS else None
    return parent is not None and _use_after(parent, lists, scenario)


def _keeps(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A unit kept after care needs a later `use` to end the keep; a transfer that reserves a unit
    is followed by the `use` that takes it, and the destination has that role."""
    lists = dict(where.lists)
    for loc, step in where.steps:
        if isinstance(step, schema.UseStep) and step.keep is not None:
            if not _use_after(loc, lists, scenario):
                yield loc + ("keep",), (f"no `use` step can come after this one, so nothing would end the keep of '{step.use}' "
                                        f"(expected a later `use`, e.g. the ward bed the patient boards for)")
            if step.during is not None and any(isinstance(inner, schema.UseStep) and inner.keep for _, inner in walk((), step.during)):
                yield loc + ("keep",), ("a step inside the `during` of a unit that is kept keeps its own unit too "
                                        "(expected one kept unit at a time: keep the outer unit or the inner one)")
        if isinstance(step, schema.TransferStep) and step.reserve is not None:
            following = lists[loc[:-1]][loc[-1] + 1:loc[-1] + 2]
            if not following or not isinstance(following[0], schema.UseStep) or following[0].use != step.reserve:
                yield loc + ("reserve",), (f"the step after a transfer that reserves '{step.reserve}' must be `use: {step.reserve}` "
                                           f"(it takes the reserved unit on arrival)")
            elif step.transfer in scenario.sites:
                yield from role_at(scenario, loc + ("reserve",), step.transfer, step.reserve, "capacity")


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _step_references,
    _reached_roles,
    _transfer_times,
    _priorities,
    _keeps,
)
"""The checks of this section, in the order they run."""
