"""A planner's what-if, without writing YAML: the levers a scenario offers, and the edits made to
them turned into one more named variant of the same file, so that the run is reproducible from
the command line (`coopsim run FILE --variants what_if`) and validated by the same loader.

Levers: each resource's capacity at each site and in each window of its weekly schedule, each
cooperation rule on or off with its main parameters (an overflow's occupancy threshold and daily
cap, a staff-sharing session's capacity, a shared calendar's quotas), a factor on every arrival
stream's volume. The what-if is built on one of the file's declared variants: it repeats that
variant's changes and adds the edits on top; a change to the rules replaces the variant's whole
list of rules by the edited one, so that unnamed rules are levers too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.results.names import Names
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.loader import BASE_VARIANT, LoadedScenario

WHAT_IF = "what_if"
"""The name of the variant a what-if becomes."""
THRESHOLD = ("sends patients above this occupancy", "envoie les patients au-delà de ce taux d'occupation")
QUEUE = ("sends patients when more than this many wait", "envoie les patients quand plus de tant attendent")
PER_DAY = ("at most this many patients a day", "au plus tant de patients par jour")
OUTSIDE = (", outside its schedule", ", hors des plages de son planning")
"""The words of the levers, in English and French."""
DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")}
"""Weekday names, Monday first."""
MAX_SURGE = 10.0
"""The largest factor on arrival volumes a planner may ask for."""


@dataclass(frozen=True)
class Capacity:
    """One resource's capacity at one site: the lever, its dotted path in a variant, its value there."""

    site: str
    role: str
    path: str
    value: int
    label: str


@dataclass(frozen=True)
class Parameter:
    """A number of a cooperation rule a planner may change: its path inside the rule, its words, its value."""

    path: str
    """Dotted path inside the rule as written (`overflow.when.occupancy_above`)."""
    label: tuple[str, str]
    value: float
    share: bool
    """A share (0 to 1) rather than a whole number."""


@dataclass(frozen=True)
class Rule:
    """One cooperation rule of a variant, by its place in the variant's list: it may be switched off
    and its parameters changed."""

    index: int
    name: str | None
    kind: str
    label: str
    parameters: tuple[Parameter, ...]


@dataclass(frozen=True)
class Edits:
    """What the planner changed: capacities by path, rules switched off (by index), rule parameters
    (by `index:path`), a factor on arrivals."""

    capacities: Mapping[str, int] = field(default_factory=dict)
    rules_off: frozenset[int] = frozenset()
    parameters: Mapping[str, float] = field(default_factory=dict)
    surge: float = 1.0

    @property
    def empty(self) -> bool:
        """Whether nothing was changed."""
        return not self.capacities and not self.rules_off and not self.parameters and self.surge == 1.0


def declared_variants(loaded: LoadedScenario) -> list[str]:
    """The variants a what-if may be built on: every variant but a sweep's points, baseline first."""
    names = [n for n in loaded.names if "/" not in n]
    return sorted(names, key=lambda n: n != loaded.baseline)


def capacities(scenario: schema.Scenario, names: Names, data: Mapping[str, Any] | None = None) -> list[Capacity]:
    """Every capacity lever of a variant's scenario, site by site (calendars are not capacities);
    `data`, the variant as written, tells a capacity written as a bare number (`bed: 30`, whose
    path is the resource's) from one written in a map (`bed: {capacity: 30}`)."""
    written = (data or {}).get("sites") or {}
    levers = []
    for site, spec in scenario.sites.items():
        for role, resource in spec.resources.items():
            if isinstance(resource, schema.CapacityResource):
                label = names.resource(f"{site}.{role}")
                path = f"sites.{site}.resources.{role}"
                bare = isinstance((written.get(site) or {}).get("resources", {}).get(role), int)
                levers.append(Capacity(site, role, path if bare else f"{path}.capacity", int(resource.capacity),
                                       f"{label}{pick(OUTSIDE, names.lang) if resource.schedule else ''}"))
                for k, window in enumerate(resource.schedule):
                    levers.append(Capacity(site, role, f"{path}.schedule.{k}.capacity", int(window.capacity),
                                           f"{label}, {window_words(window, names.lang)}"))
    return levers


def window_words(window: schema.Window, lang: str) -> str:
    """A weekly window as people say it: "Mon-Fri 08:00-18:00"."""
    days = DAYS[lang]
    spans, start = [], None
    chosen = sorted(set(window.days))
    for k, day in enumerate(chosen):
        start = day if start is None else start
        if k + 1 == len(chosen) or chosen[k + 1] != day + 1:
            spans.append(days[start] if start == day else f"{days[start]}-{days[day]}")
            start = None
    return f"{','.join(spans)} {_clock(window.from_)}-{_clock(window.to)}"


def _clock(minutes: float) -> str:
    """A time of day in minutes as HH:MM."""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def rules(loaded: LoadedScenario, variant: str, names: Names | None = None) -> list[Rule]:
    """Every cooperation rule in force in a variant, in its order, with its main parameters."""
    names = names or Names()
    written = list(loaded.variant(variant).data.get("cooperation") or [])
    found = []
    for k, (rule, raw) in enumerate(zip(loaded.variant(variant).scenario.cooperation, written, strict=True)):
        kind = _rule_kind(rule)
        inner = getattr(rule, kind)
        found.append(Rule(k, inner.name, kind, inner.name or _describe(kind, inner, names), tuple(_parameters(kind, inner, raw))))
    return found


