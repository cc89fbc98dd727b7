"""What a director reads first: the headline per variant, the one-page summary (HTML and
Markdown), who gains and who pays, in English and French; every number shown is checked against
the result files, recomputed here from summary.csv and comparison.csv."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from sim.cli import main
from sim.report.data import load
from sim.report.terminal import build_tables, print_headlines
from sim.report.write import write_report
from sim.results import ledger
from sim.results.headline import scenario_headlines
from sim.results.numbers import plain

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def both(report_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared results folder with its English and French reports."""
    folder = tmp_path_factory.mktemp("summary") / "results"
    shutil.copytree(report_folder, folder)
    assert main(["report", str(folder), "--lang", "fr"]) == 0
    return folder


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def row(folder: Path, name: str, *key: str) -> dict[str, str]:
    """The row of a result table with this variant, metric, scope and stat."""
    return next(r for r in rows(folder, name) if (r["variant"], r["metric"], r["scope"], r["stat"]) == key)


def diff(folder: Path, *key: str) -> dict[str, str]:
    return row(folder, "comparison.csv", *key)


def test_the_headline_says_each_detectable_change_with_the_files_numbers(both: Path) -> None:
    """The overflow variant adds a doctor: the exam wait falls; the sentence gives comparison.csv's
    difference and interval, in minutes, as positive amounts, and the clinic's transfers."""
    results = load(both)
    said = scenario_headlines(results.summary_rows, results.comparison_rows, "base", results.variants, results.scenarios)
    exam = diff(both, "overflow", "wait", "exam", "mean")
    assert float(exam["ci_high"]) < 0
    amount = plain(-float(exam["diff_mean"]))
    interval = f"[{plain(-float(exam['ci_high']))}, {plain(-float(exam['ci_low']))}]"
    assert f"the wait for exam is {amount} min shorter {interval}" in said["overflow"]
    sent = row(both, "summary.csv", "overflow", "transfers", "a>b", "count")
    assert f"Clinic B receives {round(float(sent['mean']))} patients" in said["overflow"] or float(sent["mean"]) < 0.5
    assert said["base"].startswith("base: the wait for exam averages")


def test_french_headlines_use_decimal_commas_and_french_words(both: Path) -> None:
    results = load(both, "fr")
    said = scenario_headlines(results.summary_rows, results.comparison_rows, "base", results.variants, results.scenarios, "fr")
    exam = diff(both, "overflow", "wait", "exam", "mean")
    assert f"l'attente (exam) diminue de {plain(-float(exam['diff_mean']), 'fr')} min" in said["overflow"]
    assert "," in plain(-float(exam["diff_mean"]), "fr") and " ; " in said["overflow"]
    assert "the wait" not in said["overflow"]


def test_summary_pages_hold_the_headlines_and_the_key_numbers(both: Path) -> None:
    for lang, suffix in (("en", ""), ("fr", ".fr")):
        results = load(both, lang)
        said = scenario_headlines(results.summary_rows, results.comparison_rows, "base", results.variants, results.scenarios, lang)
        page = (both / f"summary{suffix}.html").read_text(encoding="utf-8")
        markdown = (both / f"summary{suffix}.md").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page
        for text in said.values():
            assert text.replace("'", "&#x27;") in page and text in markdown
        exam = diff(both, "overflow", "wait", "exam", "mean")
        assert plain(float(exam["diff_mean"]), lang).replace("-", "−") in markdown


