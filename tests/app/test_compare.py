"""Two what-ifs of a session, paired by replication, against an independent computation from
replications.csv (scipy's t interval of the differences)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.app import compare, session
from sim.app.whatif import Edits
from tests.paths import SCENARIOS

pytestmark = pytest.mark.unit


def what_if_run(visit: session.Session, cubicles: int) -> session.Run:
    source = session.bundled_source("tourcoing_ed")
    loaded = session.load(source)
    text, checked, problems = session.check(source, loaded, "baseline",
                                            Edits(capacities={"sites.tourcoing.resources.ed_box.capacity": cubicles}))
    assert not problems
    return session.run(visit, source, text, checked, replications=4, workers=1)


def cubicle_waits(folder: Path) -> dict[int, float]:
    with open(folder / "replications.csv", encoding="utf-8") as file:
        return {int(r["replication"]): float(r["value"]) for r in csv.DictReader(file)
                if (r["variant"], r["metric"], r["scope"], r["stat"]) == ("what_if", "wait", "waiting_room", "mean")}


def test_the_paired_difference_is_the_t_interval_of_per_replication_differences() -> None:
    visit = session.Session()
    first, second = what_if_run(visit, 30), what_if_run(visit, 23)
    assert compare.why_not(first, second) is None
    rows = {r.label: r for r in compare.compare(first.folder, second.folder)}
    row = next(r for label, r in rows.items() if label.startswith("Wait for a cubicle, mean"))
    a, b = cubicle_waits(first.folder), cubicle_waits(second.folder)
    d = np.array([b[k] - a[k] for k in sorted(a)])
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    unit = 1.0 if "(min)" in row.label else 1 / 60.0
    shown = row.difference.replace("+", "").replace("−", "-").split(" [")[0]
    assert float(shown.replace(",", "")) == pytest.approx(d.mean() * unit, rel=0.01)
    low, high = (float(x.replace("−", "-").replace(",", "")) for x in row.difference.split("[")[1].split("]")[0].split(", "))
    assert (low, high) == pytest.approx(((d.mean() - half) * unit, (d.mean() + half) * unit), rel=0.01, abs=0.01)
    assert row.significant and not row.better  # fewer cubicles: a longer wait


def test_runs_of_different_scenarios_are_not_paired() -> None:
    visit = session.Session()
    first = what_if_run(visit, 30)
    other = session.Run("#2 x", "other.yaml", first.variants, 4, first.folder, first.text)
    assert compare.why_not(first, other) == "the two runs are of different scenarios"


def test_the_scenario_file_of_the_tests_is_shipped() -> None:
    assert (SCENARIOS / "tourcoing_ed.yaml").exists()
