"""results.xlsx read back by openpyxl (a reader nobody here wrote): every cell is the CSV's, numbers
as numbers; the key results are the comparison table's; the bytes depend on the tables alone;
long tables continue on further sheets; text is escaped."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sim.report.data import load
from sim.results import xlsx
from sim.results.keys import key_lines
from sim.results.sheets import SHEET_FILES, TABLES, results_workbook
from sim.results.targets import verdicts

pytestmark = pytest.mark.unit


def sheet_rows(path: Path, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    return list(book[name].iter_rows(values_only=True))


def test_every_table_is_a_sheet_with_the_csvs_cells(report_folder: Path) -> None:
    book = openpyxl.load_workbook(report_folder / "results.xlsx", read_only=True)
    assert book.sheetnames == ["key results", "targets", *(name for name, _ in TABLES)]
    for name, file in TABLES:
        with (report_folder / file).open(encoding="utf-8") as handle:
            expected = list(csv.reader(handle))
        found = list(book[name].iter_rows(values_only=True))
        assert len(found) == len(expected)
        for want, got in zip(expected, found):
            for text, cell in zip(want, got):
                if text == "":
                    assert cell is None
                elif isinstance(cell, (int, float)):
                    assert cell == float(text)
                else:
                    assert cell == text and not xlsx._NUMBER.match(text)


def test_the_key_results_are_the_comparison_tables(report_folder: Path) -> None:
    with (report_folder / "summary.csv").open(encoding="utf-8") as handle:
        summary = list(csv.DictReader(handle))
    with (report_folder / "comparison.csv").open(encoding="utf-8") as handle:
        comparison = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in csv.DictReader(handle)}
    rows = sheet_rows(report_folder / "results.xlsx", "key results")
    header, body = rows[0], rows[1:]
    baseline = header[2].removesuffix(" mean")
    variants = [h.removesuffix(f" minus {baseline}") for h in header[5::3]]
    lines = key_lines(summary, baseline, load(report_folder).names)  # named as the scenario names them, in English
    assert [row[0] for row in body] == [line.label for line in lines]
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline}
    for line, row in zip(lines, body):
        assert row[2] == pytest.approx(float(base[line.key]["mean"]))
        for k, variant in enumerate(variants):
            diff = comparison.get((variant, *line.key))
            if diff is not None and diff["diff_mean"] != "":
                assert row[5 + 3 * k] == pytest.approx(float(diff["diff_mean"]))


def test_the_same_tables_give_the_same_bytes(report_folder: Path) -> None:
    texts = {name: (report_folder / name).read_text(encoding="utf-8") for name in SHEET_FILES}
    first = (report_folder / "results.xlsx").read_bytes()
    results = load(report_folder)
    judged = verdicts(results.summary_rows, results.scenarios)
    again = results_workbook(texts, *_names(texts), results.names, judged)
    assert again == first
    assert results_workbook(texts, *_names(texts), None, judged) != first  # the names are the scenario's, not identifiers
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {xlsx.FIXED_DATE}


def _names(texts: dict[str, str]) -> tuple[str, list[str]]:
    comparison = list(csv.DictReader(io.StringIO(texts["comparison.csv"])))
    summary = list(csv.DictReader(io.StringIO(texts["summary.csv"])))
    variants = list(dict.fromkeys(r["variant"] for r in summary))
    return (comparison[0]["baseline"] if comparison else variants[0]), variants


def test_a_long_table_continues_on_further_sheets_and_text_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    rows = [[f"<a&b>\x01{k}", float(k), None] for k in range(12)]
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx.workbook([("table", ["name", "value", "empty"], rows)]))
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["table", "table (2)", "table (3)"]
    found = [row for name in book.sheetnames for row in list(book[name].iter_rows(values_only=True))[1:]]
    assert found == [(f"<a&b>{k}", float(k), None) for k in range(12)]


def test_the_targets_sheet_is_each_verdict(report_folder: Path) -> None:
    results = load(report_folder)
    judged = verdicts(results.summary_rows, results.scenarios)
    rows = sheet_rows(report_folder / "results.xlsx", "targets")
    assert rows[0] == ("target", "variant", "value", "95% low", "95% high", "level", "met")
    assert len(rows) - 1 == len(judged)
    for verdict, row in zip(judged, rows[1:]):
        assert row[1] == verdict.variant and row[2] == pytest.approx(verdict.mean)
        assert row[6] == (None if verdict.met is None else "yes" if verdict.met else "no")
