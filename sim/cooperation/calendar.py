"""`share_calendar`: equipment shared between partners (the GIE MRI). Patients of the partner
sites book on the shared calendar, besides their own site's calendar of that role if any, and
take the earliest slot they are allowed. `quotas` reserve entries for each value of an
attribute; `release_unused` opens a reserved entry still free that long before its time to
everyone. The exam takes place at the calendar's site; the patient is back at its own site
afterwards. Out of its time in force, partners cannot book on it and its own site's patients
take any free slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.cooperation.switch import Switch
from sim.scenario import schema
from sim.scenario.walk import role_of


@dataclass(frozen=True)
class SharedCalendar:
    """A calendar shared by partner sites, with its quota groups."""

    key: str
    """The calendar, SITE.ROLE."""
    role: str
    partners: tuple[str, ...]
    attribute: str | None
    """The quota attribute, None without quotas."""
    groups: dict[tuple[object, object], int]
    """Quota group of each attribute value (by its attribute key)."""
    labels: list[object]
    """The attribute value of each quota group."""
    shares: list[float] | None
    release: float | None
    switch: Switch | None = None
    """With a time in force: out of force, partners cannot book on it and its own site's patients
    book any free slot, quotas aside."""


def shared_calendar(rule: schema.ShareCalendarRule, switch: Switch | None = None) -> SharedCalendar:
    """The sharing a rule describes."""
    role = role_of(rule.calendar)
    if rule.quotas is None:
        return SharedCalendar(rule.calendar, role, rule.partners, None, {}, [], None, None, switch)
    values = list(rule.quotas.shares)
    groups = {schema.attribute_key(v): k for k, v in enumerate(values)}
    shares = [float(rule.quotas.shares[v]) for v in values]
    return SharedCalendar(rule.calendar, role, rule.partners, rule.quotas.by, groups, values, shares, rule.release_unused, switch)
