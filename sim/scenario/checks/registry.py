"""Every check of a whole scenario, section by section, and the doubts that are only warnings."""

from __future__ import annotations

from sim.scenario import schema
from sim.scenario.checks import branches, cooperation, dated, pathways, run, steps
from sim.scenario.checks.common import Finding
from sim.scenario.checks.sizes import check_sizes
from sim.scenario.reach import reach

SECTIONS = (run, dated, steps, branches, pathways, cooperation)
"""The sections of the checks, in the order they run."""


def check_scenario(scenario: schema.Scenario) -> list[Finding]:
    """Every problem of a scenario that is valid field by field but wrong as a whole (its sizes
    first: beyond a bound, nothing else is checked)."""
    too_big = check_sizes(scenario)
    if too_big:
        return too_big
    where = reach(scenario)
    return [finding for section in SECTIONS for check in section.CHECKS for finding in check(scenario, where)]


def doubts(scenario: schema.Scenario) -> list[Finding]:
    """What a valid scenario runs, but probably not as meant: warnings, not errors (a resource
    nothing uses is told by `steps.unused_resources`, since another variant may use it)."""
    return list(steps.untaken_values(scenario, reach(scenario)))
