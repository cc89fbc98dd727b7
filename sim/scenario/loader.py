"""From a scenario file to validated, frozen scenarios: one per variant, ready to run.

Reading is safe (see `sim.scenario.source`), every variant and sweep point is merged and
validated on its own, and every problem of the file is reported at once with its line.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from sim.scenario import checks, schema
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.inputfile import InputFileError, read_bytes
from sim.scenario.limits import MAX_BYTES, MAX_VARIANTS
from sim.scenario.merge import ADD, VARIANT_ONLY_KEYS, MergeError, add, merge, settings_changed, strip_experiment_keys, sweep_points, sweep_size
from sim.scenario.schema.paths import open_map
from sim.scenario.source import LocDict, Position, YamlIssues, plain, read_yaml

BASE_VARIANT = "base"
"""Name of the single variant of a scenario without `variants` or `sweep`."""


@dataclass(frozen=True)
class Variant:
    """One variant as it runs: its merged data, its validated scenario and its swept values."""

    name: str
    scenario: schema.Scenario
    data: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario file after loading: its identity, the base scenario and every variant."""

    path: str
    sha256: str
    base: schema.Scenario
    variants: tuple[Variant, ...]
    baseline: str
    warnings: tuple[Problem, ...] = ()
    """What runs, but probably not as meant (a resource nothing uses, a variant equal to its baseline)."""

    def variant(self, name: str) -> Variant:
        """The variant called `name`."""
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Variant names in file order."""
        return tuple(v.name for v in self.variants)


def load_file(path: str | Path) -> LoadedScenario:
    """Load and validate a scenario file; raise ScenarioError listing every problem."""
    path = Path(path)
    label = str(path)
    try:
        raw = read_bytes(path, MAX_BYTES)
    except InputFileError as err:
        raise ScenarioError([Problem(label, 0, 0, "", str(err))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError([Problem(label, 0, 0, "", f"not UTF-8 text (byte {err.start})")]) from None
    return load_text(text, label, base_dir=path.parent, sha256=hashlib.sha256(raw).hexdigest())


def load_text(text: str, filename: str = "<scenario>", *, base_dir: Path | None = None, sha256: str | None = None,
              confined: bool = False) -> LoadedScenario:
    """Load and validate scenario text; `base_dir` resolves `series` files, and with `confined`
    a series file must lie inside it (a shared server reads only a scenario's own bundle)."""
    digest = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        data = read_yaml(text)
    except YamlIssues as issues:
        raise ScenarioError([Problem(filename, i.position[0], i.position[1], "", i.message) for i in issues.issues]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem(filename, 1, 1, "", "a scenario is a map of keys (version, name, run, sites, ...)")])
    context = _Context(filename, base_dir or Path("."), confined)

    base = context.validate(data, data, None)
    variants = _expand_variants(data, context, base)
    if base is not None and base.uncertain:
        _check_ranges(data, context)
    baseline = _baseline(data, variants, context)
    if context.problems:
        raise ScenarioError(context.problems)
    assert base is not None
    _same_as_baseline(data, variants, baseline, context)
    context.warn_unused(data)
    return LoadedScenario(filename, digest, base, tuple(variants), baseline, tuple(sorted(context.warnings.values())))


