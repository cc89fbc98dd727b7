"""A plain-language headline per variant, read from summary.csv and comparison.csv: what a
director reads first ("the wait for a ward bed is 3.42 h shorter [2.90, 3.94]; Polyclinique
Vauban receives 28 patients [24, 32] over the 91 days measured. No detectable change in the wait
for a cubicle.").

Only differences whose paired 95% interval excludes 0 are said as changes; the largest relative
changes come first, waits with a target before the others; what did not change detectably is
said too, so that silence is never read as "no effect".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.results.keys import Line, key_lines
from sim.results.names import Names, names_of
from sim.results.numbers import Scale, interval, plain, scale_for
from sim.results.words import pick, unit_word
from sim.scenario import schema

WAITS = ("wait", "blocked_time", "access_delay", "time_to_handover")
"""The metrics a headline speaks of first: the times patients spend waiting or in a unit."""
MAX_CHANGES = 3
"""Changes in waits said per variant (the largest relative ones)."""
MAX_RECEIVERS = 2
"""Sites receiving transfers named per variant."""

PHRASES: dict[str, tuple[str, str]] = {
    "wait.down": ("the wait for {what} is {amount} shorter {ci}", "l'attente ({what}) diminue de {amount} {ci}"),
    "wait.up": ("the wait for {what} is {amount} longer {ci}", "l'attente ({what}) augmente de {amount} {ci}"),
    "blocked_time.down": ("patients are held {amount} less in their unit before {what} {ci}",
                          "l'attente d'aval avant {what} diminue de {amount} {ci}"),
    "blocked_time.up": ("patients are held {amount} longer in their unit before {what} {ci}",
                        "l'attente d'aval avant {what} augmente de {amount} {ci}"),
    "access_delay.down": ("the delay to {what} is {amount} shorter {ci}", "le délai d'accès ({what}) diminue de {amount} {ci}"),
    "access_delay.up": ("the delay to {what} is {amount} longer {ci}", "le délai d'accès ({what}) augmente de {amount} {ci}"),
    "time_to_handover.down": ("{what} spend {amount} less in their first unit {ci}",
                              "{what} : la durée de passage dans la première unité diminue de {amount} {ci}"),
    "time_to_handover.up": ("{what} spend {amount} more in their first unit {ci}",
                            "{what} : la durée de passage dans la première unité augmente de {amount} {ci}"),
    "occupancy.down": ("the occupancy of {what} falls by {amount} {ci}", "le taux d'occupation ({what}) baisse de {amount} {ci}"),
    "occupancy.up": ("the occupancy of {what} rises by {amount} {ci}", "le taux d'occupation ({what}) augmente de {amount} {ci}"),
    "left.down": ("{amount} fewer patients leave before being seen {ci}", "{amount} patients de moins partent sans être vus {ci}"),
    "left.up": ("{amount} more patients leave before being seen {ci}", "{amount} patients de plus partent sans être vus {ci}"),
    "receives": ("{site} receives {amount} patients {ci} over the {days} days measured",
                 "{site} reçoit {amount} patients {ci} sur les {days} jours mesurés"),
    "appears": ("a wait for {what} appears: {amount} on average {ci}", "une attente ({what}) apparaît : {amount} en moyenne {ci}"),
    "nothing": ("No detectable change in {what}.", "Aucun changement détectable : {what}."),
    "nothing.any": ("No detectable change in any key wait.", "Aucun changement détectable sur les attentes clés."),
    "nothing.the_wait": ("the wait for {what}", "attente ({what})"),
    "and": (" and ", " et "),
    "variant": ("{variant}: ", "{variant} : "),
    "then": ("; ", " ; "),
    "points": ("points", "points"),
    "baseline": ("{variant}: the wait for {what} averages {value} {ci}", "{variant} : l'attente ({what}) est en moyenne de {value} {ci}"),
    "baseline.within": ("{share} of patients within the target {ci}", "{share} des patients dans l'objectif {ci}"),
    "baseline.none": ("{variant}: no named wait in this scenario.", "{variant} : aucune attente nommée dans ce scénario."),
}
"""Headline phrases, in English then French."""


def _say(key: str, lang: str, **values: object) -> str:
    return pick(PHRASES[key], lang, **values)


def _number(text: str) -> float:
    return float(text) if text != "" else math.nan


@dataclass(frozen=True)
class Change:
    """One paired difference of a key mean, with what it is about."""

    line: Line
    mean: float
    low: float
    high: float
    base: float

    @property
    def significant(self) -> bool:
        """Whether the 95% interval excludes 0."""
        return self.low > 0 or self.high < 0

    @property
    def relative(self) -> float:
        """The size of the change against the baseline mean (∞ from a baseline of 0)."""
        return abs(self.mean) / abs(self.base) if self.base else math.inf


def _amount(change: Change, lang: str) -> tuple[str, str]:
    """The size of a change and its interval, as positive amounts in the unit a person uses."""
    scale = scale_for(change.line.unit, change.mean)  # sized by the change: "5 min less", not "0.09 h less"
    sign = -1.0 if change.mean < 0 else 1.0
    low, high = sorted((sign * change.low, sign * change.high))
    if scale.shown == "%":  # a change of a share, in percentage points
        points = Scale(scale.unit, "points", scale.factor)
        return f"{plain(points.value(abs(change.mean)), lang)} {_say('points', lang)}", interval(low, high, points, True, lang)
    if scale.shown == "patients":
        return count(abs(change.mean), lang), interval(low, high, scale, True, lang)
    return f"{plain(scale.value(abs(change.mean)), lang)} {unit_word(scale.shown, lang)}", interval(low, high, scale, True, lang)


def count(x: float, lang: str) -> str:
    """A mean number of patients: whole from 10 up (28, not 28.0), three digits below (2.25)."""
    return plain(float(round(x)), lang).split("," if lang == "fr" else ".")[0] if abs(x) >= 10 else plain(x, lang)


def _subject(line: Line, names: Names) -> str:
    """What a key metric is about: a step, a stream or a resource, as people name it."""
    metric, scope, _ = line.key
    if metric in ("wait", "blocked_time", "access_delay"):
        return names.step(scope)
    if metric == "time_to_handover":
        return names.stream(scope)
    return names.resource(scope)


def _clause(change: Change, names: Names) -> str:
    """One change said in a sentence's words."""
    metric, scope, _ = change.line.key
    direction = "down" if change.mean < 0 else "up"
    amount, ci = _amount(change, names.lang)
    kind = "left" if (metric, scope) == ("patients", "left_waiting") else metric
    return _say(f"{kind}.{direction}", names.lang, what=_subject(change.line, names), amount=amount, ci=ci)


