"""`coopsim target`: the smallest value of an integer lever (beds, scanners, doctors in a window)
that meets every target of a scenario with 95% confidence.

Every candidate is a point of a sweep of the lever over the range, so all candidates see the same
random patients (common random numbers) and any replication of a candidate is the same whichever
search asks for it. The search:

1. judges the top of the range first: if even it does not meet the targets, there is no answer;
2. then the bottom: if it already meets them, it is the answer;
3. then bisects, assuming more of the lever never hurts (monotone), which it checks afterwards on
   the paired differences between neighbouring candidates it ran.

A candidate is judged on the replications run so far: met when every target's interval lies on
the right side of its level, not met when one lies on the wrong side, undecided otherwise. An
undecided candidate gets more replications (doubling) up to the maximum; still undecided there,
it is not shown to meet the targets and counts as not met (the answer stays conservative). Each
interval is a t interval at confidence 1 − 0.05 / K, K the most looks a candidate can get, so
that over all its looks a candidate is wrongly judged with probability at most 5 % (Bonferroni).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from sim.experiment import tables
from sim.experiment.executors import Task, executor_for, run_tasks
from sim.experiment.run import Execution, Plan, RunOptions, build_files
from sim.results import writer
from sim.results.targets import Criterion, criteria, interval
from sim.scenario import schema
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.limits import MAX_CAPACITY, MAX_VARIANTS
from sim.scenario.loader import LoadedScenario, load_file, load_text
from sim.scenario.merge import value_at

ALPHA = 0.05
"""The chance, over all its looks, that a candidate is wrongly judged."""


@dataclass(frozen=True, kw_only=True)
class TargetOptions(Execution):
    """What the command line sets for a target search."""

    lever: str
    low: float
    high: float
    step: float | None = None
    """The step between candidates of a lever that is not a whole number (a quota share in steps of 0.05)."""
    variant: str | None = None
    """The variant whose lever is searched (default: the baseline)."""
    targets: tuple[str, ...] = ()
    """The targets to meet, by step or role (default: every target with a level)."""
    replications: int | None = None
    max_replications: int | None = None


@dataclass
class Candidate:
    """One value of the lever: its judgement on the replications run so far."""

    value: float
    variant: str
    replications: int = 0
    judged_on: int = 0
    """The replications of its verdict (the folder may hold more: every candidate is brought to the same count)."""
    verdict: bool | None = None
    """True: every target met; False: some target not met; None: undecided."""
    intervals: dict[tuple[str, str, str], tuple[float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Search:
    """What the search found: the answer (None when even the top does not meet the targets), every
    candidate judged in lever order, and what was said about monotonicity."""

    answer: float | None
    candidates: list[Candidate]
    criteria: list[Criterion]
    monotone: list[str]
    folder: Path
    confidence: float


def _fail(path: Path, message: str, option: str = "--lever") -> ScenarioError:
    return ScenarioError([Problem(str(path), 0, 0, option, message)])


def _at_the_file(err: ScenarioError, path: Path, what: str) -> ScenarioError:
    """Problems of the scenario the search generates, said of the user's file without the
    generated text's positions."""
    return ScenarioError([replace(p, file=str(path), line=0, column=0, message=f"{what}: {p.message}") for p in err.problems])


def lever_value(data: Any, lever: str, whole: bool = True) -> float:
    """The number the lever names in the scenario's data, a whole one unless `whole` is False
    (ValueError saying why if it is not one)."""
    node = value_at(data, lever)
    if isinstance(node, dict) and "capacity" in node:
        raise ValueError(f"{lever} is a resource with a schedule or options: name its capacity ({lever}.capacity)")
    if isinstance(node, bool) or not isinstance(node, int if whole else (int, float)):
        if not whole:
            raise ValueError(f"{lever} is {node!r}, not a number")
        raise ValueError(f"{lever} is {node!r}, not a whole number: a lever must be an integer (beds, scanners, doctors), "
                         "or a number searched in steps (--step)")
    return node


