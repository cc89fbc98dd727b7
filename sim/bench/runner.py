"""`coopsim bench`: the engine against idiomatic SimPy on the reference model.

Each run happens in a fresh Python process, so that its peak memory is its own; the two
implementations alternate (engine, idiomatic, engine, ...) so that a machine busy for a
while slows both alike. Inside the child, the clock covers `simulate()` (or the idiomatic
`run()`) only; the parent's clock covers the whole process (interpreter start, imports,
scenario loading) and is reported apart as the total.

Bars for the engine: at least 3 times idiomatic patients/s at every size (medians), time
per patient within 15 % from the smallest to the largest size, peak memory at most 200 MiB at
1,000,000 patients. `--rules`, `--whole` and `--parallel` run the other comparisons
(`sim.bench.cooperation`, `sim.bench.whole`).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sim.bench.reference import DEFAULT_SEED
from sim.scenario.limits import MAX_PATIENTS

MAX_REPEATS = 100
"""Most runs of each implementation per size."""

IMPLEMENTATIONS = ("engine", "idiomatic")
DEFAULT_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 30_000)
DEFAULT_REPEATS = 3
MIN_SPEEDUP = 3.0
"""Engine patients/s over idiomatic patients/s, at least, at every size."""
MAX_SCALING = 0.15
"""Largest relative change of the engine's time per patient from the smallest to the largest size."""
MAX_MEMORY_MIB = 200.0
MEMORY_SIZE = 1_000_000
"""The memory bar applies to runs of at least this many patients."""


@dataclass(frozen=True)
class Run:
    """One run of one implementation in its own process."""

    implementation: str
    size: int
    """Patients asked for (they set the horizon)."""
    repeat: int
    patients: int
    """Patients actually created."""
    events: int
    """SimPy events scheduled."""
    run_seconds: float
    """Wall time of the simulation call alone."""
    cpu_seconds: float
    """CPU time of the simulation call alone (below `run_seconds` when the machine is busy)."""
    total_seconds: float
    """Wall time of the whole child process."""
    peak_rss_mib: float

    @property
    def patients_per_s(self) -> float:
        """Patients created per second of the simulation call."""
        return self.patients / self.run_seconds

    @property
    def events_per_s(self) -> float:
        """SimPy events scheduled per second of the simulation call."""
        return self.events / self.run_seconds


@dataclass(frozen=True)
class Summary:
    """The runs of one implementation at one size: medians, and the largest peak memory."""

    implementation: str
    size: int
    runs: int
    run_seconds: float
    cpu_seconds: float
    total_seconds: float
    patients_per_s: float
    events_per_s: float
    us_per_patient: float
    cpu_us_per_patient: float
    peak_rss_mib: float

    @classmethod
    def of(cls, runs: list[Run]) -> Summary:
        """Summarise the runs of one implementation at one size."""
        median = statistics.median
        rate = median(r.patients_per_s for r in runs)
        return cls(
            implementation=runs[0].implementation,
            size=runs[0].size,
            runs=len(runs),
            run_seconds=median(r.run_seconds for r in runs),
            cpu_seconds=median(r.cpu_seconds for r in runs),
            total_seconds=median(r.total_seconds for r in runs),
            patients_per_s=rate,
            events_per_s=median(r.events_per_s for r in runs),
            us_per_patient=1e6 / rate,
            cpu_us_per_patient=1e6 * median(r.cpu_seconds / r.patients for r in runs),
            peak_rss_mib=max(r.peak_rss_mib for r in runs),
        )


@dataclass(frozen=True)
class Bar:
    """One bar of the engine: PASS, FAIL, or SKIP when the sizes run cannot tell."""

    name: str
    requirement: str
    status: str
    measured: str


