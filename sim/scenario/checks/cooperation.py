"""Checks of cooperation rules and targets: what they name exists, of the right kind, with
transport times where patients move; quotas cover every stream that books; sessions neither
overlap nor lend more than is in force; one target per wait and per resource."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.scenario import dated, schema
from sim.scenario.checks import dated as dated_checks
from sim.scenario.checks.attributes import show, values_of
from sim.scenario.checks.common import (
    TOLERANCE,
    Finding,
    attributes_of,
    capacity_in_force,
    clock,
    has_time,
    held_resource,
    no_time,
    overlaps,
    role_at,
    roles_of,
    site_role,
    unknown,
    week_intervals,
)
from sim.scenario.reach import Reach
from sim.scenario.walk import Loc, split_ref


def _streams(scenario: schema.Scenario, loc: Loc, names: Iterable[str]) -> Iterator[Finding]:
    """Every name is an arrival stream."""
    known = [a.name for a in scenario.arrivals]
    for j, name in enumerate(names):
        if name not in known:
            yield loc + (j,), unknown("arrival stream", name, known)


def _overflow(scenario: schema.Scenario, loc: Loc, rule: schema.OverflowRule) -> Iterator[Finding]:
    """Streams, sites and the role exist; every partner has the role and a transport time."""
    yield from _streams(scenario, loc + ("arrivals",), rule.arrivals or ())
    home = rule.from_ in scenario.sites
    if home:
        yield from role_at(scenario, loc + ("resource",), rule.from_, rule.resource, "capacity")
    else:
        yield loc + ("from",), unknown("site", rule.from_, scenario.sites)
    for j, partner in enumerate(rule.to):
        if partner not in scenario.sites:
            yield loc + ("to", j), unknown("site", partner, scenario.sites)
            continue
        yield from role_at(scenario, loc + ("to", j), partner, rule.resource, "capacity")
        if home and not has_time(scenario, rule.from_, partner):
            yield loc + ("to", j), no_time(rule.from_, partner)


def _route(scenario: schema.Scenario, loc: Loc, rule: schema.RouteRule) -> Iterator[Finding]:
    """Streams and sites exist; the compared role exists everywhere; `nearest` has distances; weights sensible."""
    yield from _streams(scenario, loc + ("arrivals",), rule.arrivals)
    homes = [a.at for a in scenario.arrivals if a.name in rule.arrivals and a.at in scenario.sites]
    for j, site in enumerate(rule.among):
        if site not in scenario.sites:
            yield loc + ("among", j), unknown("site", site, scenario.sites)
            continue
        if rule.resource is not None:
            yield from role_at(scenario, loc + ("resource",), site, rule.resource, "capacity")
        if rule.choose == "nearest":
            yield from ((loc + ("among", j), no_time(home, site)) for home in dict.fromkeys(homes) if not has_time(scenario, home, site))
    if isinstance(rule.choose, schema.Weights):
        weights = rule.choose.weights
        for site in weights:
            if site not in rule.among:
                message = f"site '{site}' is not among the route's sites (expected one of: {', '.join(rule.among)})"
                yield loc + ("choose", "weights", site), message if site in scenario.sites else unknown("site", site, scenario.sites)
        if not any(weights.values()):
            yield loc + ("choose", "weights"), "the route weights are all 0 (expected at least one positive weight)"


def _share_staff(scenario: schema.Scenario, loc: Loc, rule: schema.ShareStaffRule) -> Iterator[Finding]:
    """Two different known sites that both have the role as a capacity."""
    for key, site in (("from", rule.from_), ("to", rule.to)):
        if site not in scenario.sites:
            yield loc + (key,), unknown("site", site, scenario.sites)
        else:
            yield from role_at(scenario, loc + ("resource",), site, rule.resource, "capacity")
    if rule.from_ == rule.to:
        yield loc + ("to",), f"site '{rule.to}' cannot lend staff to itself (expected two different sites)"


def _share_calendar(scenario: schema.Scenario, loc: Loc, rule: schema.ShareCalendarRule) -> Iterator[Finding]:
    """A SITE.ROLE calendar, known partners, a known quota attribute and shares summing to 1."""
    if split_ref(rule.calendar)[0] is None:
        yield loc + ("calendar",), f"'{rule.calendar}' does not name a site (expected SITE.ROLE, e.g. tourcoing.mri)"
    else:
        yield from site_role(scenario, loc + ("calendar",), rule.calendar, "calendar")
    for j, partner in enumerate(rule.partners):
        if partner not in scenario.sites:
            yield loc + ("partners", j), unknown("site", partner, scenario.sites)
    if rule.quotas is not None:
        attributes = attributes_of(scenario)
        if rule.quotas.by not in attributes:
            yield loc + ("quotas", "by"), unknown("attribute", rule.quotas.by, attributes)
        total = sum(rule.quotas.shares.values())
        if abs(total - 1) > TOLERANCE:
            yield loc + ("quotas", "shares"), f"the quota shares sum to {total:.10g} (expected 1)"


_RULE_CHECKS: dict[str, Callable[[schema.Scenario, Loc, Any], Iterator[Finding]]] = {
    "overflow": _overflow,
    "route": _route,
    "share_staff": _share_staff,
    "share_calendar": _share_calendar,
}
"""The checks of each kind of rule, by its key in the scenario language."""


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
                values = values_of(arrival, quotas.by)
                if values is None:
                    yield loc, (f"stream '{arrival.name}' books on {shared.calendar} but has no attribute '{quotas.by}' "
                                f"(expected every stream that books on a calendar with quotas to have the quota attribute)")
                    continue
                missing = [v for v in values if schema.attribute_key(v) not in covered]
                if missing:
                    yield loc, (f"{quotas.by} = {', '.join(show(v) for v in missing)} of stream '{arrival.name}' has no share "
                                f"of {shared.calendar} (expected a share for every value of the streams that book on it)")


def _rules(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """The references and values of every cooperation rule."""
    for i, rule in enumerate(scenario.cooperation):
        kind = schema.rule_kind(rule)
        check = _RULE_CHECKS.get(kind)
        if check is None:
            raise TypeError(f"no checks for the cooperation rule `{kind}`: add them to _RULE_CHECKS")
        yield from check(scenario, ("cooperation", i, kind), getattr(rule, kind))


def _staff_sessions(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Sessions lending one role from one site never overlap nor lend more than is in force there,
    in any regime of the lender's dated changes while the rule is in force."""
    groups: dict[tuple[str, str], list[tuple[Loc, schema.Window, list[tuple[float, float]] | None]]] = {}
    readable = dated_checks.readable(scenario)
    for i, rule in enumerate(scenario.cooperation):
        if isinstance(rule, schema.ShareStaff):
            staff = rule.share_staff
            periods = dated.rule_periods(scenario, staff) if readable else None
            for j, session in enumerate(staff.sessions):
                groups.setdefault((staff.resource, staff.from_), []).append((("cooperation", i, "share_staff", "sessions", j), session, periods))
    for (role, lender), sessions in groups.items():
        intervals = [week_intervals(s.days, s.from_, s.to) for _, s, _ in sessions]
        for k, _, minute in overlaps(intervals):
            yield sessions[k][0], (
                f"this session overlaps another session lending '{role}' from site '{lender}' at {clock(minute)} "
                f"(expected the sessions of one role and site not to overlap)"
            )
        resource = scenario.sites[lender].resources.get(role) if lender in scenario.sites else None
        if not isinstance(resource, schema.CapacityResource):
            continue
        regimes = dated.capacity_regimes(scenario, resource) if readable else [dated.Regime(0.0, math.inf, resource, None)]
        for (loc, session, periods), covered in zip(sessions, intervals):
            for regime in regimes:
                if periods is not None and not any(max(a, regime.start) < min(b, regime.end) for a, b in periods):
                    continue
                in_force = capacity_in_force(regime.capacity)
                short = next((m for a, b in covered for m in range(a, b) if in_force[m] < session.capacity), None)
                if short is not None:
                    when = "" if len(regimes) == 1 else f" from {dated_checks.place(scenario, regime.start)}"
                    yield loc, (
                        f"the session lends {session.capacity} '{role}' but site '{lender}' has {in_force[short]} "
                        f"at {clock(short)}{when} (expected at most the capacity in force during the session)"
                    )
                    break


