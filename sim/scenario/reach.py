"""Where patients can be: the sites at which each step of a pathway may run, per arrival stream.

A stream starts at its `at` site and at every site of a `route` rule that lists it, then the
walk follows `transfer` steps, `goto` into other pathways and `overflow` rules. Pathways
entered by `goto` are queued rather than followed recursively, and each (pathway, site) is
walked once, so goto cycles terminate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario import schema
from sim.scenario.walk import Loc, nested, split_ref, step_lists

_HOW = {
    "arrive": "where patients of stream '{stream}' arrive",
    "route": "which patients of stream '{stream}' reach through a route rule",
    "transfer": "which patients of stream '{stream}' reach through a transfer",
    "overflow": "which patients of stream '{stream}' reach through overflow",
}


@dataclass(frozen=True)
class Visit:
    """The first stream seen at a site for a step, and how that stream got to the site."""

    stream: str
    how: str

    def clause(self) -> str:
        """A relative clause for messages: "which patients of stream 'covid' reach through overflow"."""
        return _HOW[self.how].format(stream=self.stream)


@dataclass
class Reach:
    """For each step (by location): the sites where it may run and the streams that run it; and
    every step and step list of the scenario, walked once for all the checks."""

    sites: dict[Loc, dict[str, Visit]] = field(default_factory=dict)
    streams: dict[Loc, set[int]] = field(default_factory=dict)
    lists: list[tuple[Loc, tuple[schema.Step, ...]]] = field(default_factory=list)
    """Every step list, outermost first (see `step_lists`)."""
    steps: list[tuple[Loc, schema.Step]] = field(default_factory=list)
    """Every step with its location (see `iter_steps`)."""


def reach(scenario: schema.Scenario) -> Reach:
    """Where every step may run, for every arrival stream."""
    result = Reach()
    result.lists = list(step_lists(scenario))
    result.steps = [(loc + (i,), step) for loc, steps in result.lists for i, step in enumerate(steps)]
    for index in range(len(scenario.arrivals)):
        _StreamWalk(scenario, index, result).run()
    return result


class _StreamWalk:
    """The walk of one arrival stream through its pathways and sites.

    A `goto` hands the patient to another pathway for good, so it ends the walk of its list
    and queues that pathway at the current site; each (pathway, site) is walked once.
    """

    def __init__(self, scenario: schema.Scenario, index: int, result: Reach):
        self.scenario = scenario
        self.index = index
        self.name = scenario.arrivals[index].name
        self.result = result
        self.how: dict[str, str] = {}
        self.seen: set[tuple[str, str]] = set()
        self.queue: list[tuple[str, str]] = []
        self.overflows = [
            rule.overflow
            for rule in scenario.cooperation
            if isinstance(rule, schema.Overflow) and (rule.overflow.arrivals is None or self.name in rule.overflow.arrivals)
        ]

    def run(self) -> None:
        """Walk from every start site, then every pathway a goto enters, until none is left."""
        arrival = self.scenario.arrivals[self.index]
        starts = [(arrival.at, "arrive")] + [
            (site, "route")
            for rule in self.scenario.cooperation
            if isinstance(rule, schema.Route) and self.name in rule.route.arrivals
            for site in rule.route.among
        ]
        for site, how in starts:
            if site in self.scenario.sites and arrival.pathway in self.scenario.pathways:
                self.arrive(site, how)
                self.enter(arrival.pathway, site)
        while self.queue:
            pathway, site = self.queue.pop(0)
            self.walk(("pathways", pathway), self.scenario.pathways[pathway], site)

    def arrive(self, site: str, how: str) -> None:
        """Remember how the stream first reached `site`."""
        self.how.setdefault(site, how)

    def enter(self, pathway: str, site: str) -> None:
        """Queue `pathway` entered at `site`, the first time."""
        if (pathway, site) not in self.seen:
            self.seen.add((pathway, site))
            self.queue.append((pathway, site))

    def walk(self, loc: Loc, steps: tuple[schema.Step, ...], site: str) -> frozenset[str]:
        """Walk a step list entered at `site`; return the sites where it may finish (none
        after a goto)."""
        current = {site}
        for i, step in enumerate(steps):
            current = {after for here in current for after in self.step(loc + (i,), step, here)}
        return frozenset(current)

    def record(self, loc: Loc, site: str) -> None:
        """Note that this stream runs the step at `loc` at `site`."""
        sites = self.result.sites.setdefault(loc, {})
        if site not in sites:
            sites[site] = Visit(self.name, self.how[site])
        self.result.streams.setdefault(loc, set()).add(self.index)

    def step(self, loc: Loc, step: schema.Step, site: str) -> set[str]:
        """Run one step at `site`; return the sites where the patient may be after it."""
        self.record(loc, site)
        if isinstance(step, schema.TransferStep):
            if step.transfer not in self.scenario.sites:
                return set()
            self.arrive(step.transfer, "transfer")
            return {step.transfer}
        if isinstance(step, schema.GotoStep):
            if step.goto not in self.scenario.pathways:
                return set()
            self.enter(step.goto, site)
            return set()
        after = self.overflow(step.use, site) if isinstance(step, schema.UseStep) else {site}
        inner = list(nested(loc, step))
        if not inner:
            return after
        return {end for inner_loc, steps in inner for here in after for end in self.walk(inner_loc, steps, here)}

    def overflow(self, ref: str, site: str) -> set[str]:
        """`site` and every site an overflow rule may send a patient using `ref` there to."""
        home, role = split_ref(ref)
        home = home or site
        sites = {site}
        for rule in self.overflows:
            if rule.resource == role and rule.from_ == home:
                for partner in rule.to:
                    if partner in self.scenario.sites:
                        self.arrive(partner, "overflow")
                        sites.add(partner)
        return sites
