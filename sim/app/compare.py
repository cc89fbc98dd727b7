"""Two what-ifs of one session side by side. Both runs simulate the same random patients (same
scenario file, seed and replication numbers), so their difference is paired replication by
replication, as variants of one run are: the key numbers of the first, of the second, and the
second minus the first with its 95 % interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from sim.app.session import Run
from sim.app.whatif import WHAT_IF
from sim.experiment.intervals import paired_interval
from sim.report.terminal import better, load_results
from sim.results.keys import key_lines
from sim.results.names import names_of
from sim.results.numbers import interval, plain, scale_for, signed
from sim.results.reader import read_rows, read_scenarios


@dataclass(frozen=True)
class Row:
    """One key metric of two runs' what-ifs: each mean and the paired difference (second - first)."""

    label: str
    first: str
    second: str
    difference: str
    significant: bool
    better: bool


def why_not(first: Run, second: Run) -> str | None:
    """Why two runs of a session cannot be paired (another scenario, seed or file), or None when they can."""
    if first.scenario != second.scenario:
        return "the two runs are of different scenarios"
    if load_results(first.folder)[0]["seed"] != load_results(second.folder)[0]["seed"]:
        return "the two runs used different seeds"
    return None


def compare(first: Path, second: Path, lang: str = "en") -> list[Row]:
    """The key metrics of the what-if of two runs of one scenario, paired by replication."""
    manifest, summary, _ = load_results(first)
    _, scenarios = read_scenarios(first, manifest)
    values = [_values(folder) for folder in (first, second)]
    rows = []
    for line in key_lines(summary, WHAT_IF, names_of(list(scenarios.values()), lang)):
        a, b = values[0].get(line.key), values[1].get(line.key)
        if a is None or b is None:
            continue
        pairs = sorted(set(a) & set(b))
        x, y = [a[r] for r in pairs], [b[r] for r in pairs]
        if not pairs:
            continue
        scale = scale_for(line.unit, _mean(x))
        found = paired_interval(y, x)
        significant = found.excludes_zero
        rows.append(Row(f"{line.label} ({scale.shown})", plain(scale.value(_mean(x)), lang), plain(scale.value(_mean(y)), lang),
                        f"{signed(scale.value(found.mean), lang)} {interval(found.low, found.high, scale, difference=True, lang=lang)}"
                        + ("*" if significant else ""),
                        significant, significant and better(*line.key, found.mean)))
    return rows


def _values(folder: Path) -> dict[tuple[str, str, str], dict[int, float]]:
    """The what-if's value of each statistic in each replication of a run."""
    manifest = load_results(folder)[0]
    found: dict[tuple[str, str, str], dict[int, float]] = {}
    for row in read_rows(folder, "replications.csv", manifest, ["variant", "replication", "metric", "scope", "stat", "value"]):
        if row["variant"] == WHAT_IF and row["value"] != "":
            found.setdefault((row["metric"], row["scope"], row["stat"]), {})[int(row["replication"])] = float(row["value"])
    return found


def _mean(x: list[float]) -> float:
    """The mean of the finite values (NaN for none)."""
    finite = [v for v in x if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan
