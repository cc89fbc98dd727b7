"""The sheets of results.xlsx: the key results first (each key metric's baseline mean and each
variant's paired difference, with their 95 % intervals, as numbers), then every table of the
folder as its CSV holds it."""

from __future__ import annotations

import csv
import io
import math

from sim.results.keys import key_lines
from sim.results.names import Names
from sim.results.targets import Verdict, describe
from sim.results.xlsx import Cell, Sheet, number_or_text, workbook

TABLES = (("summary", "summary.csv"), ("comparison", "comparison.csv"), ("replications", "replications.csv"),
          ("occupancy", "occupancy.csv"), ("flows", "flows.csv"))
"""Sheet name and file of each table, in the workbook's order."""
SHEET_FILES = tuple(file for _, file in TABLES)
"""The files results.xlsx is made of."""


def _rows(text: str) -> tuple[list[str], list[list[Cell]]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, [[number_or_text(cell) for cell in row] for row in rows]


def key_sheet(summary_text: str, comparison_text: str, baseline: str, variants: list[str], names: Names | None = None) -> Sheet:
    """The key results: one row per key metric of the comparison table, named with `names`."""
    summary = list(csv.DictReader(io.StringIO(summary_text)))
    comparison = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in csv.DictReader(io.StringIO(comparison_text))}
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline}
    others = [v for v in variants if v != baseline]
    header = ["key metric", "unit", f"{baseline} mean", "95% low", "95% high"]
    for v in others:
        header += [f"{v} minus {baseline}", "95% low", "95% high"]
    rows: list[list[Cell]] = []
    for line in key_lines(summary, baseline, names):
        row = base[line.key]
        cells: list[Cell] = [line.label, line.unit, *(number_or_text(row[k]) for k in ("mean", "ci_low", "ci_high"))]
        for v in others:
            diff = comparison.get((v, *line.key))
            cells += [None, None, None] if diff is None else [number_or_text(diff[k]) for k in ("diff_mean", "ci_low", "ci_high")]
        rows.append(cells)
    return "key results", header, rows


def targets_sheet(judged: list[Verdict], names: Names) -> Sheet:
    """Each target judged per variant: the share (or mean occupancy), its 95% interval, the level and whether it is met."""
    header = ["target", "variant", "value", "95% low", "95% high", "level", "met"]
    rows: list[list[Cell]] = [[describe(v.criterion, names), v.variant, *(x if math.isfinite(x) else None for x in (v.mean, v.low, v.high)),
                               v.criterion.level, None if v.met is None else ("yes" if v.met else "no")] for v in judged]
    return "targets", header, rows


def results_workbook(texts: dict[str, str], baseline: str, variants: list[str], names: Names | None = None,
                     judged: list[Verdict] | None = None) -> bytes:
    """results.xlsx of a folder's CSV texts (by file name), its key metrics named with `names`, and
    its targets judged (a sheet when there are any)."""
    sheets = [key_sheet(texts["summary.csv"], texts["comparison.csv"], baseline, variants, names)]
    if judged:
        sheets.append(targets_sheet(judged, names or Names()))
    sheets += [(name, *_rows(texts[file])) for name, file in TABLES]
    return workbook(sheets)
