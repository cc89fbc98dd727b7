"""A scenario's cooperation rules, sorted by where they act: capacity timelines (`share_staff`),
calendars (`share_calendar`), the moment a patient asks for a resource (`overflow`) and arrival
(`route`). A rule with a time in force gets a `Switch` that the engine moves; a staff-sharing
rule with one lends its sessions through the switch instead of the static timelines. Adding a
rule means one module in this package, one schema class, and one case in `Cooperation.of`
(which refuses a rule it does not know)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.cooperation.calendar import SharedCalendar, shared_calendar
from sim.cooperation.overflow import OverflowPolicy
from sim.cooperation.route import RoutePolicy
from sim.cooperation.staff import Windows, session_deltas
from sim.cooperation.switch import Switch, rule_label
from sim.cooperation.view import SiteView
from sim.scenario import schema


@dataclass
class Cooperation:
    """A scenario's rules, sorted by where they act."""

    capacity: Windows = field(default_factory=dict)
    """Static session windows of the staff-sharing rules in force all the time."""
    calendars: list[SharedCalendar] = field(default_factory=list)
    overflows: list[tuple[schema.OverflowRule, Switch | None]] = field(default_factory=list)
    routes: list[tuple[schema.RouteRule, Switch | None]] = field(default_factory=list)
    lendings: list[tuple[schema.ShareStaffRule, Switch]] = field(default_factory=list)
    """Staff-sharing rules with a time in force: their sessions lend only while in force."""
    switches: list[tuple[int, schema.RuleCommon, Switch]] = field(default_factory=list)
    """(index in the list, rule, switch) of every rule with a time in force."""

    @classmethod
    def of(cls, scenario: schema.Scenario) -> Cooperation:
        """Sort the rules of a scenario."""
        found = cls()
        for index, rule in enumerate(scenario.cooperation):
            if schema.rule_kind(rule) not in schema.RULE_KINDS:
                raise TypeError(f"no cooperation policy for the rule {rule!r}: add its module and a case here")
            body = schema.rule_body(rule)
            switch = None
            if body.in_force is not None:
                switch = Switch(rule_label(index, body))
                found.switches.append((index, body, switch))
            match rule:
                case schema.ShareStaff(share_staff=r) if switch is not None:
                    found.lendings.append((r, switch))
                case schema.ShareStaff(share_staff=r):
                    for key, windows in session_deltas(r).items():
                        found.capacity.setdefault(key, []).extend(windows)
                case schema.ShareCalendar(share_calendar=r):
                    found.calendars.append(shared_calendar(r, switch))
                case schema.Overflow(overflow=r):
                    found.overflows.append((r, switch))
                case schema.Route(route=r):
                    found.routes.append((r, switch))
        return found

    def overflow_policies(self, view: SiteView, streams: list[str]) -> dict[tuple[int, str], list[OverflowPolicy]]:
        """Overflow policies by (home site, role)."""
        policies: dict[tuple[int, str], list[OverflowPolicy]] = {}
        for rule, switch in self.overflows:
            policy = OverflowPolicy(rule, view, streams, switch)
            policies.setdefault((policy.home, policy.role), []).append(policy)
        return policies

    def route_policies(self, view: SiteView, scenario: schema.Scenario) -> dict[int, RoutePolicy]:
        """The route policy of each stream a route rule concerns (the first rule naming it)."""
        policies: dict[int, RoutePolicy] = {}
        for rule, switch in self.routes:
            for name in rule.arrivals:
                s = next(k for k, a in enumerate(scenario.arrivals) if a.name == name)
                policies.setdefault(s, RoutePolicy(rule, view, view.index[scenario.arrivals[s].at], switch))
        return policies