class _Context:
    """Collects the problems of one file while its variants are validated."""

    def __init__(self, filename: str, base_dir: Path, confined: bool = False):
        self.filename = filename
        self.base_dir = base_dir
        self.confined = confined
        self.problems: list[Problem] = []
        self.warnings: dict[tuple[int, int, str, str], Problem] = {}
        self.resources: dict[tuple[str, str], bool] = {}
        """Every resource of a valid variant: whether some variant uses it."""
        self.seen: set[tuple[int, int, str, str]] = set()
        self.series_cache: dict[Path, tuple[float, ...] | Problem] = {}

    def add(self, position: Position, path: str, message: str, variant: str | None) -> None:
        key = (position[0], position[1], path, message)
        if key in self.seen:
            return  # one defect seen through several variants or sweep points: said once
        self.seen.add(key)
        self.problems.append(Problem(self.filename, position[0], position[1], path, message, variant))

    def warn(self, position: Position, path: str, message: str, variant: str | None) -> None:
        """Note a doubt; one seen through several variants is said once, without a variant."""
        key = (position[0], position[1], path, message)
        seen = self.warnings.get(key)
        self.warnings[key] = Problem(self.filename, position[0], position[1], path, message,
                                     variant if seen is None or seen.variant == variant else None, warning=True)

    def validate(self, data: dict[str, Any], root: dict[str, Any], variant: str | None) -> schema.Scenario | None:
        """Validate one merged scenario; record its problems; return it when valid."""
        scenario_data = strip_experiment_keys(data) if variant is not None else data
        try:
            scenario = schema.Scenario.model_validate(scenario_data)
        except pydantic.ValidationError as err:
            errors = err.errors(include_url=False)
            for error in errors:
                if _emptied_by_invalid_items(error, errors) or _misspelled(error, errors, scenario_data):
                    continue
                position, path = locate(scenario_data, error["loc"], missing=error["type"] == "missing")
                self.add(position, path, describe(error, scenario_data), variant)
            return None
        scenario = self._with_series(scenario, scenario_data, variant)
        findings = checks.check_scenario(scenario)
        doubts = [] if findings else checks.doubts(scenario)
        unused = set() if findings else set(checks.unused_resources(scenario))
        for loc, message in findings:
            self.add(*locate(scenario_data, loc), message, variant)
        for loc, message in doubts:
            self.warn(*locate(scenario_data, loc), message, variant)
        if findings:
            return None
        for site, resources in scenario.sites.items():
            for role in resources.resources:
                self.resources[(site, role)] = self.resources.get((site, role), False) or (site, role) not in unused
        return scenario

    def warn_unused(self, data: dict[str, Any]) -> None:
        """Warn about each resource that no variant uses."""
        for (site, role), used in self.resources.items():
            if not used:
                position, path = locate(data, ("sites", site, "resources", role))
                self.warn(position, path, f"resource '{role}' of site '{site}' is never used: no step of a pathway "
                                          f"that reaches '{site}' uses or books it, in any variant", None)

    def _with_series(self, scenario: schema.Scenario, data: dict[str, Any], variant: str | None) -> schema.Scenario:
        arrivals = list(scenario.arrivals)
        for k, arrival in enumerate(arrivals):
            if arrival.series is None or arrival.series.file is None:
                continue
            position, path = locate(data, ("arrivals", k, "series", "file"))
            if self.confined and not (self.base_dir / arrival.series.file).resolve().is_relative_to(self.base_dir.resolve()):
                self.add(position, path, f"series file '{arrival.series.file}' is outside the scenario's folder: only the "
                                         "scenario's own data files can be read here", variant)
                continue
            values = self._read_series(self.base_dir / arrival.series.file)
            if isinstance(values, Problem):
                self.add(position, path, values.message, variant)
                continue
            arrivals[k] = arrival.model_copy(update={"series": arrival.series.model_copy(update={"per_day": values})})
        return scenario.model_copy(update={"arrivals": tuple(arrivals)})

    def _read_series(self, path: Path) -> tuple[float, ...] | Problem:
        if path not in self.series_cache:
            self.series_cache[path] = read_series_csv(path)
        return self.series_cache[path]


def _misspelled(error: dict[str, Any], errors: list[dict[str, Any]], data: Any) -> bool:
    """A required key reported missing when a misspelling of it is there: the unknown key says it."""
    if error["type"] != "missing":
        return False
    loc, key = error["loc"][:-1], error["loc"][-1]
    return any(e["type"] == "extra_forbidden" and e["loc"][:-1] == loc and f"did you mean '{key}'?" in describe(e, data)
               for e in errors)


