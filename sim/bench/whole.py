"""`coopsim bench --whole` and `--parallel`: whole commands timed side by side, each run a fresh
process, alternating, compared by the medians of their wall times.

- `--whole`: `coopsim run` on the reference model (start-up, validation, simulation, tables,
  files; the tables printed as a user sees them) against the idiomatic SimPy script doing the
  same simulation and writing its mean waits (`sim.bench.script`). Bar: at least 2.5 times faster.
- `--parallel`: `coopsim run --workers 2` against `--workers 1` on a shipped scenario of many short
  tasks. Bar: the run (its tasks and the tables built meanwhile, `timing.wall_seconds` of the
  manifest) at least 1.85 times faster; the whole processes' ratio is shown beside it, start-up
  and the final tables being the same work either way. With Dask installed, also `--scheduler` on a local
  cluster of 2 single-threaded worker processes (started once, outside the clock) against
  `--workers 2`: it must match in speed (within 10 %) and give the same result files, byte for byte.

Children run with Python's bytecode cache on (in the bench's own temporary folder), as an
installed package has it, whatever `PYTHONDONTWRITEBYTECODE` says; one untimed run of each
command warms it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.bench.reference import DEFAULT_SEED, reference_yaml

WHOLE_PATIENTS = 200_000
MIN_WHOLE = 2.5
"""Whole `coopsim run` at least this many times faster than the idiomatic script (medians)."""
PARALLEL_SCENARIO = "artois_specialist_cooperation"
MIN_PARALLEL = 1.85
"""`--workers 2` at least this many times faster than `--workers 1` (medians)."""
MIN_CLUSTER = 0.9
"""A local Dask cluster of 2 workers at least this fast, relative to `--workers 2` (medians)."""
RESULT_CSVS = ("replications.csv", "summary.csv", "comparison.csv", "occupancy.csv", "flows.csv")


@dataclass(frozen=True)
class Duel:
    """Two commands timed in alternation: the wall seconds of each run, and the bar on their ratio."""

    title: str
    names: tuple[str, str]
    """The yardstick, then the command that should be faster."""
    slow: list[float]
    fast: list[float]
    bar: float
    same: bool | None = None
    """Whether both commands wrote the same result files (None: not compared)."""
    measure: str = "wall seconds of the whole process"
    """What `slow` and `fast` measure."""
    whole: tuple[list[float], ...] | None = None
    """The whole processes' wall seconds, when the bar is on a part of them."""

    @property
    def ratio(self) -> float:
        """Median wall time of the yardstick over that of the faster command."""
        return statistics.median(self.slow) / statistics.median(self.fast)

    @property
    def passed(self) -> bool:
        """Whether the ratio reaches the bar."""
        return self.ratio >= self.bar and self.same is not False

    def format(self) -> str:
        """The comparison as printed."""
        width = max(map(len, self.names))
        lines = [f"{self.title}: {self.measure}, {len(self.slow)} alternating runs each, medians"]
        for name, runs in zip(self.names, (self.slow, self.fast), strict=True):
            lines.append(f"  {name:<{width}}  {statistics.median(runs):7.3f} s  (runs: {', '.join(f'{x:.3f}' for x in runs)})")
        if self.whole is not None:
            slow, fast = map(statistics.median, self.whole)
            lines.append(f"  whole processes: {slow:.3f} s and {fast:.3f} s, ratio {slow / fast:.2f}x")
        if self.same is not None:
            lines.append(f"  result files: {'identical' if self.same else 'DIFFERENT'}")
        lines.append(f"  ratio {self.ratio:.2f}x: {'PASS' if self.passed else 'FAIL'} (bar: at least {self.bar:.2f}x"
                     f"{', and identical files' if self.same is not None else ''})")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Every number of the comparison, for `--json`."""
        return {"title": self.title, "names": list(self.names), "seconds": {"slow": self.slow, "fast": self.fast},
                "medians": [statistics.median(self.slow), statistics.median(self.fast)], "ratio": self.ratio,
                "bar": self.bar, "same": self.same, "passed": self.passed, "measure": self.measure,
                "whole": None if self.whole is None else {"slow": self.whole[0], "fast": self.whole[1]}}


def whole_run(patients: int = WHOLE_PATIENTS, repeats: int = 3, seed: int = DEFAULT_SEED,
              progress: Callable[[str, float], None] | None = None) -> Duel:
    """The whole `coopsim run` on the reference model against the idiomatic script."""
    with tempfile.TemporaryDirectory(prefix="coopsim-bench-") as folder:
        tmp = Path(folder)
        scenario = tmp / "reference.yaml"
        scenario.write_text(reference_yaml(patients, seed), encoding="utf-8")
        commands = ([sys.executable, "-m", "sim.bench.script", str(patients), str(seed), str(tmp / "idiomatic.csv")],
                    [sys.executable, "-m", "sim", "run", str(scenario), "--out", str(tmp / "results"), "--force"])
        (slow, fast), _ = _alternate(commands, repeats, tmp, progress)
    return Duel(f"whole run, reference model, {patients:,} patients", ("idiomatic script", "coopsim run"), slow, fast, MIN_WHOLE)


def parallel_run(repeats: int = 3, progress: Callable[[str, float], None] | None = None) -> list[Duel]:
    """`coopsim run --workers 2` against `--workers 1` on a shipped scenario; then, with Dask, a
    local cluster of 2 workers against `--workers 2` (a failed bar if their result files differ).
    The cluster runs during its own comparison only: idle, it still takes some CPU."""
    from sim.scenario.bundled import resolve

    scenario = resolve(PARALLEL_SCENARIO)
    measure = "seconds of the run (manifest timing.wall_seconds)"
    with tempfile.TemporaryDirectory(prefix="coopsim-bench-") as folder:
        tmp = Path(folder)
        outs = [tmp / "workers1", tmp / "workers2", tmp / "cluster"]
        run = [sys.executable, "-m", "sim", "run", str(scenario), "--force", "--quiet"]
        local = ([*run, "--out", str(outs[0]), "--workers", "1"], [*run, "--out", str(outs[1]), "--workers", "2"])
        seconds, phases = _alternate(local, repeats, tmp, progress, lambda k: _run_seconds(outs[k]))
        duels = [Duel(f"parallel run, {scenario.stem}", ("--workers 1", "--workers 2"), phases[0], phases[1], MIN_PARALLEL,
                      measure=measure, whole=seconds)]
        with _local_cluster() as address:
            if address is None:
                return duels
            remote = (local[1], [*run, "--out", str(outs[2]), "--scheduler", address])
            seconds, phases = _alternate(remote, repeats, tmp, progress, lambda k: _run_seconds(outs[k + 1]))
        same = all((outs[1] / name).read_bytes() == (outs[2] / name).read_bytes() for name in RESULT_CSVS)
        duels.append(Duel(f"local Dask cluster of 2 workers, {scenario.stem}", ("--workers 2", "--scheduler"), phases[0], phases[1],
                          MIN_CLUSTER, same, measure=measure, whole=seconds))
    return duels


@contextmanager
def _local_cluster() -> Iterator[str | None]:
    """The address of a local Dask cluster of 2 single-threaded worker processes, or None without Dask."""
    try:
        from dask.distributed import LocalCluster
    except ImportError:
        yield None
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _alternate(commands: tuple[list[str], ...], repeats: int, tmp: Path, progress: Callable[[str, float], None] | None,
               phase: Callable[[int], float] | None = None) -> tuple[tuple[list[float], ...], tuple[list[float], ...]]:
    """Wall seconds of each command, run `repeats` times in alternation after one untimed run
    each, and what `phase(k)` reads after each run of command k (nothing without it)."""
    environment = dict(os.environ, PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    for command in commands:
        _timed(command, environment, tmp)
    seconds: tuple[list[float], ...] = tuple([] for _ in commands)
    phases: tuple[list[float], ...] = tuple([] for _ in commands)
    for _ in range(repeats):
        for k, command in enumerate(commands):
            seconds[k].append(_timed(command, environment, tmp))
            if phase is not None:
                phases[k].append(phase(k))
            if progress is not None:
                progress(" ".join(command[2:4] + command[-2:]), seconds[k][-1])
    return seconds, phases


def _run_seconds(folder: Path) -> float:
    """The seconds of the run a results folder's manifest records (its tasks, tables built meanwhile)."""
    return float(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["timing"]["wall_seconds"])


def _timed(command: list[str], environment: dict[str, str], cwd: Path) -> float:
    """Wall seconds of one command in its own process; RuntimeError if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=cwd)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"bench command failed ({' '.join(command)}):\n{done.stderr}")
    return seconds
