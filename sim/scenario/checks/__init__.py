"""Checks that need the whole scenario, in six sections: the run, arrivals, transport, schedules
and calendars (`run`); dated changes, rule periods and switches, rule names (`dated`); steps
(`steps`); branch probabilities (`branches`); gotos and step names
(`pathways`); cooperation rules and targets (`cooperation`); and the size bounds (`sizes`)."""

from sim.scenario.checks.common import Finding
from sim.scenario.checks.registry import check_scenario, doubts
from sim.scenario.checks.steps import unused_resources

__all__ = ["Finding", "check_scenario", "doubts", "unused_resources"]
