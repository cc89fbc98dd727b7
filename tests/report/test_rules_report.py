"""Rules with a time in force as a reader sees them: their share in force in summary.csv and the
report's table, the timeline read back from the event log's switches and recomputed here from
the periods alone, and an event log for vidigi that holds patients only."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from sim.report import rules
from sim.report.data import load
from sim.report.vidigi import vidigi_log
from tests.report.conftest import results_of

pytestmark = pytest.mark.unit

SCENARIO = """
version: 1
name: a clinic that helps for a while
run: {horizon: 10d, warmup: 1d, replications: 3, seed: 11}
sites:
  h: {location: [50.0, 3.0], resources: {bed: 3}}
  c: {location: [50.1, 3.0], resources: {bed: 20}}
transport: {times: {h-c: 20min}}
arrivals: [{name: a, at: h, rate: 1/h, pathway: p}]
pathways: {p: [{use: bed, name: admission, for: {exponential: {mean: 4h}}}]}
cooperation:
  - overflow: {name: clinic, resource: bed, from: h, to: [c], in_force: [{from: 3d, to: 5d}, {from: 8d}]}
variants:
  with_clinic: {}
  busy_switch:
    cooperation.clinic.in_force: {when: {of: h.bed, occupancy_above: 0.9, for: 1h}, until: {occupancy_below: 0.5, for: 2h}}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return results_of(tmp_path_factory, "rules", SCENARIO)


def test_the_dated_rule_is_in_force_its_share_of_the_measured_period(folder: Path) -> None:
    with (folder / "summary.csv").open(encoding="utf-8") as handle:
        rows = {(r["variant"], r["scope"], r["stat"]): r for r in csv.DictReader(handle) if r["metric"] == "rule"}
    assert float(rows[("with_clinic", "clinic", "in_force_share")]["mean"]) == pytest.approx((2 + 3) / 10)
    assert float(rows[("with_clinic", "clinic", "switched_on")]["mean"]) == 2
    assert 0 < float(rows[("busy_switch", "clinic", "in_force_share")]["mean"]) < 1


def test_the_timeline_is_the_periods_for_a_dated_rule(folder: Path) -> None:
    results = load(folder)
    found = rules.switches(results.events_path)
    dated = found[found["variant"] == "with_clinic"]
    instants = results.warmup + np.arange(0.0, results.horizon, rules.STEP)
    expected = ((instants >= 3 * 1440) & (instants < 5 * 1440)) | (instants >= 8 * 1440)
    assert np.array_equal(rules.share_in_force(dated, 3, instants), expected.astype(float))
    switched = rules.share_in_force(found[found["variant"] == "busy_switch"], 3, instants)
    assert 0 < switched.mean() < 1 and set(np.unique(switched)) <= {0.0, 1 / 3, 2 / 3, 1.0}


def test_the_report_shows_the_rules_in_force(folder: Path) -> None:
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="rules">(.*?)</section>', page, re.S)
    assert section is not None and "<code>clinic</code>" in section.group(1) and "50.0%" in section.group(1)
    assert (folder / "figures" / "rules_in_force.png").exists()


def test_the_vidigi_log_holds_patients_only(folder: Path) -> None:
    log = vidigi_log(folder)
    assert (log["patient"] >= 0).all() and not log["coopsim_event"].isin(["rule_on", "rule_off"]).any()