def test_the_french_report_is_french_and_the_english_one_stays(both: Path) -> None:
    french = (both / "report.fr.html").read_text(encoding="utf-8")
    english = (both / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in french and "Qui gagne, qui paie" in french and "Respect des objectifs" in french
    assert "Who gains, who pays" in english and "Qui gagne" not in english
    assert (both / "figures.fr").is_dir() and any((both / "figures.fr").glob("*.png"))
    numbers = re.findall(r"\d+,\d+(?:%|<br>)", french)
    assert numbers, "decimal commas in the French tables"


def test_who_gains_who_pays_shows_each_site_with_the_files_differences(both: Path) -> None:
    """The overflow variant touches both hospitals; each site's rows are comparison.csv's, and the
    ledger's transfers are summary.csv's."""
    results = load(both)
    sites = ledger.sites_table(results.summary_rows, results.comparison_rows, "base", "overflow", results.scenarios["overflow"],
                               results.names)
    assert [s.site for s in sites] == ["a", "b"]
    a = {e.line.key: e for e in sites[0].entries}
    exam = diff(both, "overflow", "wait", "exam", "mean")
    assert a[("wait", "exam", "mean")].diff == (float(exam["diff_mean"]), float(exam["ci_low"]), float(exam["ci_high"]))
    assert ("occupancy", "a.bed", "mean") in a and all(k[0] != "occupancy" or k[1].startswith("a.") for k in a)
    book = ledger.ledger(results.summary_rows, "overflow", results.scenarios["overflow"], results.names)
    sent = row(both, "summary.csv", "overflow", "transfers", "a>b", "count")
    assert ("Transfers Hospital A → Clinic B", float(sent["mean"]), float(sent["ci_low"]), float(sent["ci_high"])) in book.moves
    refused = row(both, "summary.csv", "overflow", "transfers", "refused:a", "count")
    assert any(what.startswith("Patients Hospital A could not send") and mean == float(refused["mean"]) for what, mean, _, _ in book.moves)


def test_a_100_column_terminal_shows_every_variant_in_tables_that_fit(both: Path) -> None:
    tables = build_tables(both, 100)
    console = Console(width=100, record=True)
    for table in tables:
        console.print(table)
    text = console.export_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "Δ overflow" in text
    console = Console(width=100, record=True)
    print_headlines(both, console)
    assert "overflow: " in console.export_text()


def test_run_prints_the_headlines_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.report.two_sites import SCENARIO

    (tmp_path / "s.yaml").write_text(SCENARIO.replace("horizon: 7d", "horizon: 2d"), encoding="utf-8")
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert out.index("base: ") < out.index("replications, 95% intervals")


def test_the_report_refuses_an_unknown_language(both: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["report", str(both), "--lang", "de"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_write_report_in_french_leaves_the_english_files_as_they_were(both: Path) -> None:
    before = (both / "report.html").read_bytes()
    write_report(both, "fr")
    assert (both / "report.html").read_bytes() == before


def test_each_target_is_judged_from_summary_csv_in_the_report_and_the_terminal(both: Path) -> None:
    """The two-sites scenario's targets have no level but the occupancy one (its mean below 85 %):
    met exactly when summary.csv's interval of the mean occupancy lies at or below 0.85."""
    from sim.results.targets import verdicts

    results = load(both)
    judged = verdicts(results.summary_rows, results.scenarios)
    occupancy = [v for v in judged if v.criterion.key[0] == "occupancy"]
    assert occupancy
    for verdict in occupancy:
        r = row(both, "summary.csv", verdict.variant, *verdict.criterion.key)
        assert verdict.met == (float(r["ci_high"]) <= 0.85)
    assert all(v.met is None for v in judged if v.criterion.key[0] == "wait")  # no `share`: reported, not judged
    page = (both / "report.html").read_text(encoding="utf-8")
    assert '<table class="targets">' in page and ("✓" in page or "✗" in page)


def test_the_summary_says_which_targets_each_variant_meets(both: Path) -> None:
    from sim.results.targets import verdicts

    results = load(both)
    judged = [v for v in verdicts(results.summary_rows, results.scenarios) if v.met is not None]
    markdown = (both / "summary.md").read_text(encoding="utf-8")
    assert judged and "## Targets" in markdown
    for verdict in judged:
        assert f"{verdict.variant} {plain(100 * verdict.mean)} %" in markdown
    assert "## Objectifs" in (both / "summary.fr.md").read_text(encoding="utf-8")
