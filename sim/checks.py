"""Checks that need the whole scenario: references between sites, roles, pathways and rules.

Each check yields (location, message): the location is a path of keys and indices in the
scenario file (YAML spellings, e.g. `from` not `from_`), so the loader can give its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sim import schema

Finding = tuple[tuple[Any, ...], str]


def check_scenario(scenario: schema.Scenario) -> list[Finding]:
    """Every cross-reference problem of a scenario that is valid field by field."""
    return list(_arrival_references(scenario))


def _arrival_references(scenario: schema.Scenario) -> Iterator[Finding]:
    for k, arrival in enumerate(scenario.arrivals):
        if arrival.at not in scenario.sites:
            yield ("arrivals", k, "at"), f"unknown site '{arrival.at}' (sites: {', '.join(scenario.sites)})"
        if arrival.pathway not in scenario.pathways:
            yield ("arrivals", k, "pathway"), f"unknown pathway '{arrival.pathway}' (pathways: {', '.join(scenario.pathways)})"
