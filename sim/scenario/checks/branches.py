"""Branch probabilities: the options that apply to each attribute profile of the streams that
reach a branch form a valid choice."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.scenario import schema
from sim.scenario.checks.attributes import matches, profiles, show, tested_values
from sim.scenario.checks.common import TOLERANCE, Finding
from sim.scenario.reach import Reach

MAX_PROFILES = 10_000
"""Attribute-value combinations checked per branch at most (beyond, the rest is not checked)."""


def _profile_problem(step: schema.BranchStep, profile: dict[str, Any], who: str = "{who}") -> str | None:
    """What is wrong with the options that apply to one attribute profile, if anything (saying
    `who` they are: a template `{who}` unless given)."""
    options = [o for o in step.branch if isinstance(o, schema.BranchOption) and matches(o.when, profile)]
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


def _branch_problem(scenario: schema.Scenario, step: schema.BranchStep, streams: Iterable[int]) -> str | None:
    """The first attribute profile, over the given streams, whose options are not a valid choice."""
    tested = tested_values([step])
    candidates = ((scenario.arrivals[index].name, profile) for index in sorted(streams)
                for profile in profiles(scenario.arrivals[index], tested))
    for stream, profile in itertools.islice(candidates, MAX_PROFILES):
        if _profile_problem(step, profile):
            described = ", ".join(f"{name}={show(value)}" for name, value in profile.items())
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


CHECKS: tuple[Callable[[schema.Scenario, Reach], Iterator[Finding]], ...] = (
    _branches,
)
"""The checks of this section, in the order they run."""
