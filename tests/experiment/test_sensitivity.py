"""`coopsim sensitivity`: each input at its ends gives the waits queueing theory gives there; the
tornado's bars are comparison.csv's paired differences; Sobol indices find the input that matters
and the one that does not; every mistake in an `uncertain:` block is exit 2 with its line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment import sensitivity
from sim.report.data import load
from sim.report.tornado import bars
from tests.theory import assert_covers, mmc_wait

pytestmark = pytest.mark.unit

SCENARIO = """
version: 1
name: M/M/c with uncertain inputs
run: {horizon: 20d, warmup: 2d, replications: 12, seed: 5}
sites: {h: {location: [50.0, 3.0], resources: {server: 3, spare: 2}}}
arrivals: [{name: a, at: h, rate: 4/h, pathway: p}]
pathways: {p: [{use: server, name: q, for: {exponential: {mean: 30min}}}]}
uncertain:
  pathways.p.0.for.exponential.mean: {low: 25min, high: 35min, source: "an invented range for the tests"}
  sites.h.resources.spare: {low: 1, high: 4, assumption: "a resource nothing uses: it cannot matter"}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("sensitivity")
    (where / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    found = sensitivity.one_at_a_time(where / "s.yaml", sensitivity.SensitivityOptions(out=where / "out", workers=1, sobol=16))
    return found.folder


def replications(folder: Path, variant: str) -> list[float]:
    with (folder / "replications.csv").open(encoding="utf-8") as handle:
        return [float(r["value"]) for r in csv.DictReader(handle)
                if (r["variant"], r["metric"], r["scope"], r["stat"]) == (variant, "wait", "q", "mean")]


def test_each_end_of_a_range_gives_erlang_cs_wait(run: Path) -> None:
    for variant, mean in (("base", 30.0), ("1_mean_low", 25.0), ("1_mean_high", 35.0)):
        assert_covers(replications(run, variant), mmc_wait(3, 4 / 60, mean), f"M/M/3 wait with a {mean:g} min service")


def test_the_tornado_bars_are_the_paired_differences_widest_first(run: Path) -> None:
    results = load(run)
    drawn = bars(results)[("wait", "q", "mean")]
    assert [b.path for b in drawn] == ["pathways.p.0.for.exponential.mean", "sites.h.resources.spare"]
    with (run / "comparison.csv").open(encoding="utf-8") as handle:
        rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in csv.DictReader(handle)}
    high = rows[("1_mean_high", "wait", "q", "mean")]
    assert drawn[0].high == (float(high["diff_mean"]), float(high["ci_low"]), float(high["ci_high"]))
    assert drawn[1].width == 0.0  # the spare resource changes nothing, replication by replication (common random numbers)


def test_sobol_indices_find_the_input_that_matters(run: Path) -> None:
    indices = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["sensitivity"]["sobol"]["indices"]["wait q mean"]
    service, spare = indices["pathways.p.0.for.exponential.mean"], indices["sites.h.resources.spare"]
    assert service["ST"] > 0.8 and service["S1"] > 0.6
    assert abs(spare["ST"]) < 0.05 and abs(spare["S1"]) < 0.05


def test_the_report_draws_the_tornado(run: Path) -> None:
    assert main(["report", str(run)]) == 0
    assert (run / "figures" / "tornado.png").stat().st_size > 5_000
    assert '<section id="sensitivity">' in (run / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace(', source: "an invented range for the tests"', ""), "exactly one of `source`"),
    (lambda t: t.replace("exponential.mean: {low", "exponential.mena: {low"), "unknown key 'mena' (did you mean 'mean'?)"),
    (lambda t: t.replace("low: 25min", "low: 25 minutes"), "uncertain"),
    (lambda t: t.replace("uncertain:\n", "variants: {v: {uncertain: {}}}\nuncertain:\n"), "belongs to the whole file"),
    (lambda t: t.replace("low: 25min, high: 35min", "low: 35min, high: 25min"), "the range must go up"),
    (lambda t: t.replace("low: 1, high: 4", "low: 1, high: 4, mode: 9"), "mode (9.0) must lie between low (1.0) and high (4.0)"),
    (lambda t: t.replace("low: 1, high: 4", "low: .nan, high: 4"), "expected a finite number"),
])
def test_a_wrong_uncertain_block_is_exit_2_with_its_line(change, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.yaml").write_text(change(SCENARIO), encoding="utf-8")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert message in err and "s.yaml:" in err and "Traceback" not in err


@pytest.mark.parametrize("n", ["12", "2048"])
def test_a_sobol_design_that_is_not_a_power_of_2_or_too_big_is_exit_2(n: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    assert main(["sensitivity", str(tmp_path / "s.yaml"), "--sobol", n, "--out", str(tmp_path / "o")]) == 2
    assert "N must be a power of 2" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_scenario_without_uncertain_inputs_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO.split("uncertain:")[0], encoding="utf-8")
    assert main(["sensitivity", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "no `uncertain:` block" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_values_inside_a_range_are_written_as_the_language_writes_them() -> None:
    from sim.scenario import schema

    spec = schema.UncertainInput.model_validate({"low": "9d", "high": "13d", "source": "L3"})
    item = sensitivity.Input("pathways.icu.0.for.lognormal.mean", spec, sensitivity.kind_of(spec, "10d"), 1)
    assert item.kind == "duration" and item.bounds == (9 * 1440.0, 13 * 1440.0) and item.written(15840.0) == "15840min"
    rate = schema.UncertainInput.model_validate({"low": "180/d", "high": "230/d", "assumption": "x"})
    assert sensitivity.Input("arrivals.0.rate", rate, sensitivity.kind_of(rate, "205/d")).written(0.15) == "216/d"
    count = schema.UncertainInput.model_validate({"low": 20, "high": 40, "assumption": "x"})
    assert sensitivity.Input("sites.h.resources.bed", count, sensitivity.kind_of(count, 30)).written(27.6) == 28


def test_a_fractional_range_on_a_whole_number_stays_fractional_and_big_values_stay_plain() -> None:
    from sim.experiment.sensitivity import _digits, _salib_problem
    from sim.scenario import schema

    shape = schema.UncertainInput.model_validate({"low": 1.5, "high": 3.4, "assumption": "a Weibull shape"})
    assert sensitivity.kind_of(shape, 2) == "number"  # the scenario writes 2, the range is not whole
    assert sensitivity.Input("x", shape, "number").written(1.5) == 1.5
    assert _digits(1_008_000.0) == "1008000" and _digits(0.00000144) == "0.00000144"
    peak = schema.UncertainInput.model_validate({"low": "8/h", "high": "12/h", "mode": "12/h", "assumption": "a"})
    bounds = _salib_problem([sensitivity.Input("arrivals.0.rate", peak, "rate", 1)])["bounds"][0]
    assert 0 < bounds[2] < 1  # SALib's triangular peak strictly inside


def test_a_time_of_day_cannot_vary_in_a_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SCENARIO.replace("  sites.h.resources.spare: {low: 1, high: 4", '  arrivals.0.rate: {low: "07:00", high: "09:00"')
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    assert main(["validate", str(tmp_path / "s.yaml")]) == 2
    assert "only those can vary in a range" in capsys.readouterr().err