def _describe(kind: str, rule: Any, names: Names) -> str:
    """An unnamed rule in words: its kind, what it moves and between which sites."""
    site = names.site
    if kind == "overflow":
        return f"{kind}: {rule.resource}, {site(rule.from_)} → {', '.join(site(s) for s in rule.to)}"
    if kind == "share_staff":
        return f"{kind}: {rule.resource}, {site(rule.from_)} → {site(rule.to)}"
    if kind == "share_calendar":
        return f"{kind}: {rule.calendar} ↔ {', '.join(site(s) for s in rule.partners)}"
    return f"{kind}: {', '.join(rule.arrivals)} → {', '.join(site(s) for s in rule.among)}"


def _parameters(kind: str, rule: Any, raw: Any) -> Iterator[Parameter]:
    """The main numbers of a rule, where the rule as written holds them (a default is not a lever)."""
    inner = raw.get(kind, {}) if isinstance(raw, dict) else {}
    if kind == "overflow":
        when = inner.get("when")
        if isinstance(when, dict) and "occupancy_above" in when:
            yield Parameter(f"{kind}.when.occupancy_above", THRESHOLD, float(rule.when.occupancy_above), True)
        if isinstance(when, dict) and "queue_above" in when:
            yield Parameter(f"{kind}.when.queue_above", QUEUE, float(rule.when.queue_above), False)
        if rule.max_per_day is not None:
            yield Parameter(f"{kind}.max_per_day", PER_DAY, float(rule.max_per_day), False)
    elif kind == "share_staff":
        for k, session in enumerate(rule.sessions):
            yield Parameter(f"{kind}.sessions.{k}.capacity", (f"capacity lent, {window_words(session, 'en')}",
                                                               f"capacité prêtée, {window_words(session, 'fr')}"),
                            float(session.capacity), False)
    elif kind == "share_calendar" and rule.quotas is not None:
        for value, share in rule.quotas.shares.items():
            yield Parameter(f"{kind}.quotas.shares.{value}", (f"share of slots for {rule.quotas.by} {value}",
                                                               f"part des créneaux pour {rule.quotas.by} {value}"), float(share), True)


def what_if_text(text: str, loaded: LoadedScenario, variant: str, edits: Edits) -> str:
    """The scenario file with one more variant, `what_if`: `variant`'s changes and the edits."""
    data = yaml.safe_load(text)
    declared = data.get("variants") or {}
    overlay = _overlay(declared.get(variant, {}) if variant != BASE_VARIANT else {}, loaded, variant, edits)
    entry = f"{WHAT_IF}: {json.dumps(overlay, ensure_ascii=False)}"
    lines = text.splitlines()
    start = next((k for k, line in enumerate(lines) if re.match(r"variants:\s*(#.*)?$", line)), None)
    if start is not None:
        indent = next((re.match(r"\s*", line).group() for line in lines[start + 1:] if line.strip() and not line.lstrip().startswith("#")),
                      "  ")
        lines.insert(start + 1, indent + entry)
        return "\n".join(lines) + "\n"
    if declared:  # variants written inline: the file is rewritten whole (its comments are lost)
        data["variants"][WHAT_IF] = overlay
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    tail = f"\nvariants:\n  {BASE_VARIANT}: {{}}\n  {entry}\n" + ("" if "baseline" in data else f"baseline: {BASE_VARIANT}\n")
    return text.rstrip("\n") + "\n" + tail


def _overlay(changes: Any, loaded: LoadedScenario, variant: str, edits: Edits) -> dict[str, Any]:
    """`variant`'s own changes, with the edits on top (a capacity the variant sets is replaced)."""
    overlay = json.loads(json.dumps(changes or {}, default=str))  # a copy in JSON's types (a date as its ISO text)
    for path, value in edits.capacities.items():
        _set(overlay, path, int(value))
    if edits.rules_off or edits.parameters:  # the variant's whole list of rules, edited, replaces its rule changes
        written = json.loads(json.dumps(list(loaded.variant(variant).data.get("cooperation") or []), default=str))
        for key, value in edits.parameters.items():
            index, path = key.split(":", 1)
            _set_inside(written[int(index)], path.split("."), value)
        for key in [k for k in overlay if k == "cooperation" or k.startswith("cooperation.")]:
            del overlay[key]
        if isinstance(overlay.get("add"), dict):
            overlay["add"].pop("cooperation", None)
            if not overlay["add"]:
                del overlay["add"]
        overlay["cooperation"] = [rule for k, rule in enumerate(written) if k not in edits.rules_off]
    if edits.surge != 1.0:
        for arrival in loaded.variant(variant).scenario.arrivals:
            if arrival.series is not None:
                overlay[f"arrivals.{arrival.name}.series.scale"] = _number(arrival.series.scale * edits.surge)
            elif arrival.rate is not None:
                overlay[f"arrivals.{arrival.name}.rate"] = f"{_number(arrival.rate * 1440.0 * edits.surge)}/d"
    return overlay


def _set(overlay: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in an overlay whose keys are dotted paths or nested maps: inside the key
    that already covers it, if any, else as a key of its own."""
    for key in list(overlay):
        if path == key:
            overlay[key] = value
            return
        if path.startswith(f"{key}."):
            node = overlay[key]
            if not isinstance(node, dict):  # a shorthand capacity (`bed: 30`) set by the variant
                overlay[key] = value
                return
            _set_inside(node, path[len(key) + 1:].split("."), value)
            return
    overlay[path] = value


def _set_inside(node: Any, parts: list[str], value: Any) -> None:
    """Set a value at a path of keys and list indices inside written YAML (maps created as needed)."""
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def _number(value: float) -> float | int:
    """A number as short as it can be written without losing what matters (six significant digits)."""
    rounded = float(f"{value:.6g}")
    return int(rounded) if rounded.is_integer() else rounded


def _rule_kind(rule: Any) -> str:
    """The verb of a validated cooperation rule (`overflow`, `route`, ...)."""
    return next(iter(type(rule).model_fields))
