"""The step tree of a scenario, walked in one place: what lies inside a step, where each step is,
and the name that identifies it.

A step's *location* is the path of YAML keys and indices that leads to it, e.g.
``('pathways', 'ed_visit', 0, 'during', 1)``; the checks turn it into a line of the file. Its
*key* is the same path written ``ed_visit/0/during/1`` (a branch option's steps are
``.../branch/2/...``): the engine names the random streams of the step's quantities after it,
so the checks, the compiler and the draws all identify a step the same way, and a patience or a
lead can never be dropped by two walkers that disagree. Every traversal here derives from
`nested`, the one definition of what a step contains.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from sim.scenario import schema

Loc = tuple[Any, ...]
"""A path of YAML keys and indices, e.g. ('pathways', 'ed_visit', 0, 'during', 1)."""

OPTION_LISTS = ("steps", "otherwise")
"""The keys of a branch option's step list: part of a location, not of a step's key."""


def nested(loc: Loc, step: schema.Step) -> Iterator[tuple[Loc, tuple[schema.Step, ...]]]:
    """The step lists directly inside a step, with their locations: a `use`'s `during`, each
    branch option's steps (in the order of the options)."""
    if isinstance(step, schema.UseStep) and step.during is not None:
        yield loc + ("during",), step.during
    elif isinstance(step, schema.BranchStep):
        for k, option in enumerate(step.branch):
            if isinstance(option, schema.OtherwiseOption):
                yield loc + ("branch", k, "otherwise"), option.otherwise
            else:
                yield loc + ("branch", k, "steps"), option.steps


def walk(loc: Loc, steps: tuple[schema.Step, ...]) -> Iterator[tuple[Loc, schema.Step]]:
    """Every step of a list and of the lists inside its steps, depth first, each step before
    the steps it contains."""
    for i, step in enumerate(steps):
        here = loc + (i,)
        yield here, step
        for inner_loc, inner in nested(here, step):
            yield from walk(inner_loc, inner)


def step_lists(scenario: schema.Scenario) -> Iterator[tuple[Loc, tuple[schema.Step, ...]]]:
    """Every list of steps of every pathway, nested lists included, outermost first."""
    pending = deque((("pathways", name), steps) for name, steps in scenario.pathways.items())
    while pending:
        loc, steps = pending.popleft()
        yield loc, steps
        for i, step in enumerate(steps):
            pending.extend(nested(loc + (i,), step))


def iter_steps(scenario: schema.Scenario) -> Iterator[tuple[Loc, schema.Step]]:
    """Every step of every pathway with its location, nested steps included."""
    for loc, steps in step_lists(scenario):
        for i, step in enumerate(steps):
            yield loc + (i,), step


def step_key(loc: Loc) -> str:
    """The name of the step at a location, ``ed_visit/0/during/1``, as its random streams bear it."""
    assert loc[0] == "pathways", loc
    return "/".join(str(part) for part in loc[1:] if part not in OPTION_LISTS)


def split_ref(ref: str) -> tuple[str | None, str]:
    """(site, role) of a role reference: ``mri`` gives (None, 'mri'), ``a.mri`` gives ('a', 'mri')."""
    site, _, role = ref.rpartition(".")
    return (site or None), role


def role_of(ref: str) -> str:
    """The role of a role reference, with or without its site."""
    return split_ref(ref)[1]


def goto_targets(steps: tuple[schema.Step, ...]) -> set[str]:
    """Pathways a list of steps may continue with (through any option of any branch)."""
    return {step.goto for _, step in walk((), steps) if isinstance(step, schema.GotoStep)}
