"""Experiments: reproducible bytes, workers, common random numbers, interval coverage, atomicity."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.engine import simulate
from sim.experiment.executors import SerialExecutor, run_tasks
from sim.experiment.intervals import paired_interval, t_interval
from sim.scenario.loader import load_text

pytestmark = pytest.mark.reproducibility

TWO_DOCTORS = """
version: 1
name: Two doctors or three
run: {horizon: 14d, warmup: 2d, replications: 4, seed: 11}
sites: {h: {location: [50.0, 3.0], resources: {doctor: 2, bed: 30}}}
arrivals:
  - {name: ed, at: h, rate: 5/h, attributes: {acuity: {1: 0.3, 2: 0.7}}, pathway: visit}
pathways:
  visit:
    - {use: doctor, name: exam, priority: acuity, for: {exponential: {mean: 20min}}}
    - branch:
        - {p: 0.2, steps: [{use: bed, name: admission, for: {lognormal: {mean: 2d, sd: 1d}}}]}
        - otherwise: []
variants:
  two: {}
  three: {"sites.h.resources.doctor": 3}
baseline: two
targets:
  - {wait: exam, within: 30min}
"""

MM1 = """
version: 1
name: M/M/1
run: {horizon: 2000min, warmup: 200min, replications: 5, seed: 7}
sites: {s: {resources: {server: 1}}}
arrivals: [{name: a, at: s, rate: 30/h, pathway: p}]
pathways: {p: [{use: server, name: q, for: {exponential: {mean: 1min}}}]}
"""


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _run(scenario: Path, out: Path, *extra: str) -> None:
    assert main(["run", str(scenario), "--out", str(out), "--quiet", *extra]) == 0


def _stable_manifest(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("timing", "host", "command"):
        manifest.pop(key)
    return manifest


def test_same_seed_gives_the_same_bytes_whatever_the_workers(tmp_path):
    scenario = _write(tmp_path, TWO_DOCTORS)
    _run(scenario, tmp_path / "a", "--workers", "1")
    _run(scenario, tmp_path / "b", "--workers", "1")
    _run(scenario, tmp_path / "c", "--workers", "2")
    for name in ("replications.csv", "summary.csv", "comparison.csv", "occupancy.csv", "scenario.resolved.yaml"):
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        assert a == (tmp_path / "c" / name).read_bytes(), name
    assert _stable_manifest(tmp_path / "a") == _stable_manifest(tmp_path / "c")


def test_another_seed_gives_other_numbers(tmp_path):
    scenario = _write(tmp_path, TWO_DOCTORS)
    _run(scenario, tmp_path / "a")
    _run(scenario, tmp_path / "b", "--seed", "12")
    assert (tmp_path / "a" / "replications.csv").read_bytes() != (tmp_path / "b" / "replications.csv").read_bytes()


def test_an_existing_folder_is_not_replaced_without_force(tmp_path, capsys):
    scenario = _write(tmp_path, TWO_DOCTORS)
    out = tmp_path / "out"
    _run(scenario, out, "--replications", "2")
    before = (out / "replications.csv").read_bytes()
    assert main(["run", str(scenario), "--out", str(out), "--quiet", "--replications", "3"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "replications.csv").read_bytes() == before
    _run(scenario, out, "--replications", "3", "--force")
    assert (out / "replications.csv").read_bytes() != before


def test_common_random_numbers_narrow_the_paired_interval():
    """A variant that only adds a doctor: the paired interval of the difference in time in system
    must be at least twice as narrow as the unpaired one (the variant's replications run with
    another seed, as if independent).

    Measured when this test was written: about 48x narrower here. The gain is smaller (1.2-1.5x)
    for the wait at the doctor itself, whose difference is dominated by the baseline's own wait;
    time in system gains most because the shared admissions and stays cancel out exactly.
    """
    loaded = load_text(TWO_DOCTORS.replace("rate: 5/h", "rate: 4/h"))
    results = run_tasks(loaded, ("two", "three"), range(8), 11, SerialExecutor())
    metric = ("time_in_system", "ed", "mean")
    two = [results[t].value(*metric) for t in sorted(results) if t.variant == "two"]
    three = [results[t].value(*metric) for t in sorted(results) if t.variant == "three"]
    paired = paired_interval(three, two)
    scenario_three = loaded.variant("three").scenario
    independent = [simulate(scenario_three, r, 999).value(*metric) for r in range(8)]
    unpaired_half = float(np.hypot(t_interval(independent).half_width, t_interval(two).half_width))
    assert paired.half_width * 2 <= unpaired_half, (paired.half_width, unpaired_half)


def test_interval_coverage_on_mm1():
    """Across 100 independent experiments of 5 replications, the 95% interval of the mean wait
    covers the M/M/1 value (rho/(mu - lambda) = 1 min) at least 88 times."""
    scenario = load_text(MM1).variants[0].scenario
    covered = 0
    for experiment in range(100):
        waits = [simulate(scenario, r, 1000 + experiment).value("wait", "q", "mean") for r in range(5)]
        interval = t_interval(waits)
        covered += interval.low <= 1.0 <= interval.high
    assert covered >= 88, covered


def test_a_run_interrupted_midway_leaves_no_results_folder(tmp_path):
    long_run = TWO_DOCTORS.replace("horizon: 14d", "horizon: 400d").replace("replications: 4", "replications: 50")
    scenario = _write(tmp_path, long_run)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out), "--workers", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_compare_refuses_a_folder_that_holds_no_results(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "not a coopsim results folder" in capsys.readouterr().err


def test_event_log_agrees_with_the_counts(tmp_path):
    """events.parquet: one arrival per patient, departures and leaves matching the counted totals."""
    import pandas as pd

    scenario = _write(tmp_path, TWO_DOCTORS.replace("doctor: 2", "doctor: 1"))
    _run(scenario, tmp_path / "out", "--replications", "2", "--events")
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert list(events.columns) == ["patient", "stream", "variant", "replication", "step", "site", "resource", "event", "time"]
    counts = pd.read_csv(tmp_path / "out" / "replications.csv")
    warmup = 2 * 1440
    for (variant, replication), log in events.groupby(["variant", "replication"], observed=True):
        arrivals = log[log.event == "arrival"]
        assert arrivals.patient.is_unique
        counted = set(arrivals.patient[arrivals.time >= warmup])
        mine = counts[(counts.variant == variant) & (counts.replication == replication) & (counts.metric == "patients")]
        total = dict(zip(mine.scope, mine.value))
        assert len(counted) == total["arrivals"]
        for kind, key in (("depart", "departed"), ("leave", "left_unseen")):
            assert log[(log.event == kind) & log.patient.isin(counted)].shape[0] == total[key]
        starts = log[(log.event == "start") & (log.resource == "h.doctor")].shape[0]
        ends = log[(log.event == "end") & (log.resource == "h.doctor")].shape[0]
        doctors = {"two": 1, "three": 3}[variant]  # the base now has one doctor; the variant sets three
        assert 0 <= starts - ends <= doctors  # at most one unfinished exam per doctor at the end


def test_a_sweep_runs_generated_variants_with_parameter_columns(tmp_path):
    import pandas as pd

    text = TWO_DOCTORS.replace("baseline: two", 'baseline: two\nsweep: {"sites.h.resources.bed": [20, 30]}')
    scenario = _write(tmp_path, text)
    _run(scenario, tmp_path / "out", "--replications", "2")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["variants"] == ["two/bed=20", "two/bed=30", "three/bed=20", "three/bed=30"]
    assert manifest["baseline"] == "two/bed=20"
    column = "sites.h.resources.bed"
    for name in ("replications.csv", "summary.csv", "comparison.csv", "occupancy.csv"):
        table = pd.read_csv(tmp_path / "out" / name)
        assert column in table.columns, name
        assert set(table[column]) <= {20, 30}
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    peak = summary[(summary.metric == "occupancy") & (summary.scope == "h.bed") & (summary.stat == "peak")]
    assert (peak["mean"] <= peak[column]).all()  # nobody above the swept capacity


def test_a_dask_cluster_gives_the_same_bytes(tmp_path):
    """The Dask executor (here a local in-process cluster) writes the same tables as one worker."""
    distributed = __import__("pytest").importorskip("distributed", reason="the dask extra is not installed")
    scenario = _write(tmp_path, TWO_DOCTORS)
    _run(scenario, tmp_path / "local", "--workers", "1", "--replications", "3")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        _run(scenario, tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--replications", "3")
    for name in ("replications.csv", "summary.csv", "comparison.csv", "occupancy.csv", "flows.csv"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