def _emptied_by_invalid_items(error: dict[str, Any], errors: list[dict[str, Any]]) -> bool:
    """pydantic calls a list too short when its items were all invalid: not a problem of its own."""
    loc = error["loc"]
    return error["type"] == "too_short" and any(e["loc"][: len(loc)] == loc and len(e["loc"]) > len(loc) for e in errors)


def read_series_csv(path: Path) -> tuple[float, ...] | Problem:
    """Daily rates from a CSV with columns `day` (0, 1, 2 ...) and `per_day`, or the problem."""

    def bad(message: str) -> Problem:
        return Problem(str(path), 0, 0, "", message)

    try:
        text = read_bytes(path, MAX_BYTES).decode("utf-8")
    except InputFileError as err:
        return bad(f"series file '{path}': {err}")
    except UnicodeDecodeError as err:
        return bad(f"series file '{path}' is not UTF-8 text (byte {err.start})")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"day", "per_day"} <= set(rows[0]):
        return bad(f"series file '{path}' needs the columns day and per_day")
    values = []
    for k, row in enumerate(rows):
        try:
            day, rate = int(row["day"]), float(row["per_day"])
        except (TypeError, ValueError):
            return bad(f"series file '{path}' row {k + 2}: day must be a whole number and per_day a number")
        if day != k:
            return bad(f"series file '{path}' row {k + 2}: days must run 0, 1, 2 ... without gaps (found {day})")
        if not 0 <= rate < math.inf:
            return bad(f"series file '{path}' row {k + 2}: per_day must be a finite number >= 0 (found {row['per_day']})")
        values.append(rate)
    return tuple(values)


def _expand_variants(data: dict[str, Any], context: _Context, base: schema.Scenario | None) -> list[Variant]:
    """Every variant, and every sweep point of every variant, merged and validated (a variant
    that changes nothing is the base scenario, already validated)."""
    declared = data.get("variants") or {}
    overlays: list[tuple[str, Any]] = list(declared.items()) if isinstance(declared, dict) else []
    if not overlays:
        overlays = [(BASE_VARIANT, LocDict())]
    sweep = data.get("sweep")
    well_formed = isinstance(sweep, dict) and all(isinstance(k, str) and isinstance(v, list) and v for k, v in sweep.items())
    if well_formed and sweep_size(sweep) * len(overlays) > MAX_VARIANTS:
        where = data.where("sweep") if len(overlays) == 1 else data.where("variants")
        context.add(where, "sweep", f"{len(overlays)} variant(s) × {sweep_size(sweep):,} sweep points make "
                                    f"{sweep_size(sweep) * len(overlays):,} variants (at most {MAX_VARIANTS} run together)", None)
        return []
    if len(overlays) > MAX_VARIANTS:
        context.add(data.where("variants"), "variants", f"{len(overlays)} variants (at most {MAX_VARIANTS} run together)", None)
        return []
    points = sweep_points(sweep) if well_formed else []  # else the schema reported the sweep
    if points:
        for position, key in settings_changed(sweep):
            context.add(position, f"sweep.{key}", _SETTING_MESSAGE, None)
    root = strip_experiment_keys(data)
    variants = []
    for name, overlay in overlays:
        overlay = overlay if overlay is not None else LocDict()
        if not isinstance(overlay, dict):
            continue  # the schema already reported that a variant must be a map
        misplaced = [k for k in overlay if k in VARIANT_ONLY_KEYS]
        for key in misplaced:
            context.add(overlay.where(key), f"variants.{name}.{key}", f"'{key}' belongs to the whole file, not to a variant", str(name))
        for position, key in settings_changed(overlay):
            context.add(position, f"variants.{name}.{key}", _SETTING_MESSAGE, str(name))
        changes, additions = _split_additions(overlay, name, context)
        for point_name, values in points or [("", {})]:
            full_name = f"{name}/{point_name}" if points and declared else (point_name or str(name))
            if not changes and not additions and not values:
                if base is not None:
                    unchanged = base.model_copy(update={"variants": {}, "baseline": None, "sweep": None, "uncertain": {}})
                    variants.append(Variant(full_name, unchanged, plain(root), {}))
                continue
            errors: list[MergeError] = []
            swept = LocDict(values, pos=data.where("sweep"), key_pos={k: data["sweep"].where(k) for k in values})
            merged = add(merge(root, changes, errors, _open_map), additions, errors)
            merged = merge(merged, swept, errors, _open_map)
            for err in errors:
                context.add(err.position, err.path, err.message, full_name)
            if errors:
                continue
            scenario = context.validate(merged, data, full_name)
            if scenario is not None:
                variants.append(Variant(full_name, scenario, plain(strip_experiment_keys(merged)), dict(values)))
    return variants