def count(options: TargetOptions) -> float:
    """How many values the search has (computed, not listed: a tiny step is refused before anything is built)."""
    step = options.step or 1.0
    return math.floor((options.high - options.low) / step + 1e-9) + 1 if math.isfinite((options.high - options.low) / step) else math.inf


def candidates(options: TargetOptions) -> list[float]:
    """The values searched: every whole number from A to B, or A, A + step, ... up to B (whole
    numbers when the step is one)."""
    if options.step is None:
        return list(range(int(options.low), int(options.high) + 1))
    values = [round(options.low + k * options.step, 10) for k in range(int(count(options)))]
    return [int(v) for v in values] if all(float(v).is_integer() for v in values) else values


def prepare(path: Path, options: TargetOptions, base: LoadedScenario | None = None,
            confined: bool = False) -> tuple[LoadedScenario, dict[float, str]]:
    """The scenario (its baseline, or `options.variant`) swept over the lever's range, and each
    value's variant name; ScenarioError for a scenario that does not load, an unknown variant, a
    lever that is not an integer path, or a range it cannot take. `base` is the scenario already
    loaded from `path` (its data files read from `path`'s folder, only from it if `confined`)."""
    path = Path(path)
    base = base or load_file(path)  # the scenario's own problems, with their lines
    variant = options.variant or base.baseline
    if variant not in base.names:
        raise ScenarioError([Problem(str(path), 0, 0, "--variant", f"unknown variant '{variant}' (variants: {', '.join(base.names)})")])
    searched = base.variant(variant).scenario
    unknown = [name for name in options.targets if name not in _target_names(searched)]
    if unknown:
        raise ScenarioError([Problem(str(path), 0, 0, "--targets", f"no target on '{unknown[0]}' (targets on: "
                                     f"{', '.join(_target_names(searched)) or 'none'})")])
    if not any(_chosen(t, options) and (isinstance(t, schema.OccupancyTarget) or t.share is not None) for t in searched.targets):
        raise ScenarioError([Problem(str(path), 0, 0, "targets", "no target has a compliance level to meet: add `share:` to a "
                                     "wait target ({wait: NAME, within: 4h, share: 0.9}) or an occupancy target")])
    shown = f"--range {options.low:g}..{options.high:g}"
    if not 0 <= options.low < options.high <= MAX_CAPACITY:
        raise _fail(path, f"{shown}: expected 0 <= A < B <= {MAX_CAPACITY:,}", "--range")
    if options.step is None and not (float(options.low).is_integer() and float(options.high).is_integer()):
        raise _fail(path, f"{shown}: whole numbers, or give --step for a lever that is not one", "--range")
    if options.step is not None and not 0 < options.step <= options.high - options.low:
        raise _fail(path, f"--step {options.step:g}: expected more than 0 and at most B - A", "--step")
    if count(options) > MAX_VARIANTS:
        raise _fail(path, f"{shown} has {count(options):,.0f} values (at most {MAX_VARIANTS}: a larger --step)", "--range")
    if (options.replications or base.base.run.replications) < 2:
        raise _fail(path, "a candidate is judged on a 95% interval, which needs at least 2 replications (--replications)",
                    "--replications")
    data = base.variant(variant).data
    try:
        lever_value(data, options.lever, whole=options.step is None)
    except ValueError as err:
        raise _fail(path, f"--lever {options.lever}: {err}") from None
    swept = dict(data)  # a variant's data: the experiment keys are already out of it
    swept["sweep"] = {options.lever: candidates(options)}
    try:
        loaded = load_text(yaml.safe_dump(swept, sort_keys=False, allow_unicode=True), str(path), base_dir=path.parent, sha256=base.sha256,
                           confined=confined)
    except ScenarioError as err:
        raise _at_the_file(err, path, f"--lever {options.lever} over {shown}") from None
    return loaded, dict(zip(candidates(options), loaded.names))


def _target_names(scenario: schema.Scenario) -> list[str]:
    """The step or role each target of a scenario is on."""
    return [t.wait if isinstance(t, schema.WaitTarget) else t.occupancy for t in scenario.targets]


def _chosen(target: schema.Target, options: TargetOptions) -> bool:
    """Whether the search must meet this target (all of them unless --targets names some)."""
    return not options.targets or (target.wait if isinstance(target, schema.WaitTarget) else target.occupancy) in options.targets


