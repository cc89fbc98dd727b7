"""The sweep figures: each key metric against the swept capacity, the plotted values read back
from summary.csv by hand, the targets where the scenario sets them, nothing for a folder that is
not a sweep of one numeric path."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure as MplFigure

from sim.cli import main
from sim.report import sweep
from sim.report.data import Results, load

pytestmark = pytest.mark.unit

SWEEP = """
version: 1
name: Beds swept
run: {horizon: 4d, warmup: 1d, replications: 3, seed: 11}
sites: {h: {location: [50.0, 3.0], resources: {doctor: 2, bed: 6}}}
arrivals:
  - {name: ed, at: h, rate: 3/h, pathway: visit}
pathways:
  visit:
    - {use: doctor, name: exam, for: {exponential: {mean: 30min}}}
    - branch:
        - {p: 0.3, steps: [{use: bed, name: admission, for: {exponential: {mean: 12h}}}]}
        - otherwise: []
sweep:
  sites.h.resources.bed: [8, 4, 6]
targets:
  - {wait: exam, within: 30min}
  - {occupancy: bed, below: 0.85}
"""

PLAIN = SWEEP.replace("sweep:\n  sites.h.resources.bed: [8, 4, 6]\n", "variants: {base: {}, more_beds: {sites.h.resources.bed: 8}}\nbaseline: base\n")

MINUTES = {"min": 1.0, "h": 60.0, "d": 1440.0, "days": 1440.0}
"""Minutes in each stored and shown duration unit."""


def _run(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    where = tmp_path_factory.mktemp(name)
    (where / f"{name}.yaml").write_text(text, encoding="utf-8")
    folder = where / "results"
    assert main(["run", str(where / f"{name}.yaml"), "--out", str(folder), "--workers", "1", "--quiet"]) == 0
    return folder


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory, "beds", SWEEP)


@pytest.fixture(scope="module")
def results(swept: Path) -> Results:
    return load(swept)


def _factor(stored: str, shown: str) -> float:
    """What a stored value is multiplied by to read in the shown unit, worked out by hand."""
    if stored == "share":
        assert shown == "%"
        return 100.0
    return MINUTES[stored] / MINUTES[shown]


def test_a_capacity_sweep_gives_one_grid_figure_with_a_png(results: Results) -> None:
    figures = sweep.sweep_charts(results)
    assert len({line.key for line in sweep.series(results)}) > 2  # exam and admission waits, bed occupancy
    assert [f.name for f in figures] == ["sweep_1"]  # more than two key metrics: panels of one grid, not one figure each
    figure = figures[0]
    assert re.fullmatch(r"[a-z0-9_]+", figure.name) and figure.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert figure.title == "Sweep of sites.h.resources.bed: key metrics"
    assert "95% interval" in figure.caption and "sites.h.resources.bed" in figure.caption and "one panel each" in figure.caption


def test_up_to_two_metrics_get_a_figure_each(results: Results, monkeypatch: pytest.MonkeyPatch) -> None:
    two = [("wait", "exam", "mean"), ("occupancy", "h.bed", "mean")]
    lines = [line for line in sweep._chosen(results) if line.key in two]
    monkeypatch.setattr(sweep, "_chosen", lambda _: lines)
    figures = sweep.sweep_charts(results)
    assert [f.name for f in figures] == ["sweep_1", "sweep_2"]
    assert all(f.png.startswith(b"\x89PNG") and "95% interval" in f.caption for f in figures)
    labels = {line.key: line.label for line in results.lines}  # each figure is titled with its key metric's label
    assert [f.title for f in figures] == [f"Sweep of sites.h.resources.bed: {labels[k]}" for k in two]


def test_the_plotted_values_are_the_summary_means_in_the_shown_unit(swept: Path, results: Results) -> None:
    found = sweep.series(results)
    keys = {line.key for line in found}
    assert {("wait", "exam", "mean"), ("wait", "exam", "p90"), ("wait", "exam", "within_target"), ("occupancy", "h.bed", "mean")} <= keys
    assert ("occupancy", "h.doctor", "mean") not in keys  # no target for doctors
    parameters = json.loads((swept / "manifest.json").read_text(encoding="utf-8"))["parameters"]
    with (swept / "summary.csv").open(encoding="utf-8", newline="") as handle:
        rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in csv.DictReader(handle)}
    for line in found:
        assert line.path == "sites.h.resources.bed" and line.group == ""
        assert line.x == (4.0, 6.0, 8.0) and line.ticks == ("4", "6", "8")
        assert [parameters[v]["sites.h.resources.bed"] for v in line.variants] == [4, 6, 8]
        for k, variant in enumerate(line.variants):
            row = rows[(variant, *line.key)]
            factor = _factor(row["unit"], line.unit)
            assert line.y[k] == pytest.approx(float(row["mean"]) * factor, rel=1e-12)
            low, high = float(row["ci_low"]), float(row["ci_high"])
            lowest, highest = (0.0, 1.0) if row["unit"] == "share" else (0.0, math.inf)  # clipped to what is possible
            assert line.low[k] == pytest.approx(min(max(low, lowest), highest) * factor, rel=1e-12, abs=1e-12)
            assert line.high[k] == pytest.approx(min(high, highest) * factor, rel=1e-12, abs=1e-12)
            assert line.low[k] <= line.y[k] + 1e-9 <= line.high[k] + 2e-9


def test_target_lines_sit_at_the_scenario_targets(results: Results) -> None:
    found = {line.key: line for line in sweep.series(results)}
    exam = found[("wait", "exam", "mean")]
    assert exam.target == pytest.approx(30.0 / MINUTES[exam.unit])  # 30min in the shown unit
    p90 = found[("wait", "exam", "p90")]
    assert p90.target == pytest.approx(30.0 / MINUTES[p90.unit])
    assert found[("occupancy", "h.bed", "mean")].target == pytest.approx(85.0) and found[("occupancy", "h.bed", "mean")].unit == "%"
    assert found[("wait", "exam", "within_target")].target is None
    assert all(line.target is None for key, line in found.items() if key[1] == "admission")  # no target for admissions
    for line in (exam, found[("occupancy", "h.bed", "mean")]):
        ax = MplFigure().subplots()
        sweep.draw_panel(ax, [line])
        dashed = [drawn for drawn in ax.lines if drawn.get_linestyle() == "--"]
        assert len(dashed) == 1 and list(dashed[0].get_ydata()) == pytest.approx([line.target] * 2)
        assert ax.get_ylim()[1] > line.target  # the target shows on the chart


def test_past_twelve_metrics_two_grids_share_them(results: Results, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep, "PANELS_PER_GRID", 2)
    figures = sweep.sweep_charts(results)
    assert [f.title for f in figures] == [f"Sweep of sites.h.resources.bed: key metrics ({k} of 2)" for k in (1, 2)]
    assert all(f.png.startswith(b"\x89PNG") for f in figures)


def _with_parameters(results: Results, parameters: dict[str, dict[str, object]]) -> Results:
    return dataclasses.replace(results, manifest={**results.manifest, "parameters": parameters})


def test_only_one_numeric_swept_path_gives_charts(results: Results) -> None:
    variants = results.variants
    two = {v: {"sites.h.resources.bed": k, "sites.h.resources.doctor": 5 - k} for k, v in enumerate(variants)}
    assert sweep.series(_with_parameters(results, two)) == [] and sweep.sweep_charts(_with_parameters(results, two)) == []
    constant = {v: {"sites.h.resources.bed": k + 1, "sites.h.resources.doctor": 2} for k, v in enumerate(variants)}
    assert {line.path for line in sweep.series(_with_parameters(results, constant))} == {"sites.h.resources.bed"}
    words = {v: {"cooperation": [{"k": k}]} for k, v in enumerate(variants)}
    assert sweep.sweep_charts(_with_parameters(results, words)) == []
    durations = {v: {"transport.handover": f"{10 * (k + 1)}min"} for k, v in enumerate(variants)}
    lines = sweep.series(_with_parameters(results, durations))
    assert lines and lines[0].x == (10.0, 20.0, 30.0) and lines[0].ticks == ("10min", "20min", "30min")


def test_a_folder_that_is_not_a_sweep_gives_nothing(tmp_path_factory: pytest.TempPathFactory) -> None:
    plain = load(_run(tmp_path_factory, "plain", PLAIN))
    assert not any(plain.manifest["parameters"].values())  # declared variants, no swept path
    assert sweep.series(plain) == [] and sweep.sweep_charts(plain) == []
