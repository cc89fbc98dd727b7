"""`coopsim target`: on M/M/c queues it finds the number of servers Erlang C says is the smallest
with P(wait <= t) >= the level; its runs are a results folder; every user mistake is exit 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment import target
from sim.scenario.errors import ScenarioError
from tests.theory import erlang_c

pytestmark = pytest.mark.unit


def mmc(rate_per_hour: float, mean_minutes: float, within: float, share: float, servers: int = 3, horizon: str = "20d") -> str:
    return f"""
version: 1
name: M/M/c
run: {{horizon: {horizon}, warmup: 2d, replications: 10, seed: 3}}
sites: {{h: {{location: [50.0, 3.0], resources: {{server: {servers}}}}}}}
arrivals: [{{name: a, at: h, rate: {rate_per_hour}/h, pathway: p}}]
pathways: {{p: [{{use: server, name: q, for: {{exponential: {{mean: {mean_minutes}min}}}}}}]}}
targets:
  - {{wait: q, within: {within}min, share: {share}}}
"""


def erlang_answer(rate_per_hour: float, mean_minutes: float, within: float, share: float) -> tuple[int, float, float]:
    """The smallest c with P(W <= t) = 1 - C(c, a) exp(-(c mu - lambda) t) at least `share`, and
    that probability at c - 1 and c (an independent computation: tests/theory.erlang_c)."""
    lam, mu = rate_per_hour / 60, 1 / mean_minutes
    load = lam / mu
    within_at = {c: 1 - erlang_c(c, load) * math.exp(-(c * mu - lam) * within) for c in range(math.floor(load) + 1, math.floor(load) + 20)}
    best = min(c for c, p in within_at.items() if p >= share)
    return best, within_at.get(best - 1, 0.0), within_at[best]


@pytest.mark.parametrize(("rate", "mean", "within", "share"), [(10, 30, 10, 0.8), (6, 20, 15, 0.9), (30, 10, 3, 0.85)])
def test_the_answer_is_erlang_cs_number_of_servers(rate: float, mean: float, within: float, share: float, tmp_path: Path) -> None:
    expected, below, at = erlang_answer(rate, mean, within, share)
    assert below < share - 0.02 and at > share + 0.02  # the cases are chosen so that 40 replications can tell
    (tmp_path / "q.yaml").write_text(mmc(rate, mean, within, share), encoding="utf-8")
    found = target.search(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=expected - 3, high=expected + 4,
                                                                    out=tmp_path / "out", workers=1))
    assert found.answer == expected
    judged = {c.value: c.verdict for c in found.candidates}
    assert judged[expected] is True and judged.get(expected - 1) is False
    assert found.monotone == []
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["target_search"]["answer"] == expected
    assert len(manifest["variants"]) == len(found.candidates)


def test_the_runs_make_a_results_folder_the_report_draws_as_a_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", "sites.h.resources.server", "--range", "5..12",
                 "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert "sites.h.resources.server = 7 is the smallest value" in out
    assert "at most 5 candidates" in err and "= 6: does not meet a target" in err
    assert main(["report", str(tmp_path / "out")]) == 0
    assert any((tmp_path / "out" / "figures").glob("sweep_*.png"))


def test_the_same_search_gives_the_same_folder_whatever_the_workers(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8, horizon="6d"), encoding="utf-8")
    for workers in (1, 2):
        target.search(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=5, high=10, out=tmp_path / f"w{workers}",
                                                                workers=workers))
    for name in ("summary.csv", "replications.csv", "comparison.csv"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()


@pytest.mark.parametrize(("lever", "message"), [
    ("sites.h.resources.servre", "has no key 'servre' (keys: server)"),
    ("run.horizon", "not a whole number"),
    ("arrivals.5.rate", "has no item '5'"),
])
def test_a_lever_that_is_not_an_integer_path_is_exit_2(lever: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", lever, "--range", "5..8", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and "--lever" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_range_with_no_feasible_value_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", "sites.h.resources.server", "--range", "5..6", "--out",
                 str(tmp_path / "o"), "--max-replications", "10"]) == 2
    assert "even sites.h.resources.server = 6 does not meet every target" in capsys.readouterr().err


@pytest.mark.parametrize(("arguments", "message"), [
    (["--range", "8..5"], "expected 0 <= A < B"),
    (["--range", "5-8"], "expected A..B"),
    (["--range", "0..500"], "at most 200"),
])
def test_a_bad_range_is_exit_2(arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    try:
        code = main(["target", str(tmp_path / "q.yaml"), "--lever", "sites.h.resources.server", *arguments])
    except SystemExit as stop:  # argparse
        code = stop.code
    assert code == 2 and message in capsys.readouterr().err


def test_targets_without_a_level_cannot_be_searched(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8).replace(", share: 0.8", ""), encoding="utf-8")
    with pytest.raises(ScenarioError, match="no target has a compliance level"):
        target.prepare(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=5, high=8))


def test_looks_and_the_confidence_of_each() -> None:
    assert target.looks(10, 40) == 3 and target.looks(10, 10) == 1 and target.looks(10, 25) == 3


@pytest.mark.parametrize(("arguments", "message"), [
    (["--variant", "nope"], "unknown variant 'nope'"),
    (["--targets", "queue"], "no target on 'queue' (targets on: q)"),
])
def test_an_unknown_variant_or_target_is_exit_2(arguments: list[str], message: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", "sites.h.resources.server", "--range", "5..8", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_the_lever_of_a_variant_is_searched(tmp_path: Path) -> None:
    """A variant that doubles the arrivals needs more servers than the baseline: 13 at 20/h, against 7 at 10/h (Erlang C)."""
    text = mmc(10, 30, 10, 0.8) + "variants: {base: {}, busy: {arrivals.0.rate: 20/h}}\nbaseline: base\n"
    (tmp_path / "q.yaml").write_text(text, encoding="utf-8")
    expected, below, at = erlang_answer(20, 30, 10, 0.8)
    assert below < 0.78 and at > 0.82
    found = target.search(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=9, high=16, variant="busy",
                                                                    out=tmp_path / "out", workers=1))
    assert found.answer == expected


def test_a_share_is_searched_in_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A share p of patients taken elsewhere before the queue of 6 servers: the queue is M/M/6 at
    λ(1 - p), and Erlang C puts the smallest p in steps of 0.05 with P(W <= 10 min) >= 0.83 at 0.2."""
    text = mmc(10, 30, 10, 0.83, servers=6).replace(
        "pathways: {p: [{use: server, name: q, for: {exponential: {mean: 30min}}}]}",
        "pathways: {p: [{branch: [{p: 0.0, steps: []}, {otherwise: [{use: server, name: q, for: {exponential: {mean: 30min}}}]}]}]}")
    (tmp_path / "q.yaml").write_text(text, encoding="utf-8")
    mu, within = 1 / 30, 10
    level = {p: 1 - erlang_c(6, 10 / 60 * (1 - p) / mu) * math.exp(-(6 * mu - 10 / 60 * (1 - p)) * within) for p in (0.15, 0.2)}
    assert level[0.15] < 0.81 and level[0.2] > 0.85
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", "pathways.p.0.branch.0.p", "--range", "0..0.5", "--step", "0.05",
                 "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert "pathways.p.0.branch.0.p = 0.2 is the smallest value in 0..0.5" in capsys.readouterr().out
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", "pathways.p.0.branch.0.p", "--range", "0..1",
                 "--out", str(tmp_path / "o2")]) == 2
    assert "not a whole number" in capsys.readouterr().err


