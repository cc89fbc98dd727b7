"""The bench machinery end to end at 2,000 patients: sane numbers, not timings."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math

import pytest

from sim.bench import reference, runner
from sim.bench.runner import BenchReport, Run

pytestmark = pytest.mark.bench

SIZE = 2_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coopsim")
    runner.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, int]:
    """The `bench` subcommand at 2,000 patients, 1 run each: its JSON, its printout, its exit code."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    args = _parser().parse_args(["bench", "--patients", str(SIZE), "--repeats", "1", "--json", str(path)])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = args.handler(args)
    return json.loads(path.read_text()), out.getvalue(), code


def test_reference_model_is_loaded_at_0_9():
    assert all(math.isclose(rho, 0.9) for rho in reference.utilisations().values())
    scenario = reference.reference_scenario(SIZE)
    assert math.isclose(scenario.run.horizon, reference.horizon_minutes(SIZE)) and scenario.run.warmup == 0


def test_runs_alternate_and_measure_sane_numbers(bench):
    data, _, _ = bench
    assert [(r["implementation"], r["size"]) for r in data["runs"]] == [("engine", SIZE), ("idiomatic", SIZE)]
    for run in data["runs"]:
        assert abs(run["patients"] - SIZE) < 6 * math.sqrt(SIZE)  # Poisson count over the horizon
        assert 2 * run["patients"] < run["events"] < 30 * run["patients"]
        assert 0 < run["run_seconds"] < run["total_seconds"] and run["cpu_seconds"] > 0
        assert 5 < run["peak_rss_mib"] < runner.MAX_MEMORY_MIB
        assert math.isclose(run["patients_per_s"], run["patients"] / run["run_seconds"])
    assert data["speedup"][str(SIZE)] > 0


def test_bars_and_printout(bench):
    data, printed, code = bench
    statuses = {b["name"]: b["status"] for b in data["bars"]}
    assert statuses["speed"] in ("PASS", "FAIL")
    assert statuses["scaling"] == statuses["memory"] == "SKIP"  # one small size tells nothing of either
    assert code == (0 if data["passed"] else 1)
    for word in ("engine", "idiomatic", "2,000", "patients/s", "peak RSS MiB", "speed:", "scaling:", "memory:"):
        assert word in printed


def _run(implementation: str, size: int, seconds: float, mib: float = 100.0) -> Run:
    return Run(implementation, size, 0, size, 4 * size, seconds, seconds, seconds + 1.0, mib)


def test_bars_judge_speed_scaling_and_memory():
    good = BenchReport([100_000, 1_000_000], 1, 1, [
        _run("engine", 100_000, 0.5), _run("idiomatic", 100_000, 2.0),
        _run("engine", 1_000_000, 5.5, mib=199.0), _run("idiomatic", 1_000_000, 20.0),
    ])
    assert [b.status for b in good.bars] == ["PASS", "PASS", "PASS"] and good.passed
    assert math.isclose(good.speedup(100_000), 4.0) and math.isclose(good.scaling("engine"), 0.1)
    bad = BenchReport([100_000, 1_000_000], 1, 1, [
        _run("engine", 100_000, 1.0), _run("idiomatic", 100_000, 2.9),
        _run("engine", 1_000_000, 14.0, mib=201.0), _run("idiomatic", 1_000_000, 40.0),
    ])
    assert [b.status for b in bad.bars] == ["FAIL", "FAIL", "FAIL"] and not bad.passed


def test_patient_counts_parse():
    assert runner.parse_sizes("100k,1M") == [100_000, 1_000_000]
    assert runner.parse_sizes("2_000, 1.5k") == [2_000, 1_500]
    for text in ("abc", "0", "1.5", "-3"):
        with pytest.raises(argparse.ArgumentTypeError):
            runner.parse_sizes(text)


def test_repeats_must_be_positive():
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench", "--repeats", "0"])