def _changes(lines: list[Line], base: dict, diffs: dict, variant: str) -> list[Change]:
    found = []
    for line in lines:
        row, diff = base.get(line.key), diffs.get((variant, *line.key))
        if row is None or diff is None or diff["diff_mean"] == "":
            continue
        found.append(Change(line, _number(diff["diff_mean"]), _number(diff["ci_low"]), _number(diff["ci_high"]), _number(row["mean"])))
    return found


def headlines(summary: list[dict[str, str]], comparison: list[dict[str, str]], lines: list[Line], baseline: str,
              variants: list[str], names: Names, targeted: set[str], days: float) -> dict[str, str]:
    """The headline of the baseline and of each variant, by variant: `targeted` are the steps with
    a wait target (said first), `days` the measured period."""
    lang = names.lang
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline}
    diffs = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in comparison}
    means = [line for line in lines if line.key[2] == "mean" and "@" not in line.key[1]]
    waits = [line for line in means if line.key[0] in WAITS]
    said = {baseline: _baseline(base, waits, baseline, names, targeted)}
    for variant in variants:
        if variant == baseline:
            continue
        changes = _changes(means + [line for line in lines if line.key == ("patients", "left_waiting", "count")], base, diffs, variant)
        wait_changes = [c for c in changes if c.line.key[0] in WAITS]
        moved = sorted((c for c in wait_changes if c.significant), key=lambda c: (c.line.key[1] not in targeted, -c.relative))
        waits_said = {c.line.key[1] for c in moved if c.line.key[0] == "wait"}
        moved = [c for c in moved if not (c.line.key[0] == "blocked_time" and c.line.key[1] in waits_said)]  # the same hours, said once
        clauses = [_clause(c, names) for c in moved[:MAX_CHANGES]]
        occupancy = sorted((c for c in changes if c.line.key[0] == "occupancy" and c.significant), key=lambda c: -abs(c.mean))
        clauses += [_clause(c, names) for c in occupancy[:1]]
        clauses += [_clause(c, names) for c in changes if c.line.key[0] == "patients" and c.significant]
        appeared = _appeared(summary, base, variant, names)
        clauses += appeared + _receivers(summary, variant, names, days)
        sentence = _say("variant", lang, variant=variant) + (_say("then", lang).join(clauses) + "." if clauses else "")
        still = [c for c in wait_changes if not c.significant and (c.line.key[1] in targeted or not targeted) and c.line.key[0] == "wait"]
        if not moved and not appeared:
            sentence += " " + _say("nothing.any", lang)
        elif still:
            what = _say("and", lang).join(_say("nothing.the_wait", lang, what=names.step(c.line.key[1])) for c in still[:MAX_CHANGES])
            sentence += " " + _say("nothing", lang, what=what)
        said[variant] = sentence.replace("  ", " ").strip()
    return said