@pytest.mark.parametrize(("arguments", "message"), [
    (["--range", "0..1", "--step", "1e-8"], "values (at most 200"),
    (["--range", "0..2", "--step", "5e-324"], "values (at most 200"),
    (["--range", "5..9", "--replications", "1"], "needs at least 2 replications"),
    (["--range", "5..9", "--out", ""], "--out is empty"),
])
def test_hostile_search_options_are_refused_at_once(arguments: list[str], message: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import time

    (tmp_path / "q.yaml").write_text(mmc(10, 30, 10, 0.8), encoding="utf-8")
    lever = "pathways.p.0.for.exponential.mean" if "--step" in arguments else "sites.h.resources.server"
    started = time.perf_counter()
    assert main(["target", str(tmp_path / "q.yaml"), "--lever", lever, *arguments]) == 2
    assert time.perf_counter() - started < 5
    assert message in capsys.readouterr().err


def test_a_variant_is_searched_on_its_own_targets(tmp_path: Path) -> None:
    text = mmc(10, 30, 10, 0.8).replace("  - {wait: q, within: 10min, share: 0.8}", "  - {wait: q, within: 10min}")
    text += "variants: {base: {}, strict: {targets: [{wait: q, within: 10min, share: 0.8}]}}\nbaseline: base\n"
    (tmp_path / "q.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="no target has a compliance level"):
        target.prepare(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=5, high=8))
    loaded, names = target.prepare(tmp_path / "q.yaml", target.TargetOptions(lever="sites.h.resources.server", low=5, high=8,
                                                                             variant="strict"))
    assert list(names) == [5, 6, 7, 8]