def test_rules_bench_runs_the_same_territory_with_and_without_rules() -> None:
    """The rules bench machinery works on a small territory (no timing asserted)."""
    from sim.bench.cooperation import run_rules_bench, territory_yaml
    from sim.scenario.loader import load_text

    plain, ruled = (load_text(territory_yaml(2_000, rules), "t.yaml").base for rules in (False, True))
    assert plain.cooperation == () and len(ruled.cooperation) == 4
    assert plain.model_dump(exclude={"cooperation"}) == ruled.model_dump(exclude={"cooperation"})
    report = run_rules_bench(2_000, repeats=1)
    assert report.ratio > 0 and len(report.without) == len(report.with_rules) == 1
    assert "ratio" in report.format()


def test_a_duel_compares_medians_and_judges_its_bar() -> None:
    from sim.bench.whole import Duel

    duel = Duel("t", ("slow", "fast"), [3.0, 9.0, 4.0], [1.0, 2.0, 1.5], 2.5)
    assert math.isclose(duel.ratio, 4.0 / 1.5) and duel.passed
    assert not Duel("t", ("slow", "fast"), [3.0], [1.0], 2.5, same=False).passed  # fast but different files
    assert not Duel("t", ("slow", "fast"), [3.0], [1.5], 2.5).passed
    printed = Duel("t", ("a", "b"), [2.0], [1.0], 1.85, same=True, whole=([3.0], [2.0])).format()
    assert "ratio 2.00x: PASS" in printed and "whole processes: 3.000 s and 2.000 s, ratio 1.50x" in printed and "identical" in printed
    assert json.loads(json.dumps(duel.to_json()))["medians"] == [4.0, 1.5]


def test_the_whole_run_duel_runs_both_programs(tmp_path) -> None:
    """`coopsim run` and the idiomatic script, each a process, on a small reference model (no timing asserted)."""
    from sim.bench.whole import whole_run

    duel = whole_run(2_000, repeats=1)
    assert len(duel.slow) == len(duel.fast) == 1 and duel.ratio > 0


def test_the_idiomatic_script_writes_the_mean_waits(tmp_path) -> None:
    from sim.bench import idiomatic, script

    out = tmp_path / "waits.csv"
    script.main(2_000, 7, str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == "step,patients,mean_wait_min" and [line.split(",")[0] for line in lines[1:]] == list(reference.WAITS)
    waits = idiomatic.run(2_000, 7).waits["exam"]
    assert math.isclose(float(lines[2].split(",")[2]), sum(waits) / len(waits))


def test_the_parallel_duel_compares_workers_and_a_cluster(tmp_path, monkeypatch) -> None:
    """On a small scenario: --workers 1 against 2, then a local Dask cluster (when installed) with the same bytes."""
    from sim.bench import whole

    scenario = tmp_path / "small.yaml"
    scenario.write_text(reference.reference_yaml(500).replace("replications: 1", "replications: 4"), encoding="utf-8")
    monkeypatch.setattr(whole, "PARALLEL_SCENARIO", str(scenario))
    duels = whole.parallel_run(repeats=1)
    assert duels[0].names == ("--workers 1", "--workers 2") and duels[0].whole is not None
    if len(duels) > 1:
        assert duels[1].same is True


@pytest.mark.parametrize("options, said", [(["--whole", "--parallel"], None), (["--scenarios", "--patients", "2k"], "--patients"),
                                           (["--rules", "--json", "x.json"], "--json"), (["--parallel", "--seed", "3"], "--seed")])
def test_an_option_the_comparison_does_not_take_is_refused(options: list[str], said: str | None, capsys) -> None:
    if said is None:  # two comparisons at once: argparse refuses them
        with pytest.raises(SystemExit) as stop:
            _parser().parse_args(["bench", *options])
        assert stop.value.code == 2
        return
    args = _parser().parse_args(["bench", *options])
    assert args.handler(args) == 2
    assert f"does not take {said}" in capsys.readouterr().err