def _baseline(base: dict, waits: list[Line], baseline: str, names: Names, targeted: set[str]) -> str:
    """The baseline in one sentence: the targeted wait furthest from its target (or the longest
    wait) and its compliance."""
    lang = names.lang
    plain_waits = [line for line in waits if line.key[0] == "wait"]
    if not plain_waits:
        return _say("baseline.none", lang, variant=baseline)
    def distance(w: Line) -> tuple[float, float]:  # furthest from its target first, else the longest wait
        within = base.get(("wait", w.key[1], "within_target"))
        share = _number(within["mean"]) if within is not None and within["mean"] != "" else math.inf
        return share, -_number(base[w.key]["mean"])

    aimed = [w for w in plain_waits if w.key[1] in targeted]
    line = min(aimed, key=distance) if aimed else min(plain_waits, key=distance)
    row = base[line.key]
    scale = scale_for(line.unit, _number(row["mean"]))
    value = f"{plain(scale.value(_number(row['mean'])), lang)} {unit_word(scale.shown, lang)}"
    text = _say("baseline", lang, variant=baseline, what=names.step(line.key[1]), value=value,
                ci=interval(_number(row["ci_low"]), _number(row["ci_high"]), scale, lang=lang))
    within = base.get(("wait", line.key[1], "within_target"))
    if within is not None and within["mean"] != "":
        share = scale_for("share", 0.0)
        text += _say("then", lang) + _say("baseline.within", lang, share=f"{plain(share.value(_number(within['mean'])), lang)} %",
                            ci=interval(_number(within["ci_low"]), _number(within["ci_high"]), share, lang=lang))
    return text + "."


def _appeared(summary: list[dict[str, str]], base: dict, variant: str, names: Names) -> list[str]:
    """Waits the variant has and the baseline has not (a step its patients now reach), said with their mean."""
    found = []
    for r in summary:
        key = (r["metric"], r["scope"], r["stat"])
        if (r["variant"] == variant and r["metric"] in ("wait", "access_delay") and r["stat"] == "mean" and "@" not in r["scope"]
                and key not in base and r["mean"] != ""):
            scale = scale_for(r["unit"], _number(r["mean"]))
            amount = f"{plain(scale.value(_number(r['mean'])), names.lang)} {unit_word(scale.shown, names.lang)}"
            found.append(_say("appears", names.lang, what=names.step(r["scope"]), amount=amount,
                              ci=interval(_number(r["ci_low"]), _number(r["ci_high"]), scale, lang=names.lang)))
    return found


def _receivers(summary: list[dict[str, str]], variant: str, names: Names, days: float) -> list[str]:
    """The sites that receive the most transfers in a variant, with their counts (and interval when
    one route feeds the site: a sum of routes has no interval in summary.csv)."""
    routes: dict[str, list[dict[str, str]]] = {}
    for r in summary:
        if r["variant"] == variant and r["metric"] == "transfers" and r["stat"] == "count" and ">" in r["scope"] and r["mean"] != "":
            routes.setdefault(r["scope"].split(">")[1], []).append(r)
    totals = {site: sum(_number(r["mean"]) for r in rows) for site, rows in routes.items()}
    top = sorted((site for site, n in totals.items() if n >= 0.5), key=lambda site: (-totals[site], site))[:MAX_RECEIVERS]
    patients = scale_for("patients", 0.0)
    clauses = []
    for site in top:
        rows = routes[site]
        ci = interval(_number(rows[0]["ci_low"]), _number(rows[0]["ci_high"]), patients, lang=names.lang) if len(rows) == 1 else ""
        text = _say("receives", names.lang, site=names.site(site), amount=count(totals[site], names.lang), ci=ci, days=f"{days:.0f}")
        clauses.append(" ".join(text.split()))
    return clauses


def scenario_headlines(summary: list[dict[str, str]], comparison: list[dict[str, str]], baseline: str, variants: list[str],
                       scenarios: dict[str, schema.Scenario], lang: str = "en") -> dict[str, str]:
    """The headlines of a results folder's tables and scenarios as run, in `lang`."""
    names = names_of(list(scenarios.values()), lang)
    scenario = scenarios[baseline]
    targeted = {t.wait for t in scenario.targets if isinstance(t, schema.WaitTarget)}
    return headlines(summary, comparison, key_lines(summary, baseline, names), baseline, variants, names, targeted,
                     scenario.run.horizon / 1440.0)