def _check_ranges(data: dict[str, Any], context: _Context) -> None:
    """Each end of each `uncertain` range merged into the scenario and validated, as a sweep point
    would be: a path that does not exist, or a value its key does not take, is reported there
    (once per range: the first end that fails says it)."""
    ranges = data["uncertain"]
    root = strip_experiment_keys(data)
    for path, spec in ranges.items():
        for end in ("low", "high", "mode"):
            if end not in spec:
                continue
            before = len(context.problems)
            errors: list[MergeError] = []
            value = LocDict({path: spec[end]}, pos=ranges.where(path), key_pos={path: spec.where(end)})
            merged = merge(root, value, errors, _open_map)
            for err in errors:
                context.add(err.position, f"uncertain.{path}", err.message.replace("sweep", "uncertain"), None)
            if not errors:
                context.validate(merged, data, f"uncertain.{path}.{end}")
            if len(context.problems) > before:
                break


_SETTING_MESSAGE = ("replications and seed belong to the whole run, not to a variant (set them in the base `run`, "
                    "or with --replications and --seed)")


def _open_map(parts: list[str | int]) -> bool:
    """Whether the map at `parts` has keys the user names (a new key there needs `add:`)."""
    return open_map(schema.Scenario, parts)


def _split_additions(overlay: dict[str, Any], name: str, context: _Context) -> tuple[LocDict, LocDict]:
    """A variant's changes, and its `add:` block (new entries, items appended to lists)."""
    changes = LocDict({k: v for k, v in overlay.items() if k != ADD}, pos=getattr(overlay, "pos", (1, 1)),
                      key_pos=getattr(overlay, "key_pos", {}))
    additions = overlay.get(ADD, LocDict())
    if additions is None:
        additions = LocDict()
    if not isinstance(additions, dict):
        context.add(overlay.where(ADD), f"variants.{name}.{ADD}", "expected a map of new entries (keys or dotted paths to values)", str(name))
        additions = LocDict()
    return changes, additions


def _same_as_baseline(data: dict[str, Any], variants: list[Variant], baseline: str, context: _Context) -> None:
    """Warn about a declared variant that runs exactly as the baseline does (at every sweep point)."""
    declared = data.get("variants") or {}
    by_name = {v.name: v for v in variants}
    base_name = baseline.split("/", 1)[0]
    for name in declared:
        if name == base_name:
            continue
        pairs = [(v, by_name.get(f"{base_name}/{v.name.split('/', 1)[1]}" if "/" in v.name else baseline))
                 for v in variants if v.name == name or v.name.startswith(f"{name}/")]
        if pairs and all(other is not None and _effect(v.scenario) == _effect(other.scenario) for v, other in pairs):
            context.warn(declared.where(name), f"variants.{name}",
                         f"this variant runs exactly as the baseline '{baseline}' after merging: it can show no difference", str(name))


def _effect(scenario: schema.Scenario) -> schema.Scenario:
    """What a scenario runs: everything but its name, description and sources."""
    return scenario.model_copy(update={"name": "", "description": "", "sources": ()})