def looks(first: int, most: int) -> int:
    """How many times a candidate may be judged: at `first` replications, then doubling up to `most`."""
    count, n = 1, first
    while n < most:
        n, count = min(2 * n, most), count + 1
    return count


def judge(candidate: Candidate, values: dict[tuple[str, str, str, str], list[float]], found: list[Criterion], confidence: float) -> None:
    """Judge a candidate on its replications so far, at `confidence`."""
    by_key = {(m, s, st): xs for (m, s, st, _), xs in values.items()}
    verdicts = []
    for criterion in found:
        xs = by_key.get(criterion.key)
        if xs is None:
            continue
        mean, low, high = interval(xs, confidence)
        candidate.intervals[criterion.key] = (mean, low, high)
        if criterion.level is None:
            continue
        if math.isnan(low):
            verdicts.append(None)
        elif criterion.above:
            verdicts.append(True if low >= criterion.level else False if high < criterion.level else None)
        else:
            verdicts.append(True if high <= criterion.level else False if low > criterion.level else None)
    candidate.verdict = False if False in verdicts else None if None in verdicts or not verdicts else True


class Searcher:
    """Runs and judges candidates, keeping every replication it ran."""

    def __init__(self, loaded: LoadedScenario, names: dict[float, str], options: TargetOptions, executor: Any,
                 on_step: Callable[[Candidate], None] | None):
        self.loaded, self.names, self.executor, self.on_step, self.options = loaded, names, executor, on_step, options
        self.first = options.replications or loaded.base.run.replications
        self.most = max(options.max_replications or 4 * self.first, self.first)
        self.seed = options.seed if options.seed is not None else loaded.base.run.seed
        self.confidence = 1.0 - ALPHA / looks(self.first, self.most)
        self.results: dict[Task, Any] = {}
        self.candidates: dict[float, Candidate] = {}
        self.found: list[Criterion] = []
        self.seconds_per_run: float | None = None

    def run(self, candidate: Candidate, replications: int) -> None:
        """Bring a candidate to `replications` replications."""
        if replications <= candidate.replications:
            return
        started = time.perf_counter()
        self.results.update(run_tasks(self.loaded, (candidate.variant,), range(candidate.replications, replications), self.seed,
                                      self.executor))
        if self.seconds_per_run is None:
            self.seconds_per_run = (time.perf_counter() - started) / (replications - candidate.replications)
        candidate.replications = replications

    def evaluate(self, value: float) -> Candidate:
        """Judge a candidate, adding replications while it is undecided (up to the maximum)."""
        candidate = self.candidates.setdefault(value, Candidate(value, self.names[value]))
        n = max(candidate.replications, self.first)
        while True:
            self.run(candidate, n)
            grouped = tables.by_variant({t: r for t, r in self.results.items() if t.variant == candidate.variant})
            values = tables.values(grouped[candidate.variant])
            if not self.found:
                found = criteria(self.loaded.variant(candidate.variant).scenario, [k[:3] for k in values])
                self.found = [c for c in found if _chosen(c.target, self.options)]
            judge(candidate, values, self.found, self.confidence)
            candidate.judged_on = n
            if candidate.verdict is not None or n >= self.most:
                break
            n = min(2 * n, self.most)
        if self.on_step is not None:
            self.on_step(candidate)
        return candidate


def bounds(options: TargetOptions) -> int:
    """The most candidates a search over the range judges: the two ends and a bisection between them."""
    return 2 + math.ceil(math.log2(max(len(candidates(options)) - 1, 1)))


