"""`coopsim sensitivity`: how far the key results depend on the inputs a scenario knows only as a
range (its `uncertain:` block).

One at a time: each input at its low and at its high value, all others as in the baseline, every
variant with the same random patients (common random numbers), so that the tornado's bars are the
paired differences against the baseline, not noise. Sobol indices (SALib, Saltelli's design):
first-order and total indices of each input for each key mean, from N × (k + 2) points of the
ranges, each run with the same replications, at a budget said before it runs.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.experiment import tables
from sim.experiment.executors import executor_for, run_tasks
from sim.experiment.run import Execution, Plan, RunOptions, build_files
from sim.results import writer
from sim.scenario import schema, units
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.limits import MAX_VARIANTS
from sim.scenario.loader import LoadedScenario, load_file, load_text
from sim.scenario.merge import value_at

BASE = "base"
"""The baseline of a sensitivity run: every input as the scenario writes it."""
SOBOL_BATCH = MAX_VARIANTS - 1
"""Points of Saltelli's design loaded as the variants of one scenario (beside its baseline)."""
MAX_SOBOL_POINTS = 4096
"""Points of Saltelli's design a sensitivity run makes at most (N × (k + 2))."""
MAX_SOBOL_METRICS = 8
"""Key means whose Sobol indices are computed (the first of the key metrics)."""


@dataclass(frozen=True)
class Input:
    """One uncertain input: its path, range, the unit its values are written in, and its origin."""

    path: str
    spec: schema.UncertainInput
    kind: str
    """`number`, `integer`, `duration` (minutes) or `rate` (per minute)."""
    index: int = 0
    """Its place in the `uncertain:` block, from 1."""

    @property
    def short(self) -> str:
        """A variant name for it: its place and the last word of its path (`2_mean`)."""
        word = next((part for part in reversed(self.path.split(".")) if not part.isdigit()), "input")
        return f"{self.index}_{re.sub(r'[^A-Za-z0-9_-]', '_', word)}"[:50]

    @property
    def bounds(self) -> tuple[float, float]:
        """Low and high as numbers in the base unit."""
        return number(self.spec.low), number(self.spec.high)

    def written(self, x: float) -> Any:
        """A value of the range as the scenario language writes it at this path."""
        if self.kind == "integer":
            return int(round(x))
        if self.kind == "duration":
            return f"{_digits(x)}min"
        if self.kind == "rate":
            return f"{_digits(x * 1440)}/d"
        return float(f"{x:.6g}")


def _digits(x: float) -> str:
    """A positive amount in plain digits, six significant ones, never an exponent (the language reads no `1e+06`)."""
    decimals = max(0, 5 - math.floor(math.log10(abs(x)))) if x else 0
    return f"{x:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:.0f}"


def number(value: float | str) -> float:
    """A value of a range as a number in the base unit (minutes, per minute)."""
    found = units.amount(value)
    if found is None:
        raise ValueError(f"'{value}' is not a number, a duration or a rate")
    return found


def kind_of(spec: schema.UncertainInput, current: Any) -> str:
    """How the values of a range are written: whole numbers when both ends are whole and the
    scenario does not hold a fraction there (a capacity, a count), numbers, durations or rates."""
    if isinstance(spec.low, (int, float)):
        whole = all(float(v).is_integer() for v in (spec.low, spec.high) if isinstance(v, (int, float)))
        return "integer" if whole and not isinstance(current, float) else "number"
    try:
        units.parse_duration(spec.low)
        return "duration"
    except ValueError:
        return "rate"


def current(data: Any, path: str) -> Any:
    """The value at a dotted path of a scenario's data (None where there is none)."""
    try:
        return value_at(data, path)
    except ValueError:
        return None


def inputs(scenario: schema.Scenario, data: dict[str, Any]) -> list[Input]:
    """The scenario's uncertain inputs, in file order."""
    return [Input(path, spec, kind_of(spec, current(data, path)), k) for k, (path, spec) in enumerate(scenario.uncertain.items(), 1)]


@dataclass
class Sensitivity:
    """What a sensitivity run found: the one-at-a-time folder, and the Sobol indices when asked."""

    folder: Path
    inputs: list[Input]
    sobol: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """By key metric (`metric scope stat`), by input path: S1, S1_conf, ST, ST_conf."""


@dataclass(frozen=True, kw_only=True)
class SensitivityOptions(Execution):
    """What the command line sets for a sensitivity run."""

    variant: str | None = None
    replications: int | None = None
    sobol: int = 0
    """N of Saltelli's design (0: no Sobol indices)."""
    sobol_replications: int = 1


def _problem(path: Path, key: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), 0, 0, key, message)])


