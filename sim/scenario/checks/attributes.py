"""Attribute values as the engine compares them (true is not 1, 1 is 1.0, a word is only itself),
and the profiles of patients that the conditions of branches can tell apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from sim.scenario import schema


def values_of(arrival: schema.Arrival, name: str) -> list[Any] | None:
    """The values attribute `name` takes in a stream, or None when the stream does not define it."""
    attribute = arrival.attributes.get(name)
    if attribute is None:
        return None
    return list(attribute) if isinstance(attribute, dict) else [attribute]


def values_taken(scenario: schema.Scenario) -> dict[str, list[Any]]:
    """Every value each attribute takes in some stream, in file order."""
    found: dict[str, dict[Any, Any]] = {}
    for arrival in scenario.arrivals:
        for name in arrival.attributes:
            for value in values_of(arrival, name) or []:
                found.setdefault(name, {}).setdefault(schema.attribute_key(value), value)
    return {name: list(values.values()) for name, values in found.items()}


class Undefined:
    """The value of an attribute a stream does not define: it matches no `when`."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


def show(value: Any) -> str:
    """An attribute value as the scenario file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, Undefined) else str(value)


def value_key(value: Any) -> Any:
    """What attribute equality compares, as the engine applies it; an undefined value has none."""
    return None if isinstance(value, Undefined) else schema.attribute_key(value)


def same_value(value: Any, wanted: Any) -> bool:
    """Attribute equality as the engine applies it; an undefined value matches nothing."""
    return value_key(value) is not None and value_key(value) == value_key(wanted)


def accepted_keys(wanted: Any) -> set[Any]:
    """The keys a `when` value (or list of values) accepts."""
    return {schema.attribute_key(w) for w in (wanted if isinstance(wanted, tuple) else (wanted,))}


def matches(when: dict[str, Any] | None, profile: dict[str, Any]) -> bool:
    """Whether a patient with these attribute values matches a `when` (no `when` matches all)."""
    if when is None:
        return True
    return all(value_key(profile[name]) in accepted_keys(wanted) for name, wanted in when.items())


def tested_values(steps: Iterable[schema.Step]) -> dict[str, list[Any]]:
    """Every value list that a `when` of these branches tests, by attribute."""
    tested: dict[str, list[Any]] = {}
    for step in steps:
        if isinstance(step, schema.BranchStep):
            for option in step.branch:
                for name, wanted in (option.when or {}).items() if isinstance(option, schema.BranchOption) else ():
                    tested.setdefault(name, []).append(wanted)
    return tested


def profiles(arrival: schema.Arrival, tested: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """The attribute profiles of a stream that the tested conditions can tell apart: values that
    every condition treats alike form one class, shown by its first value (so ten acuity levels
    tested only as [1, 2] make two profiles, not ten)."""
    classes = []
    for name, conditions in tested.items():
        conditions = [c if isinstance(c, tuple) else (c,) for c in conditions]
        kept: dict[tuple[bool, ...], Any] = {}
        accepted = [accepted_keys(wanted) for wanted in conditions]
        for value in values_of(arrival, name) or [UNDEFINED]:
            kept.setdefault(tuple(value_key(value) in keys for keys in accepted), value)
        classes.append(list(kept.values()))
    names = list(tested)
    return (dict(zip(names, combo)) for combo in itertools.product(*classes))