def search(path: Path, options: TargetOptions, on_start: Callable[[int, int, float | None], None] | None = None,
           on_step: Callable[[Candidate], None] | None = None, base: LoadedScenario | None = None, confined: bool = False) -> Search:
    """Find the smallest lever value that meets every target; write its runs as a results folder
    (`base` and `confined` as for `prepare`)."""
    loaded, names = prepare(path, options, base, confined)
    out = options.out if options.out is not None else Path("results") / f"{Path(path).stem}_target"
    writer.check_output(out, options.force)
    started = time.perf_counter()
    executor = executor_for(options.workers, options.scheduler)
    try:
        searcher = Searcher(loaded, names, options, executor, on_step)
        answer = _bisect(searcher, options, on_start)
        _even_up(searcher)
    finally:
        executor.close()
    candidates = [searcher.candidates[v] for v in sorted(searcher.candidates)]
    said = monotone(searcher, candidates)
    folder = _write(searcher, candidates, options, out, answer, said, time.perf_counter() - started)
    return Search(answer, candidates, searcher.found, said, folder, searcher.confidence)


def _bisect(searcher: Searcher, options: TargetOptions, on_start: Callable[[int, int, float | None], None] | None) -> float | None:
    values = candidates(options)
    top = searcher.evaluate(values[-1])
    if on_start is not None:
        on_start(bounds(options), searcher.most, searcher.seconds_per_run)
    if not top.verdict:
        return None
    low, high = 0, len(values) - 1
    if searcher.evaluate(values[low]).verdict:
        return values[low]
    while high - low > 1:  # values[low] is not shown to meet the targets, values[high] meets them
        middle = (low + high) // 2
        if searcher.evaluate(values[middle]).verdict:
            high = middle
        else:
            low = middle
    return values[high]


def _even_up(searcher: Searcher) -> None:
    """Bring every candidate judged to the same replications, so that the folder is one run."""
    most = max(c.replications for c in searcher.candidates.values())
    for candidate in searcher.candidates.values():
        searcher.run(candidate, most)


def monotone(searcher: Searcher, candidates: list[Candidate]) -> list[str]:
    """Where more of the lever made a target's statistic worse, beyond noise (paired, 95%): each
    such pair of neighbouring candidates said in a sentence; empty when the assumption holds."""
    grouped = tables.by_variant(searcher.results)
    found = []
    for a, b in zip(candidates, candidates[1:]):
        xa, xb = tables.values(grouped[a.variant]), tables.values(grouped[b.variant])
        for criterion in searcher.found:
            key = next((k for k in xa if k[:3] == criterion.key), None)
            if key is None or key not in xb:
                continue
            diffs = [y - x for x, y in zip(xa[key], xb[key]) if not (math.isnan(x) or math.isnan(y))]
            _, low, high = interval(diffs, 1 - ALPHA)
            worse = high < 0 if criterion.above else low > 0
            if worse:
                found.append(f"{criterion.key[1]} {criterion.key[0]} {criterion.key[2]} is worse at {b.value} than at {a.value}")
    return found


def _write(searcher: Searcher, ran: list[Candidate], options: TargetOptions, out: Path, answer: float | None,
           said: list[str], wall: float) -> Path:
    variants = tuple(c.variant for c in ran)
    judged = replace(searcher.loaded, variants=tuple(searcher.loaded.variant(v) for v in variants), baseline=variants[0])
    plan_ = Plan(judged, variants, ran[0].replications, searcher.seed, out)  # compared with the smallest value judged
    run_options = RunOptions.of(options, plan_.replications, searcher.seed, out)
    results = {t: r for t, r in searcher.results.items() if t.variant in variants and t.replication < plan_.replications}
    files = build_files(plan_, results, run_options, wall)
    manifest = json.loads(files["manifest.json"])
    manifest["target_search"] = {
        "lever": options.lever, "range": [options.low, options.high], "step": options.step, "answer": answer,
        "first_replications": searcher.first, "most_replications": searcher.most, "confidence": searcher.confidence,
        "monotone": not said, "not_monotone": said,
        "candidates": [{"value": c.value, "variant": c.variant, "replications_judged": c.judged_on, "met": c.verdict,
                        "intervals": [{"metric": k[0], "scope": k[1], "stat": k[2], "mean": _number(m), "low": _number(lo),
                                       "high": _number(hi)} for k, (m, lo, hi) in c.intervals.items()]} for c in ran],
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
    return writer.write_folder(out, files, force=options.force)


def _number(x: float) -> float | None:
    """A number for JSON: NaN (no interval from one replication) is null."""
    return None if math.isnan(x) else x
