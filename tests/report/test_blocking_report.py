"""Blocking as a reader sees it: the blocked metrics in every table, the hatched blocked units
in the occupancy figure, and a deadlock warned of in `coopsim compare` and in the report, with
the replications counted by hand from replications.csv."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.report import alerts
from sim.report.write import write_report
from tests.report.conftest import results_of

pytestmark = pytest.mark.unit

SCENARIO = """
version: 1
name: ICU and ward that may jam
run: {horizon: 4d, warmup: 0min, replications: 4, seed: 7}
sites: {h: {location: [50.0, 3.0], resources: {icu: 2, ward: 2}}}
arrivals:
  - {name: a, at: h, rate: 4/d, pathway: icu_first}
  - {name: b, at: h, rate: 4/d, pathway: ward_first}
pathways:
  icu_first:
    - {use: icu, name: icu_wait, for: {exponential: {mean: 6h}}, keep: until_next}
    - {use: ward, name: ward_from_icu, for: {exponential: {mean: 6h}}}
  ward_first:
    - {use: ward, name: ward_wait, for: {exponential: {mean: 6h}}, keep: until_next}
    - {use: icu, name: icu_from_ward, for: {exponential: {mean: 6h}}}
variants:
  cycle: {}
  ward_lets_go:
    pathways.ward_first.0.keep: null
baseline: cycle
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return results_of(tmp_path_factory, "jam", SCENARIO, events=False)


def _deadlocked(folder: Path) -> dict[str, list[float]]:
    """Per variant, the patients deadlocked in each replication, read straight from the CSV."""
    found: dict[str, list[float]] = {}
    with (folder / "replications.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["metric"], row["scope"], row["stat"]) == ("patients", "deadlocked", "count"):
                found.setdefault(row["variant"], []).append(float(row["value"]))
    return found


def test_the_cycle_jams_and_the_variant_without_it_does_not(folder: Path) -> None:
    counts = _deadlocked(folder)
    assert len(counts["cycle"]) == 4 and sum(c > 0 for c in counts["cycle"]) >= 2
    assert counts["ward_lets_go"] == [0.0] * 4


def test_blocked_metrics_are_in_every_table(folder: Path) -> None:
    summary = (folder / "summary.csv").read_text(encoding="utf-8")
    comparison = (folder / "comparison.csv").read_text(encoding="utf-8")
    for key in ("blocked_time,ward_from_icu,mean", "occupancy,h.icu,blocked", "occupancy,h.icu,care", "nights_blocked,h.icu,count",
                "blocked,h.icu,peak", "patients,deadlocked,count"):
        assert key in summary and key in comparison, key
    header = (folder / "occupancy.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",blocked_mean")


def test_compare_warns_of_each_jammed_variant(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(folder)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    jammed = sum(c > 0 for c in _deadlocked(folder)["cycle"])
    most = int(max(_deadlocked(folder)["cycle"]))
    assert f"warning: cycle: {jammed} of 4 replications ended in a deadlock, up to {most} patients" in out
    assert "warning: ward_lets_go" not in out
    assert "Held in the previous unit until" in out and "nights spent waiting for the next unit" in out
    assert "Patients caught in a deadlock" in out


def test_report_warns_and_hatches_the_blocked_units(folder: Path, tmp_path: Path) -> None:
    page = write_report(folder).read_text(encoding="utf-8")
    warnings = re.findall(r'<p class="warning">(.*?)</p>', page)
    assert len(warnings) == 1 and "cycle: " in warnings[0] and "deadlock" in warnings[0]
    assert "Hatched: the mean units held by blocked patients" in page


def test_deadlocks_count_replications_and_the_worst() -> None:
    counts = [("a", 0.0), ("b", 3.0), ("a", 2.0), ("b", 0.0), ("a", 5.0), ("c", 0.0)]
    assert alerts.deadlocks(counts, ["c", "b", "a"]) == [alerts.Deadlock("b", 1, 2, 3), alerts.Deadlock("a", 2, 3, 5)]
    assert alerts.jammed([{"variant": "a", "metric": "patients", "scope": "deadlocked", "stat": "count", "mean": "0.5"},
                          {"variant": "b", "metric": "patients", "scope": "deadlocked", "stat": "count", "mean": "0"}]) == {"a"}