@dataclass(frozen=True)
class BenchReport:
    """Every run, their summaries, the engine/idiomatic ratios and the bars."""

    sizes: list[int]
    repeats: int
    seed: int
    runs: list[Run]
    summaries: list[Summary] = field(init=False)
    bars: list[Bar] = field(init=False)

    def __post_init__(self) -> None:
        groups: dict[tuple[str, int], list[Run]] = {}
        for run in self.runs:
            groups.setdefault((run.implementation, run.size), []).append(run)
        object.__setattr__(self, "summaries", [Summary.of(groups[(i, n)]) for n in self.sizes for i in IMPLEMENTATIONS])
        object.__setattr__(self, "bars", _bars(self))

    def summary(self, implementation: str, size: int) -> Summary:
        """The summary of one implementation at one size."""
        return next(s for s in self.summaries if (s.implementation, s.size) == (implementation, size))

    def speedup(self, size: int) -> float:
        """Engine patients/s over idiomatic patients/s (medians) at one size."""
        return self.summary("engine", size).patients_per_s / self.summary("idiomatic", size).patients_per_s

    def scaling(self, implementation: str, cpu: bool = False) -> float:
        """Relative change of (wall, or CPU) time per patient from the smallest to the largest size."""
        small, large = self.summary(implementation, self.sizes[0]), self.summary(implementation, self.sizes[-1])
        if cpu:
            return large.cpu_us_per_patient / small.cpu_us_per_patient - 1.0
        return large.us_per_patient / small.us_per_patient - 1.0

    @property
    def passed(self) -> bool:
        """No bar failed."""
        return all(bar.status != "FAIL" for bar in self.bars)

    def to_json(self) -> dict[str, Any]:
        """Every number of the report, for `--json`."""
        return {
            "sizes": self.sizes,
            "repeats": self.repeats,
            "seed": self.seed,
            "python": sys.version.split()[0],
            "runs": [asdict(r) | {"patients_per_s": r.patients_per_s, "events_per_s": r.events_per_s} for r in self.runs],
            "summaries": [asdict(s) for s in self.summaries],
            "speedup": {str(n): self.speedup(n) for n in self.sizes},
            "scaling": {i: self.scaling(i) for i in IMPLEMENTATIONS} if len(self.sizes) > 1 else {},
            "cpu_scaling": {i: self.scaling(i, cpu=True) for i in IMPLEMENTATIONS} if len(self.sizes) > 1 else {},
            "bars": [asdict(b) for b in self.bars],
            "passed": self.passed,
        }

    def format(self) -> str:
        """The report as printed: the table, the ratios, time per patient, memory and the bars."""
        header = ("implementation", "patients", "run s", "cpu s", "total s", "patients/s", "events/s", "us/patient", "peak RSS MiB")
        rows = [(s.implementation, f"{s.size:,}", f"{s.run_seconds:.3f}", f"{s.cpu_seconds:.3f}", f"{s.total_seconds:.3f}",
                 f"{s.patients_per_s:,.0f}", f"{s.events_per_s:,.0f}", f"{s.us_per_patient:.2f}", f"{s.peak_rss_mib:.1f}")
                for s in self.summaries]
        widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
        lines = [f"medians of {self.repeats} run(s) each; run s = wall time of the simulation call only, cpu s = its CPU time, "
                 "total s = whole process", ""]
        for k, row in enumerate([header, *rows]):
            lines.append("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))))
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines += ["", "engine / idiomatic patients/s: " + ", ".join(f"{n:,}: {self.speedup(n):.2f}x" for n in self.sizes)]
        for i in IMPLEMENTATIONS:
            for label, cpu in (("wall", False), ("CPU", True)):
                times = [self.summary(i, n).cpu_us_per_patient if cpu else self.summary(i, n).us_per_patient for n in self.sizes]
                per = " -> ".join(f"{t:.2f}" for t in times)
                change = f" ({self.scaling(i, cpu):+.1%} from {self.sizes[0]:,} to {self.sizes[-1]:,})" if len(self.sizes) > 1 else ""
                lines.append(f"{label} time per patient, {i}: {per} us{change}")
        large = self.sizes[-1]
        peaks = ", ".join(f"{i} {self.summary(i, large).peak_rss_mib:.1f} MiB" for i in IMPLEMENTATIONS)
        lines.append(f"peak memory at {large:,}: {peaks}")
        lines.append("")
        lines += [f"{b.status:<4}  {b.name}: {b.requirement} (measured: {b.measured})" for b in self.bars]
        return "\n".join(lines)


def _bars(report: BenchReport) -> list[Bar]:
    speedups = {n: report.speedup(n) for n in report.sizes}
    worst = min(speedups, key=speedups.__getitem__)
    bars = [Bar("speed", f"engine >= {MIN_SPEEDUP}x idiomatic patients/s at every size",
                "PASS" if speedups[worst] >= MIN_SPEEDUP else "FAIL", f"lowest {speedups[worst]:.2f}x at {worst:,}")]
    requirement = f"engine time per patient within {MAX_SCALING:.0%} from the smallest to the largest size"
    if len(report.sizes) > 1:
        change = report.scaling("engine")
        bars.append(Bar("scaling", requirement, "PASS" if abs(change) <= MAX_SCALING else "FAIL",
                        f"{change:+.1%} from {report.sizes[0]:,} to {report.sizes[-1]:,}"))
    else:
        bars.append(Bar("scaling", requirement, "SKIP", "one size only"))
    requirement = f"engine peak RSS <= {MAX_MEMORY_MIB:.0f} MiB at {MEMORY_SIZE:,} patients"
    big = [n for n in report.sizes if n >= MEMORY_SIZE]
    if big:
        peak = max(report.summary("engine", n).peak_rss_mib for n in big)
        bars.append(Bar("memory", requirement, "PASS" if peak <= MAX_MEMORY_MIB else "FAIL", f"{peak:.1f} MiB at {max(big):,}"))
    else:
        bars.append(Bar("memory", requirement, "SKIP", f"no run of {MEMORY_SIZE:,} patients"))
    return bars


def run_once(implementation: str, size: int, seed: int, repeat: int = 0) -> Run:
    """One run in a fresh Python process (see `_child`)."""
    command = [sys.executable, "-m", "sim.bench.runner", implementation, str(size), str(seed)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    total = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"bench run {implementation} {size} failed:\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(implementation, size, repeat, found["patients"], found["events"], found["run_seconds"], found["cpu_seconds"], total,
               found["peak_rss_mib"])


def run_bench(patients: Sequence[int] = DEFAULT_SIZES, repeats: int = DEFAULT_REPEATS, seed: int | None = None,
              progress: Callable[[Run], None] | None = None) -> BenchReport:
    """Run each implementation `repeats` times at each size, alternating, each in its own process.

    Every repeat uses the same seed, so repeats differ by timing noise only.
    """
    seed = DEFAULT_SEED if seed is None else seed
    sizes = sorted(set(patients))
    if not sizes or sizes[0] < 1 or repeats < 1:
        raise ValueError("bench needs at least one size of at least 1 patient and one repeat")
    runs: list[Run] = []
    for size in sizes:
        for repeat in range(repeats):
            for implementation in IMPLEMENTATIONS:
                run = run_once(implementation, size, seed, repeat)
                runs.append(run)
                if progress is not None:
                    progress(run)
    return BenchReport(sizes, repeats, seed, runs)


def parse_sizes(text: str) -> list[int]:
    """Patient counts from "100000,1000000", "100k,1M" or "100_000"."""
    sizes = []
    for part in text.split(","):
        part = part.strip().replace("_", "").lower()
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        number = part[:-1] if scale > 1 else part
        try:
            value = float(number) * scale
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a patient count: {part!r}") from None
        if not 1 <= value <= MAX_PATIENTS or value != int(value):
            raise argparse.ArgumentTypeError(f"not a patient count from 1 to {MAX_PATIENTS:,}: {part!r}")
        sizes.append(int(value))
    return sizes


def _repeats(text: str) -> int:
    """A number of repeats: a whole number of at least 1."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_REPEATS:
        raise argparse.ArgumentTypeError(f"not a number of repeats from 1 to {MAX_REPEATS}: {text!r}")
    return int(text)


def _seed(text: str) -> int:
    """A root seed: a whole number from 0."""
    if not text.isdigit() or int(text) >= 2**64:
        raise argparse.ArgumentTypeError(f"not a seed (a whole number from 0 to 2^64 - 1): {text!r}")
    return int(text)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `bench` subcommand on the `coopsim` command's subparsers."""
    bench = subparsers.add_parser("bench", help="time the engine against idiomatic SimPy on the reference model")
    bench.add_argument("--patients", type=parse_sizes, metavar="N[,N...]",
                       help=f"patient counts (default {','.join(map(str, DEFAULT_SIZES))}; 100k and 1M also work)")
    bench.add_argument("--repeats", type=_repeats, metavar="R", help=f"runs of each implementation per size (default {DEFAULT_REPEATS})")
    bench.add_argument("--quick", action="store_true",
                       help=f"a smoke version: {' and '.join(f'{n:,}' for n in QUICK_SIZES)} patients, 1 run each, bars not enforced")
    bench.add_argument("--seed", type=_seed, help="root seed of every run (default: the reference seed)")
    bench.add_argument("--json", metavar="FILE", help="also write every number as JSON")
    modes = bench.add_mutually_exclusive_group()
    modes.add_argument("--rules", action="store_true",
                       help="instead, the cost of cooperation rules: a two-ED territory with and without them (200k patients)")
    modes.add_argument("--whole", action="store_true",
                       help="instead, the whole `coopsim run` against the idiomatic script, each a fresh process (200k patients)")
    modes.add_argument("--scenarios", action="store_true",
                       help="instead, microseconds and SimPy events per patient of every shipped scenario (one replication each)")
    modes.add_argument("--parallel", action="store_true",
                       help="instead, `coopsim run --workers 2` against `--workers 1` on a shipped scenario")
    bench.set_defaults(handler=bench_command)
    return bench


MODE_OPTIONS = {"rules": ("patients", "repeats"), "whole": ("patients", "repeats", "seed", "json"), "parallel": ("repeats", "json"),
                "scenarios": ("repeats",)}
"""The options each comparison other than the engine's takes (`--quick` goes with all)."""


def bench_command(args: argparse.Namespace) -> int:
    """Run the bench, print the report; exit 1 if a bar fails (never with `--quick`), 2 for an
    option the chosen comparison does not take (rather than ignore it)."""
    for mode, taken in MODE_OPTIONS.items():
        if getattr(args, mode):
            unused = [o for o in ("patients", "repeats", "seed", "json") if o not in taken and getattr(args, o) is not None]
            if unused:
                print(f"coopsim: error: bench --{mode} does not take --{unused[0]}", file=sys.stderr)
                return 2
    if args.rules:
        from sim.bench.cooperation import MIN_RATIO, run_rules_bench

        size = (args.patients or [20_000 if args.quick else 200_000])[0]
        rules = run_rules_bench(size, args.repeats or (1 if args.quick else DEFAULT_REPEATS))
        print(rules.format())
        return 0 if rules.ratio >= MIN_RATIO or args.quick else 1
    if args.whole or args.parallel:
        return _duel_command(args)
    if args.scenarios:
        from sim.bench.scenarios import format_costs, scenario_costs

        print(format_costs(scenario_costs(args.repeats or (1 if args.quick else DEFAULT_REPEATS))))
        return 0
    sizes = args.patients or (list(QUICK_SIZES) if args.quick else list(DEFAULT_SIZES))
    repeats = args.repeats or (1 if args.quick else DEFAULT_REPEATS)

    def progress(run: Run) -> None:
        print(f"  {run.implementation:<9} {run.size:>11,}  #{run.repeat + 1}  {run.run_seconds:8.3f} s  "
              f"{run.patients_per_s:>10,.0f} patients/s  {run.peak_rss_mib:7.1f} MiB", flush=True)

    report = run_bench(sizes, repeats, args.seed, progress)
    print()
    print(report.format())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report.to_json(), out, indent=2)
    return 0 if report.passed or args.quick else 1


