"""The `coopsim` command: parses arguments, calls the library, prints results or one clear
message per problem.

Exit codes: 0 success, 1 the run failed, 2 bad input (scenario, options or results folder),
128 + the signal's number when interrupted (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP). Only the
standard library is imported here at start, so that signals are handled from the first
moment and `--help` answers at once; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from sim import __version__
from sim.scenario.limits import MAX_REPLICATIONS

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

BAD_PATH = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG,
                      errno.EEXIST, errno.ELOOP})
"""File errors that mean a path the user named is wrong (exit 2), not that the run failed (a full disk)."""

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that stop coopsim cleanly: workers stopped, nothing half-written left."""


class Interrupted(KeyboardInterrupt):
    """A stopping signal received: unwinds like Ctrl-C, so that every cleanup runs."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_received: list[int] = []
"""The stopping signals received while the command runs."""


def _stop(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Interrupted(signum)


def _bounded(low: int, high: int, what: str) -> Any:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low:,} to {high:,} (got {value:,})")
        return value

    return parse


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.05")
    return value


def _positive(text: str) -> float:
    """An argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be above 0 (got {text})")
    return value


def _cores() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _load(name: str) -> Any:
    """A scenario by path or bundled name, loaded and validated; its warnings printed."""
    from sim.scenario import bundled
    from sim.scenario.loader import load_file

    loaded = load_file(bundled.resolve(name))
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    return loaded


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario.errors import ScenarioError

    status = EXIT_OK
    for name in args.scenarios:
        try:
            loaded = _load(name)
        except ScenarioError as err:
            print(err, file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        count = len(loaded.variants)
        warned = f", {len(loaded.warnings)} warning{'s' if len(loaded.warnings) != 1 else ''}" if loaded.warnings else ""
        print(f"OK {loaded.path}: {loaded.base.name} ({count} variant{'s' if count != 1 else ''}, baseline {loaded.baseline}{warned})")
    return status


def _schema(args: argparse.Namespace) -> int:
    from sim.scenario.schema import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from sim.scenario import bundled

    files = bundled.bundled()
    if not files:
        print("no bundled scenarios found", file=sys.stderr)
        return EXIT_FAILED
    width = max(len(f.stem) for f in files)
    for path in files:
        name, description = bundled.summary(path)
        print(f"{path.stem:<{width}}  {name}: {description}")
    return EXIT_OK


def _progress(total: int, quiet: bool) -> Any:
    """A rich progress bar on a terminal, nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("left"), TimeRemainingColumn(), transient=True)


class _Bar:
    """A progress bar that learns its total when a study says how many runs it makes."""

    def __init__(self, quiet: bool, what: str, said: Any):
        self.quiet, self.what, self.said = quiet, what, said
        self.progress: Any = None
        self.task: Any = None

    def start(self, total: int, seconds: float) -> None:
        """The study is about to make `total` runs of about `seconds` each: say so, and show a bar on a terminal."""
        self.said(total, seconds)
        self.progress = _progress(total, self.quiet)
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task(self.what, total=total)

    def done(self, _: Any) -> None:
        """One run is done."""
        if self.progress is not None:
            self.progress.advance(self.task)

    def stop(self) -> None:
        """Remove the bar."""
        if self.progress is not None:
            self.progress.stop()


def _run(args: argparse.Namespace) -> int:
    if _empty_out(args):
        return EXIT_BAD_INPUT
    if args.uncertainty:
        return _uncertainty(args)

    from sim.experiment import pool

    workers = args.workers or _cores()
    if workers > 1 and args.scheduler is None:  # they import the engine while this process reads and checks the scenario
        pool.start_early(workers - 1, ("sim.experiment.tasks",))
    try:
        return _run_on(args, workers)
    finally:
        pool.end_early()


def _run_on(args: argparse.Namespace, workers: int) -> int:
    """`coopsim run` on `workers` local workers (or the Dask scheduler given)."""
    import time

    from sim.experiment import run as runner
    from sim.report import terminal as compare
    from sim.scenario import bundled

    options = runner.RunOptions(
        replications=args.replications,
        seed=args.seed,
        variants=tuple(v for v in args.variants.split(",") if v) if args.variants else None,
        out=Path(args.out) if args.out is not None else None,
        workers=workers,
        force=args.force,
        precision=args.precision,
        max_replications=args.max_replications,
        events=args.events,
        scheduler=args.scheduler,
        command=["coopsim", *sys.argv[1:]],
    )
    plan = runner.plan(bundled.resolve(args.scenario), options)
    for warning in plan.loaded.warnings:
        print(warning, file=sys.stderr)
    started = time.perf_counter()
    progress = _progress(plan.tasks, args.quiet)
    if progress is None:
        folder = runner.execute(plan, options)
    else:
        with progress:
            bar = progress.add_task(f"{plan.loaded.base.name}", total=plan.tasks)
            folder = runner.execute(plan, options, on_done=lambda task: progress.advance(bar),
                                    on_more=lambda n: progress.update(bar, total=progress.tasks[0].total + n))
    wall = time.perf_counter() - started
    if not args.quiet:
        compare.print_headlines(folder)
        compare.print_table(folder)
        compare.print_targets(folder)
        compare.print_flows(folder)
        compare.print_advice(folder)
    replications = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["replications"]
    tasks = len(plan.variants) * replications
    print(f"{tasks} tasks ({len(plan.variants)} variant{'s' if len(plan.variants) != 1 else ''} x {replications} replications) in {wall:.1f}s "
          f"on {options.workers} worker{'s' if options.workers != 1 else ''}: {folder}")
    if args.report:
        _write_report(folder)
    return EXIT_OK


def _execution(command: argparse.ArgumentParser, seed: Any) -> None:
    """The options of a command that runs replications: seed, workers, --force and a Dask scheduler."""
    command.add_argument("--seed", type=seed, help="root seed (default: the scenario's run.seed)")
    command.add_argument("--workers", type=_bounded(1, _cores(), "workers (at most the cores of this machine)"),
                         help=f"processes that simulate, this one included (default: all {_cores()} cores)")
    command.add_argument("--force", action="store_true", help="replace an existing results folder (and only a results folder)")
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="run the tasks on a Dask cluster (needs the dask extra: pip install -e '.[dask]')")


def _empty_out(args: argparse.Namespace) -> bool:
    """Whether --out was given empty (said on stderr): a results folder needs a name."""
    if args.out is not None and not args.out.strip():
        print("coopsim: --out is empty (name the results folder to write)", file=sys.stderr)
        return True
    return False


def _range(text: str) -> tuple[float, float]:
    """An argparse type: `A..B`, two numbers (whole ones unless --step is given)."""
    low, dots, high = text.partition("..")
    try:
        bounds = float(low), float(high)
    except ValueError:
        bounds = (math.nan, math.nan)
    if not dots or not all(math.isfinite(b) for b in bounds):
        raise argparse.ArgumentTypeError(f"expected A..B with two numbers, e.g. 20..60 or 0.3..0.7 (got {text!r})")
    return bounds


def _target(args: argparse.Namespace) -> int:
    from sim.experiment import target
    from sim.scenario import bundled

    if _empty_out(args):
        return EXIT_BAD_INPUT
    options = target.TargetOptions(lever=args.lever, low=args.range[0], high=args.range[1], step=args.step,
                                   variant=args.variant,
                                   targets=tuple(t for t in (args.targets or "").split(",") if t),
                                   replications=args.replications,
                                   max_replications=args.max_replications, seed=args.seed, out=Path(args.out) if args.out else None,
                                   workers=args.workers or _cores(), force=args.force, scheduler=args.scheduler,
                                   command=["coopsim", *sys.argv[1:]])

    def started(candidates: int, most: int, seconds: float | None) -> None:
        if not args.quiet and seconds is not None:
            print(f"at most {candidates} candidates x {most} replications, {seconds:.2f} s per replication measured: "
                  f"at most ~{candidates * most * seconds / 60:.1f} min", file=sys.stderr)

    def step(candidate: Any) -> None:
        if not args.quiet:
            verdict = {True: "meets every target", False: "does not meet a target", None: "undecided at the most replications"}
            shown = "; ".join(f"{k[1]} {k[2]} {m:.3f} [{lo:.3f}, {hi:.3f}]" for k, (m, lo, hi) in candidate.intervals.items())
            print(f"  {args.lever} = {candidate.value:g}: {verdict[candidate.verdict]} ({candidate.replications} replications: {shown})",
                  file=sys.stderr)

    found = target.search(bundled.resolve(args.scenario), options, on_start=started, on_step=step)
    for sentence in found.monotone:
        print(f"warning: the lever is not monotone here: {sentence}", file=sys.stderr)
    if found.answer is None:
        print(f"coopsim: even {args.lever} = {found.candidates[-1].value:g} does not meet every target with 95% confidence "
              f"(runs in {found.folder})", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.lever} = {found.answer:g} is the smallest value in {options.low:g}..{options.high:g} that meets every target with 95% "
          f"confidence (intervals at {found.confidence:.4f} for repeated looks); runs in {found.folder}")
    return EXIT_OK


def _uncertainty(args: argparse.Namespace) -> int:
    from sim.experiment import sensitivity, uncertainty
    from sim.report.scurve import print_spreads
    from sim.scenario import bundled

    if args.variants or args.max_replications or args.events:
        print("coopsim: --uncertainty runs the baseline's inputs drawn N times: it takes no --variants, --max-replications or --events",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    options = sensitivity.SensitivityOptions(replications=args.replications, seed=args.seed, out=Path(args.out) if args.out else None,
                                             workers=args.workers or _cores(), force=args.force, scheduler=args.scheduler,
                                             command=["coopsim", *sys.argv[1:]])

    def started(tasks: int, seconds: float) -> None:
        if not args.quiet:
            print(f"uncertainty: {tasks} runs (the baseline and {args.uncertainty} draws of the uncertain inputs) x {seconds:.2f} s "
                  f"measured for one: at most ~{tasks * seconds / 60:.1f} min on one worker", file=sys.stderr)

    bar = _Bar(args.quiet, "uncertainty", started)
    try:
        folder = uncertainty.run(bundled.resolve(args.scenario), args.uncertainty, options, on_start=bar.start, on_done=bar.done)
    finally:
        bar.stop()
    if not args.quiet:
        print_spreads(folder)
    print(f"{args.uncertainty} draws of the uncertain inputs: {folder}")
    if args.report:
        _write_report(folder)
    return EXIT_OK


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.experiment import sensitivity
    from sim.report import terminal as compare
    from sim.scenario import bundled

    if _empty_out(args):
        return EXIT_BAD_INPUT
    options = sensitivity.SensitivityOptions(variant=args.variant, replications=args.replications, sobol=args.sobol,
                                             sobol_replications=args.sobol_replications, seed=args.seed,
                                             out=Path(args.out) if args.out else None, workers=args.workers or _cores(),
                                             force=args.force, scheduler=args.scheduler, command=["coopsim", *sys.argv[1:]])

    def started(tasks: int, seconds: float) -> None:
        if not args.quiet:
            sobol = (f"; then Sobol: {args.sobol} x (inputs + 2) points x {args.sobol_replications} replication(s) of "
                     f"{seconds:.2f} s each" if args.sobol else "")
            print(f"one at a time: {tasks} runs (the baseline and each input at its low and high end), {seconds:.2f} s measured for "
                  f"one: at most ~{tasks * seconds / 60:.1f} min on one worker{sobol}", file=sys.stderr)

    bar = _Bar(args.quiet, "sensitivity", started)
    try:
        found = sensitivity.one_at_a_time(bundled.resolve(args.scenario), options, on_start=bar.start, on_done=bar.done)
    finally:
        bar.stop()
    if not args.quiet:
        compare.print_table(found.folder)
        for metric, by_input in found.sobol.items():
            print(f"Sobol indices of {metric} (first order S1 and total ST, 95% half-widths):")
            for path, si in by_input.items():
                print(f"  {path}: S1 {si['S1']:.2f} ± {si['S1_conf']:.2f}, ST {si['ST']:.2f} ± {si['ST_conf']:.2f}")
    print(f"sensitivity of {len(found.inputs)} inputs: {found.folder} (coopsim report draws the tornado)")
    return EXIT_OK


def _warmup(args: argparse.Namespace) -> int:
    from sim.experiment import warmup

    loaded = _load(args.scenario)
    variant = args.variant or loaded.baseline
    if variant not in loaded.names:
        print(f"coopsim: unknown variant '{variant}' (variants: {', '.join(loaded.names)})", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = loaded.variant(variant).scenario
    advice = warmup.analyse(scenario, args.replications, scenario.run.seed if args.seed is None else args.seed)
    print(f"warm-up analysis of '{variant}': {advice.replications} replications from an empty system, MSER-5 on daily means")
    width = max(len(s.name) for s in advice.series) if advice.series else 10
    for s in advice.series:
        print(f"  {s.name:<{width}}  {s.truncation_days:>4} d  {warmup.sparkline(s.daily, s.truncation_days)}")
    print(f"recommended warm-up: {advice.days}d (the scenario has {advice.configured_days:g}d)")
    if args.plot:
        print(f"plot: {warmup.plot(advice, Path(args.plot))}")
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from sim.report import terminal as compare

    compare.print_headlines(Path(args.results))
    compare.print_table(Path(args.results))
    compare.print_targets(Path(args.results))
    compare.print_flows(Path(args.results))
    compare.print_advice(Path(args.results))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    _write_report(Path(args.results), args.lang)
    return EXIT_OK


def _export_events(args: argparse.Namespace) -> int:
    from sim.report.vidigi import export_vidigi
    from sim.results import BadOutput

    try:
        path = export_vidigi(Path(args.results), Path(args.out) if args.out else None)
    except OSError as err:
        raise BadOutput(f"cannot write the event log to {args.out or args.results}: {err.strerror or err}") from None
    print(f"{args.format} event log: {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="coopsim", description="Simulate patient flows between cooperating hospitals.")
    parser.add_argument("--version", action="version", version=f"coopsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    replications = _bounded(1, MAX_REPLICATIONS, "replications")
    seed = _bounded(0, 2**64 - 1, "a seed")

    validate = commands.add_parser("validate", help="check scenario files; exit 2 with every problem found")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    validate.set_defaults(handler=_validate)

    run = commands.add_parser("run", help="run every variant and replication; write the results folder")
    run.add_argument("scenario", metavar="SCENARIO")
    run.add_argument("--replications", type=replications, help="replications (default: the scenario's run.replications)")
    run.add_argument("--variants", help="comma-separated variants to run (the baseline always runs)")
    run.add_argument("--out", help="results folder (default: results/<scenario file name>)")
    _execution(run, seed)
    run.add_argument("--events", action="store_true", help="also write events.parquet, one row per patient event")
    run.add_argument("--report", action="store_true", help="also write report.html and figures/ into the results folder")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    run.add_argument("--precision", type=_share, default=0.05,
                     help="target relative half-width of key metrics' 95%% intervals, for the advice (default 0.05)")
    run.add_argument("--max-replications", type=replications,
                     help="add replications until --precision is reached for every key metric, up to this many")
    run.add_argument("--uncertainty", type=_bounded(2, 199, "--uncertainty N"), metavar="N",
                     help="draw N sets of the scenario's uncertain inputs (Latin hypercube) and run each with the replications; "
                          "the report shows each key result's S-curve")
    run.set_defaults(handler=_run)

    target = commands.add_parser("target", help="find the smallest value of an integer lever that meets every target with 95%% "
                                                "confidence (common random numbers, bisection)")
    target.add_argument("scenario", metavar="SCENARIO")
    target.add_argument("--lever", required=True, metavar="PATH", help="dotted path of an integer of the scenario, e.g. "
                        "sites.chu.resources.icu_bed or sites.h.resources.doctor.schedule.0.capacity")
    target.add_argument("--range", required=True, type=_range, metavar="A..B", help="the values to search, e.g. 20..60")
    target.add_argument("--step", type=_positive, help="search a lever that is not a whole number in steps of this size "
                        "(a quota share: --range 0.3..0.7 --step 0.05)")
    target.add_argument("--variant", help="the variant whose lever is searched (default: the baseline)")
    target.add_argument("--targets", help="comma-separated steps or roles whose targets must be met (default: every target with a level)")
    target.add_argument("--replications", type=replications, help="replications of a candidate's first look (default: the scenario's)")
    target.add_argument("--max-replications", type=replications,
                        help="replications a candidate whose interval straddles a target may reach (default: 4 x the first)")
    target.add_argument("--out", help="results folder of the candidates run (default: results/<scenario>_target)")
    _execution(target, seed)
    target.add_argument("--quiet", action="store_true", help="say only the answer")
    target.set_defaults(handler=_target)

    sens = commands.add_parser("sensitivity", help="how far the key results depend on the scenario's uncertain inputs: one at a "
                                                   "time (tornado), and Sobol indices with --sobol N")
    sens.add_argument("scenario", metavar="SCENARIO")
    sens.add_argument("--variant", help="the variant the ranges apply to (default: the baseline)")
    sens.add_argument("--replications", type=replications, help="replications per variant (default: the scenario's)")
    sens.add_argument("--sobol", type=_bounded(0, 4096, "--sobol N"), default=0, metavar="N",
                      help="also estimate Sobol indices from N x (inputs + 2) points of the ranges (SALib; N a power of 2, e.g. 32)")
    sens.add_argument("--sobol-replications", type=_bounded(1, 100, "--sobol-replications"), default=1,
                      help="replications averaged at each Sobol point (default 1)")
    sens.add_argument("--out", help="results folder of the one-at-a-time runs (default: results/<scenario>_sensitivity)")
    _execution(sens, seed)
    sens.add_argument("--quiet", action="store_true", help="no progress and no table")
    sens.set_defaults(handler=_sensitivity)

    warm = commands.add_parser("warmup", help="recommend a warm-up length (MSER-5 on occupancy and waits)")
    warm.add_argument("scenario", metavar="SCENARIO")
    warm.add_argument("--variant", help="variant to analyse (default: the baseline)")
    warm.add_argument("--replications", type=_bounded(1, 100, "replications"), default=5, help="replications averaged (default 5)")
    warm.add_argument("--seed", type=seed, help="root seed (default: the scenario's run.seed)")
    warm.add_argument("--plot", help="write a PNG of Welch's moving averages to this file")
    warm.set_defaults(handler=_warmup)

    compare_cmd = commands.add_parser("compare", help="print the variant comparison table of a results folder")
    compare_cmd.add_argument("results", metavar="RESULTS_DIR")
    compare_cmd.set_defaults(handler=_compare)

    report_cmd = commands.add_parser("report", help="write report.html, summary.html, summary.md, figures/ and results.xlsx into a "
                                                    "results folder")
    report_cmd.add_argument("results", metavar="RESULTS_DIR")
    report_cmd.add_argument("--lang", choices=["en", "fr"], default="en",
                            help="language of the report and the summary (default: en; fr writes report.fr.html, summary.fr.html, "
                                 "summary.fr.md and figures.fr/)")
    report_cmd.set_defaults(handler=_report)

    export = commands.add_parser("export-events", help="write the event log of a results folder for an animation package")
    export.add_argument("results", metavar="RESULTS_DIR")
    export.add_argument("--format", choices=["vidigi"], default="vidigi", help="column layout (default: vidigi)")
    export.add_argument("--out", help="file to write: CSV, or Parquet if it ends in .parquet (default: RESULTS_DIR/events_vidigi.csv)")
    export.set_defaults(handler=_export_events)

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the scenario language")
    schema_cmd.set_defaults(handler=_schema)

    list_cmd = commands.add_parser("list", help="list the bundled scenarios")
    list_cmd.set_defaults(handler=_list)

    from sim.app import launch

    launch.add_parser(commands)

    from sim.bench import runner as bench

    bench.add_parser(commands)
    return parser


def _write_report(folder: Path, lang: str = "en") -> None:
    """Write the report, the one-page summary and the workbook of a results folder and say where they are."""
    from sim.report.write import write_report  # imported here: other commands start without matplotlib
    from sim.results.layout import report_names

    page = write_report(folder, lang)
    print(f"report: {page} (summary: {report_names(lang)['summary']} and {report_names(lang)['markdown']}; results.xlsx for Excel)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    _received.clear()
    previous = {s: signal.signal(s, _stop) for s in STOPPING} if _main_thread() else {}
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", signal.SIGINT)
        print(f"coopsim: interrupted ({signal.Signals(signum).name}); nothing was left half-written", file=sys.stderr)
        return 128 + signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _main_thread() -> bool:
    """Signal handlers can be set only from the main thread (not from a test runner's thread)."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command, turning every error into one clear message and its exit code."""
    try:
        return args.handler(args)
    except Exception as err:
        if _received:  # a stopping signal turned into another error on its way up (raised inside an extension's import, say)
            raise Interrupted(_received[0]) from err
        return _failure(err, args.debug)


def _failure(err: Exception, debug: bool) -> int:
    """Say what went wrong in one message; the exit code: 2 for bad input, 1 for a failed run."""
    from sim.experiment.cluster import SchedulerError
    from sim.experiment.pool import WorkerDied
    from sim.results import BadOutput, NotAResultsFolder
    from sim.scenario.errors import ScenarioError

    if isinstance(err, ScenarioError):
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(err, (BadOutput, NotAResultsFolder, SchedulerError)):
        print(f"coopsim: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(err, WorkerDied):
        print(f"coopsim: the run failed: {err}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(err, BrokenPipeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the reader stopped reading: say nothing more
        return EXIT_FAILED
    if isinstance(err, OSError):
        where = f" {err.filename}" if err.filename else ""
        print(f"coopsim: cannot write or read{where}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT if err.errno in BAD_PATH else EXIT_FAILED
    if debug:
        traceback.print_exception(err)
    else:
        print(f"coopsim: internal error: {type(err).__name__}: {err} (run with --debug for details)", file=sys.stderr)
    return EXIT_FAILED