def with_variants(path: Path, data: dict[str, Any], overlays: dict[str, dict[str, Any]], sha256: str,
                  confined: bool = False) -> LoadedScenario:
    """The scenario with one variant per overlay (the first the baseline): same random patients
    (its data files read from `path`'s folder, only from it if `confined`)."""
    document = dict(data)  # a variant's data: the experiment keys are already out of it
    document["variants"] = overlays
    document["baseline"] = next(iter(overlays))
    try:
        return load_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), str(path), base_dir=path.parent, sha256=sha256,
                         confined=confined)
    except ScenarioError as err:  # positions in the generated text mean nothing to the user: the key and the value do
        raise ScenarioError([replace(p, file=str(path), line=0, column=0, path=f"uncertain ({p.variant}): {p.path}")
                             for p in err.problems]) from None


def prepare(path: Path, options: SensitivityOptions, base: LoadedScenario | None = None) -> tuple[LoadedScenario, list[Input], dict[str, Any]]:
    """The scenario (`base`: already loaded from `path`), its uncertain inputs and the data of the variant they apply to."""
    path = Path(path)
    base = base or load_file(path)
    if not base.base.uncertain:
        raise _problem(path, "uncertain", "the scenario has no `uncertain:` block: add the inputs known only as a range, e.g. "
                                          "uncertain: {arrivals.0.rate: {low: 180/d, high: 230/d, source: E8}}")
    variant = options.variant or base.baseline
    if variant not in base.names:
        raise _problem(path, "--variant", f"unknown variant '{variant}' (variants: {', '.join(base.names)})")
    data = base.variant(variant).data
    found = inputs(base.base, data)
    sobol = options.sobol
    if sobol and (sobol < 4 or sobol & (sobol - 1) or sobol * (len(found) + 2) > MAX_SOBOL_POINTS):
        raise _problem(path, "--sobol", f"--sobol {sobol}: N must be a power of 2 from 4 (8, 16, 32, ...) and N x (inputs + 2) at most "
                                        f"{MAX_SOBOL_POINTS:,} points ({len(found)} inputs)")
    return base, found, data


@dataclass(frozen=True)
class Study:
    """Variants of one scenario run together for a study of its inputs, and where they are written."""

    loaded: LoadedScenario
    replications: int
    seed: int
    out: Path


def study(path: Path, base: LoadedScenario, loaded: LoadedScenario, options: Execution, replications: int | None,
          suffix: str) -> Study:
    """The study of `loaded`'s variants: replications, seed and output folder (checked now)."""
    seed = options.seed if options.seed is not None else base.base.run.seed
    out = options.out if options.out is not None else Path("results") / f"{Path(path).stem}_{suffix}"
    writer.check_output(out, options.force)
    return Study(loaded, replications or base.base.run.replications, seed, out)


def execute(plan: Study, options: Execution, section: str, describe: Callable[[Any], dict[str, Any]],
            also: Callable[[Any], Any] | None = None, on_start: Callable[[int, float], None] | None = None,
            on_done: Callable[[Any], None] | None = None) -> tuple[Path, Any]:
    """Run every variant of a study (and `also(executor)` on the same workers); write the results
    folder with `describe(also's result)` as the manifest's `section`; the folder and also's result."""
    loaded = plan.loaded
    started = time.perf_counter()
    executor = executor_for(options.workers, options.scheduler)
    try:  # the baseline's first replication first: its time bounds the run's, announced before the rest
        results = run_tasks(loaded, (BASE,), range(1), plan.seed, executor, on_done)
        if on_start is not None:
            on_start(len(loaded.names) * plan.replications, time.perf_counter() - started)
        results.update(run_tasks(loaded, (BASE,), range(1, plan.replications), plan.seed, executor, on_done))
        results.update(run_tasks(loaded, loaded.names[1:], range(plan.replications), plan.seed, executor, on_done))
        extra = also(executor) if also is not None else None
    finally:
        executor.close()
    run_options = RunOptions.of(options, plan.replications, plan.seed, plan.out)
    files = build_files(Plan(loaded, loaded.names, plan.replications, plan.seed, plan.out), results, run_options,
                        time.perf_counter() - started)
    manifest = json.loads(files["manifest.json"])
    manifest[section] = describe(extra)
    files["manifest.json"] = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
    return writer.write_folder(plan.out, files, force=options.force), extra


def described(item: Input) -> dict[str, Any]:
    """An uncertain input as the manifest keeps it: its path, range and origin."""
    return {"path": item.path, "low": item.spec.low, "high": item.spec.high, **({"mode": item.spec.mode} if item.spec.mode is not None else {}),
            **({"source": item.spec.source} if item.spec.source else {"assumption": item.spec.assumption})}