def _duel_command(args: argparse.Namespace) -> int:
    """`--whole` or `--parallel`: print the comparison; exit 1 if its bar fails (never with `--quick`)."""
    from sim.bench import whole

    repeats = args.repeats or (1 if args.quick else DEFAULT_REPEATS)

    def progress(command: str, seconds: float) -> None:
        print(f"  {command:<40} {seconds:8.3f} s", flush=True)

    if args.whole:
        size = (args.patients or [QUICK_SIZES[0] if args.quick else whole.WHOLE_PATIENTS])[0]
        duels = [whole.whole_run(size, repeats, args.seed if args.seed is not None else DEFAULT_SEED, progress)]
    else:
        duels = whole.parallel_run(repeats, progress)
    print()
    print("\n\n".join(duel.format() for duel in duels))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([duel.to_json() for duel in duels], out, indent=2)
    return 0 if all(duel.passed for duel in duels) or args.quick else 1


def _child(implementation: str, size: int, seed: int) -> dict[str, Any]:
    """Measure one run in this process: only the simulation call is timed.

    Each implementation imports only what it needs, so that its peak memory is its own.
    """
    if implementation == "engine":
        from sim.bench.reference import reference_scenario
        from sim.engine import simulate

        scenario = reference_scenario(size, seed)
        start, cpu = time.perf_counter(), time.process_time()
        result = simulate(scenario, 0, seed)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    elif implementation == "idiomatic":
        from sim.bench import idiomatic

        start, cpu = time.perf_counter(), time.process_time()
        result = idiomatic.run(size, seed)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    else:
        raise ValueError(f"unknown implementation {implementation!r}")
    return {"patients": result.patients, "events": result.events, "run_seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_mib": peak_memory_mib()}


def peak_memory_mib() -> float:
    """This process's peak resident memory: Linux's VmHWM (its own since it started this program;
    `ru_maxrss` keeps the peak of the process it was forked from), else `ru_maxrss`."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    unit = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