def _targets(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """Wait targets name a use or book step; occupancy targets a role or SITE.ROLE; at most one
    target per wait and per resource (each is reported as one `within_target` statistic)."""
    names = [held[2] for _, step in where.steps if (held := held_resource(step)) and held[2]]
    roles = roles_of(scenario)
    seen: list[tuple[int, str, str, str | None]] = []
    for k, target in enumerate(scenario.targets):
        if isinstance(target, schema.WaitTarget):
            kind, name, site = "wait", target.wait, None
            if target.wait not in names:
                yield ("targets", k, "wait"), unknown("step name", target.wait, names)
        else:
            kind, (site, name) = "occupancy", split_ref(target.occupancy)
            if site is not None:
                yield from site_role(scenario, ("targets", k, "occupancy"), target.occupancy, None)
            elif name not in roles:
                yield ("targets", k, "occupancy"), unknown("role", name, roles)
        first = next((j for j, kind_, name_, site_ in seen
                      if (kind_, name_) == (kind, name) and (site is None or site_ is None or site == site_)), None)
        if first is not None:
            yield ("targets", k), (f"a second target for the {kind} of {target.wait if kind == 'wait' else target.occupancy} "
                                   f"(first: targets[{first}]; expected one target per wait and per resource)")
        seen.append((k, kind, name, site))


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _rules,
    _quota_groups,
    _staff_sessions,
    _targets,
)
"""The checks of this section, in the order they run."""