def one_at_a_time(path: Path, options: SensitivityOptions, on_start: Callable[[int, float], None] | None = None,
                  on_done: Callable[[Any], None] | None = None, base: LoadedScenario | None = None,
                  confined: bool = False) -> Sensitivity:
    """Run the baseline and each input at its low and high value; write the results folder
    (`base`: the scenario already loaded from `path`; `confined` as for `with_variants`)."""
    path = Path(path)
    base, found, data = prepare(path, options, base)
    overlays: dict[str, dict[str, Any]] = {BASE: {}}
    for item in found:
        low, high = item.bounds
        overlays[f"{item.short}_low"] = {item.path: item.written(low)}
        overlays[f"{item.short}_high"] = {item.path: item.written(high)}
    plan = study(path, base, with_variants(path, data, overlays, base.sha256, confined), options, options.replications, "sensitivity")

    def sobol(executor: Any) -> dict[str, dict[str, dict[str, float]]]:
        return _sobol(path, base, found, data, options, plan.seed, executor) if options.sobol else {}

    def describe(indices: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
        return {"method": "one at a time", "baseline": BASE,
                "inputs": [{**described(i), "low_variant": f"{i.short}_low", "high_variant": f"{i.short}_high"} for i in found],
                **({"sobol": {"n": options.sobol, "replications": options.sobol_replications, "points": options.sobol * (len(found) + 2),
                              "indices": indices}} if options.sobol else {})}

    folder, indices = execute(plan, options, "sensitivity", describe, sobol, on_start, on_done)
    return Sensitivity(folder, found, indices)


def _means(values: dict[tuple[str, str, str, str], list[float]]) -> dict[tuple[str, str, str], float]:
    """Each statistic's mean over the replications of a point (those it has a value in)."""
    found = {}
    for key, xs in values.items():
        x = np.asarray(xs, dtype=float)
        if np.isfinite(x).any():
            found[key[:3]] = float(x[np.isfinite(x)].mean())
    return found


def sobol_points(found: list[Input], n: int) -> np.ndarray:
    """Saltelli's design over the inputs' ranges (uniform, or triangular with a mode): N × (k + 2) rows."""
    from SALib.sample import sobol as design

    problem = _salib_problem(found)
    return design.sample(problem, n, calc_second_order=False, seed=0)


def _salib_problem(found: list[Input]) -> dict[str, Any]:
    bounds, dists = [], []
    for item in found:
        low, high = item.bounds
        if item.spec.mode is None:
            bounds.append([low, high])
            dists.append("unif")
        else:  # SALib's triangular: [low, high, mode as a fraction of the width]
            peak = (number(item.spec.mode) - low) / (high - low)
            bounds.append([low, high, min(max(peak, 1e-9), 1 - 1e-9)])  # SALib wants the peak strictly inside
            dists.append("triang")
    return {"num_vars": len(found), "names": [i.path for i in found], "bounds": bounds, "dists": dists}


def _sobol(path: Path, base: LoadedScenario, found: list[Input], data: dict[str, Any], options: SensitivityOptions, seed: int,
           executor: Any) -> dict[str, dict[str, dict[str, float]]]:
    """First-order and total Sobol indices of the first key means, from Saltelli's design."""
    from SALib.analyze import sobol as analyse

    points = sobol_points(found, options.sobol)
    means: dict[str, dict[tuple[str, str, str], float]] = {}
    for start in range(0, len(points), SOBOL_BATCH):  # loaded in batches: a scenario holds at most MAX_VARIANTS variants
        overlays: dict[str, dict[str, Any]] = {BASE: {}}
        for k in range(start, min(start + SOBOL_BATCH, len(points))):
            overlays[f"point{k}"] = {item.path: item.written(x) for item, x in zip(found, points[k])}
        loaded = with_variants(path, data, overlays, base.sha256)
        grouped = tables.by_variant(run_tasks(loaded, loaded.names, range(options.sobol_replications), seed, executor))
        means.update({name: _means(tables.values(grouped[name])) for name in loaded.names})
    keys = [k for k in means[BASE] if k[0] in ("wait", "blocked_time", "access_delay", "time_to_handover") and k[2] == "mean"]
    keys = (keys + [k for k in means[BASE] if k[0] == "occupancy" and k[2] == "mean"])[:MAX_SOBOL_METRICS]
    problem = _salib_problem(found)
    indices: dict[str, dict[str, dict[str, float]]] = {}
    for key in keys:
        y = np.array([means[f"point{k}"].get(key, math.nan) for k in range(len(points))])
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            continue
        si = analyse.analyze(problem, y, calc_second_order=False, seed=0)
        indices[" ".join(key)] = {item.path: {"S1": float(si["S1"][j]), "S1_conf": float(si["S1_conf"][j]), "ST": float(si["ST"][j]),
                                              "ST_conf": float(si["ST_conf"][j])} for j, item in enumerate(found)}
    return indices
