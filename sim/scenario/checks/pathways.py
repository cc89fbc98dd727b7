"""Checks of pathways: no loop of gotos in which no time passes or that some patients can never
leave, no step after a goto, one name per role and verb."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from sim.scenario import schema
from sim.scenario.checks.attributes import Undefined, matches, profiles, show, tested_values
from sim.scenario.checks.common import TOLERANCE, Finding, held_resource
from sim.scenario.reach import Reach
from sim.scenario.walk import Loc, goto_targets, nested, split_ref


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
    sure = [o for o in options if o not in unsure and matches(o.when, profile)]
    taken = [o.steps for o in sure + unsure if o.p is None or o.p > 0]
    total = sum(1.0 if o.p is None else o.p for o in sure)
    if isinstance(step.branch[-1], schema.OtherwiseOption) and (unsure or total < 1 - TOLERANCE):
        taken.append(step.branch[-1].otherwise)
    return taken


def _bodies(step: schema.Step, profile: dict[str, Any]) -> list[tuple[schema.Step, ...]]:
    """The step lists inside a step that patients with these attribute values may run."""
    if isinstance(step, schema.BranchStep):
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


def _goto_targets(steps: tuple[schema.Step, ...], profile: dict[str, Any]) -> set[str]:
    """Pathways a list of steps may continue with, for patients with these attribute values."""
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
    tested = tested_values(step for loc, step in where.steps if loc[1] in looping)
    candidates = ((k, profile) for k, arrival in enumerate(scenario.arrivals) for profile in profiles(arrival, tested))
    return itertools.islice(candidates, MAX_LOOP_PROFILES)


def _closed_loops(scenario: schema.Scenario, where: Reach) -> Iterator[Finding]:
    """A loop of pathways that some patients can never leave (every way they may take through it
    ends in a goto back into it, and no step has a patience), reported once, at its first
    pathway in file order, for the first stream and attribute values that are caught in it."""
    everyone = {name: sorted(t for t in goto_targets(steps) if t in scenario.pathways) for name, steps in scenario.pathways.items()}
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
            described = ", ".join(f"{name}={show(value)}" for name, value in profile.items() if not isinstance(value, Undefined))
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
        held = held_resource(step)
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


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _goto_cycles,
    _dead_steps,
    _step_names,
)
"""The checks of this section, in the order they run."""
