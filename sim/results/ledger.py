"""Who gains, who pays: what a cooperation agreement changes for each site, and its ledger.

For a variant with cooperation rules, per site: the waits at the site and of the patients who
arrive there, and the occupancy of its resources, each with the paired difference against the
baseline; then the agreement's ledger: transfers sent and received per pair of sites, patients
an overflow rule could not send for lack of room, and the staff time one site lends another.
Everything is read from summary.csv, comparison.csv and the scenario as run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.results.keys import Line, key_lines
from sim.results.names import Names
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.walk import iter_steps, role_of, split_ref

PHRASES = {
    "sent": ("Transfers {a} → {b}", "Transferts {a} → {b}"),
    "refused": ("Patients {a} could not send (no partner had room)", "Patients que {a} n'a pas pu transférer (aucun partenaire n'avait de place)"),
    "lends": ("{a} lends {b} {what}: {amount} unit-hours a week", "{a} prête à {b} {what} : {amount} heures-unités par semaine"),
}


@dataclass(frozen=True)
class Entry:
    """One measure of a site: its baseline mean and interval, the variant's, and their paired
    difference (None where the baseline has no such measure: a site it never sends patients to)."""

    line: Line
    base: tuple[float, float, float] | None
    value: tuple[float, float, float]
    diff: tuple[float, float, float] | None


@dataclass(frozen=True)
class Site:
    """What one site sees of a variant: its measures, those its own arriving patients see first."""

    site: str
    entries: list[Entry]


@dataclass(frozen=True)
class Ledger:
    """The agreement's ledger in a variant: (what, mean, low, high) per transfer route and refusal,
    and the staff time lent (said from the scenario: it is what the agreement writes)."""

    moves: list[tuple[str, float, float, float]]
    lent: list[str]


TRIPLE = ("mean", "ci_low", "ci_high")


def _triple(row: dict[str, str], keys: tuple[str, str, str]) -> tuple[float, float, float]:
    return tuple(float(row[k]) if row[k] != "" else math.nan for k in keys)  # type: ignore[return-value]


def step_sites(scenario: schema.Scenario) -> dict[str, str]:
    """The site of each named `use` step that can only run at one site (its SITE.ROLE, or the
    only site with the role)."""
    found: dict[str, set[str]] = {}
    for _, step in iter_steps(scenario):
        if isinstance(step, schema.UseStep) and step.name:
            site, role = split_ref(step.use)
            where = {site} if site else {s for s, spec in scenario.sites.items() if role_of(step.use) in spec.resources}
            found.setdefault(step.name, set()).update(where)
    return {name: next(iter(sites)) for name, sites in found.items() if len(sites) == 1}


def cooperating(scenarios: dict[str, schema.Scenario], baseline: str) -> list[str]:
    """The variants other than the baseline whose scenario has cooperation rules."""
    return [v for v, s in scenarios.items() if v != baseline and s.cooperation]


def involved(summary: list[dict[str, str]], scenario: schema.Scenario, variant: str) -> list[str]:
    """The sites an agreement touches in a variant: named by a rule, or sending or receiving transfers."""
    sites: set[str] = set()
    for rule in scenario.cooperation:
        body = getattr(rule, next(k for k in schema.RULE_KINDS if hasattr(rule, k)))
        for key in ("from_", "to", "partners", "calendar", "among"):
            value = getattr(body, key, None)
            for item in value if isinstance(value, (list, tuple)) else [value] if isinstance(value, str) else []:
                sites.add(split_ref(item)[0] or item)
    for r in summary:
        if r["variant"] == variant and r["metric"] == "transfers" and ">" in r["scope"] and r["mean"] not in ("", "0"):
            sites.update(r["scope"].split(">"))
    return [s for s in scenario.sites if s in sites]


def sites_table(summary: list[dict[str, str]], comparison: list[dict[str, str]], baseline: str, variant: str,
                scenario: schema.Scenario, names: Names) -> list[Site]:
    """Per site the agreement touches: the waits at it, the time its arriving patients spend in their
    first unit, and its resources' occupancy, with the variant's paired difference."""
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline}
    own = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == variant}
    lines = list({line.key: line for line in key_lines(summary, variant, names) + key_lines(summary, baseline, names)}.values())
    diffs = {(r["metric"], r["scope"], r["stat"]): r for r in comparison if r["variant"] == variant}
    at = step_sites(scenario)
    origin = {a.name: a.at for a in scenario.arrivals}
    result = []
    for site in involved(summary, scenario, variant):
        entries = []
        for line in lines:
            metric, scope, stat = line.key
            if stat != "mean" or line.key not in own:
                continue
            step, _, where = scope.partition("@")
            if metric in ("wait", "blocked_time"):
                mine = where == site if where else at.get(step) == site
            elif metric in ("time_to_handover", "time_in_system"):  # a stay in the first unit says more than one with the ward's
                mine = origin.get(scope) == site and (metric == "time_to_handover" or ("time_to_handover", scope, "mean") not in own)
            else:
                mine = metric == "occupancy" and split_ref(scope)[0] == site
            if mine:
                d, b = diffs.get(line.key), base.get(line.key)
                entries.append(Entry(line, None if b is None else _triple(b, TRIPLE), _triple(own[line.key], TRIPLE),
                                     None if d is None or b is None else _triple(d, ("diff_mean", "ci_low", "ci_high"))))
        result.append(Site(site, entries))
    return result


def ledger(summary: list[dict[str, str]], variant: str, scenario: schema.Scenario, names: Names) -> Ledger:
    """The agreement's ledger in a variant: transfers per route, refusals per site, staff lent."""
    moves = []
    for r in summary:
        if r["variant"] != variant or r["metric"] != "transfers" or r["stat"] != "count" or r["mean"] == "":
            continue
        mean, low, high = _triple(r, TRIPLE)
        if ">" in r["scope"]:
            a, b = r["scope"].split(">")
            moves.append((pick(PHRASES["sent"], names.lang, a=names.site(a), b=names.site(b)), mean, low, high))
        elif r["scope"].startswith("refused:"):
            moves.append((pick(PHRASES["refused"], names.lang, a=names.site(r["scope"][8:])), mean, low, high))
    lent = []
    for rule in scenario.cooperation:
        if isinstance(rule, schema.ShareStaff):
            staff = rule.share_staff
            minutes = sum(len(w.days) * ((w.to - w.from_) % 1440 or 1440) * w.capacity for w in staff.sessions)
            lent.append(pick(PHRASES["lends"], names.lang, a=names.site(staff.from_), b=names.site(staff.to),
                             what=names.resource(f"{staff.to}.{staff.resource}").split(": ", 1)[-1], amount=f"{minutes / 60:g}"))
    return Ledger(moves, lent)
