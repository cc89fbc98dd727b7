"""A scenario's cooperation rules, sorted by where they act: capacity timelines (`share_staff`),
calendars (`share_calendar`), the moment a patient asks for a resource (`overflow`) and arrival
(`route`). Adding a rule means one module in this package, one schema class, and one case in
`Cooperation.of` (which refuses a rule it does not know)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.cooperation.calendar import SharedCalendar, shared_calendar
from sim.cooperation.overflow import OverflowPolicy
from sim.cooperation.route import RoutePolicy
from sim.cooperation.staff import Windows, session_deltas
from sim.cooperation.view import SiteView
from sim.scenario import schema


@dataclass
class Cooperation:
    """A scenario's rules, sorted by where they act."""

    capacity: Windows = field(default_factory=dict)
    calendars: list[SharedCalendar] = field(default_factory=list)
    overflows: list[schema.OverflowRule] = field(default_factory=list)
    routes: list[schema.RouteRule] = field(default_factory=list)

    @classmethod
    def of(cls, scenario: schema.Scenario) -> Cooperation:
        """Sort the rules of a scenario."""
        found = cls()
        for rule in scenario.cooperation:
            match rule:
                case schema.ShareStaff(share_staff=r):
                    for key, windows in session_deltas(r).items():
                        found.capacity.setdefault(key, []).extend(windows)
                case schema.ShareCalendar(share_calendar=r):
                    found.calendars.append(shared_calendar(r))
                case schema.Overflow(overflow=r):
                    found.overflows.append(r)
                case schema.Route(route=r):
                    found.routes.append(r)
                case _:
                    raise TypeError(f"no cooperation policy for the rule {rule!r}: add its module and a case here")
        return found

    def overflow_policies(self, view: SiteView, streams: list[str]) -> dict[tuple[int, str], list[OverflowPolicy]]:
        """Overflow policies by (home site, role)."""
        policies: dict[tuple[int, str], list[OverflowPolicy]] = {}
        for rule in self.overflows:
            policy = OverflowPolicy(rule, view, streams)
            policies.setdefault((policy.home, policy.role), []).append(policy)
        return policies

    def route_policies(self, view: SiteView, scenario: schema.Scenario) -> dict[int, RoutePolicy]:
        """The route policy of each stream a route rule concerns (the first rule naming it)."""
        policies: dict[int, RoutePolicy] = {}
        for rule in self.routes:
            for name in rule.arrivals:
                s = next(k for k, a in enumerate(scenario.arrivals) if a.name == name)
                policies.setdefault(s, RoutePolicy(rule, view, view.index[scenario.arrivals[s].at]))
        return policies