def _baseline(data: dict[str, Any], variants: list[Variant], context: _Context) -> str:
    names = [v.name for v in variants]
    baseline = data.get("baseline")
    if not isinstance(baseline, str):  # absent, or not text: the schema reported it
        return names[0] if names else BASE_VARIANT
    declared = data.get("variants") or {}
    if baseline in names:
        return str(baseline)
    if isinstance(declared, dict) and baseline in declared:
        matching = [n for n in names if n.startswith(f"{baseline}/")]
        if matching or not names:
            return matching[0] if matching else str(baseline)
        return str(baseline)  # the baseline variant itself failed validation, already reported
    names = [str(k) for k in declared] if isinstance(declared, dict) else []
    hint = difflib.get_close_matches(str(baseline), names, n=1)
    expected = f"did you mean '{hint[0]}'?" if hint else "expected one of the variants: " + ", ".join(names)
    context.add(data.where("baseline"), "baseline", f"'{baseline}' is not a variant ({expected})", None)
    return str(baseline)


# --- locating and describing pydantic errors ------------------------------------------------


def locate(data: Any, loc: tuple[Any, ...], *, missing: bool = False) -> tuple[Position, str]:
    """Position and readable path of a validation error location within located data.

    Elements of `loc` that are not keys or indices of the data (union tags, validator names)
    are skipped; a missing key is named after the deepest existing parent.
    """
    node, position, parts = data, getattr(data, "pos", (1, 1)), []
    for element in loc:
        if isinstance(node, dict) and element in node:
            position = node.where(element) if isinstance(node, LocDict) else position
            node = node[element]
            parts.append(element)
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            position = node.where(element) if hasattr(node, "where") else position
            node = node[element]
            parts.append(element)
    if missing and loc and isinstance(loc[-1], str) and not loc[-1].startswith("<"):
        parts.append(loc[-1])
    return position, format_path(parts)


def format_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """``pathways.ed_visit[0].use`` from ('pathways', 'ed_visit', 0, 'use')."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else (f".{part}" if text else str(part))
    return text


def _all_keys() -> dict[frozenset[str], list[str]]:
    keys = {}
    for model in _models(schema.Scenario, set()):
        aliases = [f.alias or name for name, f in model.model_fields.items()]
        keys[frozenset(aliases)] = sorted(aliases)
    return keys


def _models(model: type[pydantic.BaseModel], seen: set[type]) -> list[type[pydantic.BaseModel]]:
    found = [model]
    seen.add(model)
    for sub in schema.Strict.__subclasses__():
        if sub not in seen:
            found += _models(sub, seen)
    return found


_KEY_SETS = _all_keys()
_VOCABULARY = sorted({k for keys in _KEY_SETS for k in keys})


def describe(error: dict[str, Any], data: Any) -> str:
    """A readable message for one pydantic error: what is wrong (what was expected)."""
    kind, message, value = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return "required key missing"
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        siblings = _parent(data, error["loc"])
        known = set(siblings) - {key} if isinstance(siblings, dict) else set()
        allowed = min((keys for keys_set, keys in _KEY_SETS.items() if known <= keys_set), key=len, default=None)
        hint = difflib.get_close_matches(str(key), allowed or _VOCABULARY, n=1, cutoff=0.6)
        if hint:
            return f"unknown key '{key}' (did you mean '{hint[0]}'?)"
        return f"unknown key '{key}'" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
    if kind == "literal_error":
        return f"'{value}' is not allowed (expected {error.get('ctx', {}).get('expected', '')})"
    if kind in ("value_error", "assertion_error"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("distribution", "step", "rule", "choice"):
        return f"{message}" + (f" (got keys: {', '.join(map(str, value))})" if isinstance(value, dict) else f" (got {_show(value)})")
    expected = message.removeprefix("Input should be ").removeprefix("input should be ")
    if expected != message:
        return f"expected {expected} (got {_show(value)})"
    return f"{message} (got {_show(value)})"


def _parent(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for element in loc[:-1]:
        if isinstance(node, dict) and element in node or isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            node = node[element]
    return node


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(plain(value))
