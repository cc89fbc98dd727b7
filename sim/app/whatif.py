"""A planner's what-if, without writing YAML: the levers a scenario offers, and the edits made to
them turned into one more named variant of the same file, so that the run is reproducible from
the command line (`coopsim run FILE --variants what_if`) and validated by the same loader.

Levers: each resource's capacity at each site, each named cooperation rule on or off, a factor on
every arrival stream's volume. The what-if is built on one of the file's declared variants: it
repeats that variant's changes and adds the edits on top.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.results.names import Names
from sim.scenario import schema
from sim.scenario.loader import BASE_VARIANT, LoadedScenario
from sim.scenario.units import parse_rate

WHAT_IF = "what_if"
"""The name of the variant a what-if becomes."""
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
class Rule:
    """One cooperation rule of a variant, which the planner may switch off."""

    name: str
    kind: str
    added: bool
    """Whether the variant adds it (`add: cooperation`) rather than the base holding it."""


@dataclass(frozen=True)
class Edits:
    """What the planner changed: capacities by path, rules switched off, a factor on arrivals."""

    capacities: Mapping[str, int] = field(default_factory=dict)
    rules_off: frozenset[str] = frozenset()
    surge: float = 1.0

    @property
    def empty(self) -> bool:
        """Whether nothing was changed."""
        return not self.capacities and not self.rules_off and self.surge == 1.0


def declared_variants(loaded: LoadedScenario) -> list[str]:
    """The variants a what-if may be built on: every variant but a sweep's points, baseline first."""
    names = [n for n in loaded.names if "/" not in n]
    return sorted(names, key=lambda n: n != loaded.baseline)


def capacities(scenario: schema.Scenario, names: Names) -> list[Capacity]:
    """Every capacity lever of a variant's scenario, site by site (calendars are not capacities)."""
    levers = []
    for site, spec in scenario.sites.items():
        for role, resource in spec.resources.items():
            if isinstance(resource, schema.CapacityResource):
                levers.append(Capacity(site, role, f"sites.{site}.resources.{role}.capacity", int(resource.capacity),
                                       names.resource(f"{site}.{role}")))
    return levers


def rules(loaded: LoadedScenario, variant: str) -> list[Rule]:
    """The named cooperation rules in force in a variant, each of which may be switched off."""
    base = {_rule_name(r) for r in loaded.base.cooperation}
    found = []
    for rule in loaded.variant(variant).scenario.cooperation:
        name = _rule_name(rule)
        if name is not None:
            found.append(Rule(name, _rule_kind(rule), name not in base))
    return found


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
    for rule in edits.rules_off:
        added = overlay.get("add", {}).get("cooperation")
        if isinstance(added, list) and any(_raw_name(r) == rule for r in added):
            overlay["add"]["cooperation"] = [r for r in added if _raw_name(r) != rule]
        else:
            overlay[f"cooperation.{rule}"] = None
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
            parts = path[len(key) + 1:].split(".")
            if not isinstance(node, dict):  # a shorthand capacity (`bed: 30`) set by the variant
                overlay[key] = value
                return
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
            return
    overlay[path] = value


def _number(value: float) -> float | int:
    """A number as short as it can be written without losing what matters (six significant digits)."""
    rounded = float(f"{value:.6g}")
    return int(rounded) if rounded.is_integer() else rounded


def _rule_name(rule: Any) -> str | None:
    """The name of a validated cooperation rule (None for an unnamed one)."""
    inner = getattr(rule, next(iter(type(rule).model_fields)))
    return getattr(inner, "name", None)


def _rule_kind(rule: Any) -> str:
    """The verb of a validated cooperation rule (`overflow`, `route`, ...)."""
    return next(iter(type(rule).model_fields))


def _raw_name(rule: Any) -> str | None:
    """The name of a rule as written in YAML (`{overflow: {name: ...}}`)."""
    if isinstance(rule, dict) and len(rule) == 1:
        inner = next(iter(rule.values()))
        if isinstance(inner, dict):
            return inner.get("name")
    return None


def surge_ok(factor: float) -> bool:
    """Whether a factor on arrival volumes is one a planner may ask for."""
    return 0.0 < factor <= MAX_SURGE


def rate_per_day(text: str) -> float:
    """A rate as written (`12/h`) in patients per day."""
    return parse_rate(text) * 1440.0
