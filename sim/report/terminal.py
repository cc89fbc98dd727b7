"""The variant comparison table, read from a results folder alone.

For each key metric: the baseline mean with its 95% interval, then for each variant the
paired difference with its interval, marked `*` where the interval excludes 0 and coloured
by whether the change is better or worse.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.report import alerts
from sim.results.headline import scenario_headlines
from sim.results.keys import Line, key_lines
from sim.results.names import names_of
from sim.results.numbers import CLIPPED, Scale, interval, plain, scale_for, signed
from sim.results.precision import precision_summary
from sim.results.reader import read_manifest, read_rows, read_scenarios
from sim.results.targets import describe, verdicts

__all__ = ["Cell", "Comparison", "build_tables", "comparison", "print_headlines", "print_targets", "load_results", "print_advice",
           "print_flows", "print_table"]

LOWER_IS_BETTER = {"wait", "blocked_time", "access_delay", "time_in_system", "occupancy", "utilisation", "queue", "transfers", "patients",
                   "nights_blocked", "blocked"}
"""Metrics where a decrease is an improvement (except the stats listed in HIGHER_STATS)."""
HIGHER_STATS = {"within_target"}
HIGHER_SCOPES = {"departed", "throughput"}

def load_results(folder: Path) -> tuple[dict, list[dict[str, str]], list[dict[str, str]]]:
    """The manifest, summary rows and comparison rows of an intact results folder."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    summary = read_rows(folder, "summary.csv", manifest, ["variant", "metric", "scope", "stat", "unit", "mean", "ci_low", "ci_high"])
    comparison = read_rows(folder, "comparison.csv", manifest, ["variant", "metric", "scope", "stat", "diff_mean", "ci_low", "ci_high"])
    return manifest, summary, comparison


def _number(text: str) -> float:
    return float(text) if text != "" else math.nan


def better(metric: str, scope: str, stat: str, diff: float) -> bool:
    """Whether a positive or negative difference is an improvement for this metric."""
    higher = stat in HIGHER_STATS or scope in HIGHER_SCOPES or metric == "throughput"
    return diff > 0 if higher else diff < 0


LABEL_WIDTH, BASE_WIDTH, DIFF_WIDTH = 46, 22, 30
"""Columns of the comparison table, in characters: what a 100-column terminal fits with two variants."""


def width() -> int:
    """The width to print at: the terminal's, or $COLUMNS, or 100 when the output is not a terminal."""
    return shutil.get_terminal_size((100, 24)).columns


@dataclass(frozen=True)
class Cell:
    """One difference of the comparison: its text, and whether its interval excludes 0 and the change is better."""

    text: str
    significant: bool = False
    better: bool = False


@dataclass(frozen=True)
class Comparison:
    """The comparison table's content: per key metric, its label, the baseline and each variant's paired difference."""

    baseline: str
    variants: list[str]
    rows: list[tuple[str, str, list[Cell]]]
    clipped: bool


def comparison(folder: Path, lang: str = "en") -> Comparison:
    """The comparison of a results folder: each key metric's baseline mean with its interval and
    every variant's paired difference, in the unit a person reads (`lang`'s numbers and names)."""
    manifest, summary, comparison_rows = load_results(folder)
    baseline = manifest["baseline"]
    variants = [v for v in manifest["variants"] if v != baseline]
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline}
    diffs = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in comparison_rows}
    _, scenarios = read_scenarios(folder, manifest)
    lines = [line for line in key_lines(summary, baseline, names_of(list(scenarios.values()), lang)) if line.key in base]
    rows, clipped = [], False
    for line in lines:
        row = base[line.key]
        scale = scale_for(line.unit, _number(row["mean"]))
        shown = interval(_number(row["ci_low"]), _number(row["ci_high"]), scale, lang=lang)
        clipped = clipped or shown.endswith(CLIPPED)
        rows.append((f"{line.label} ({scale.shown})", f"{plain(scale.value(_number(row['mean'])), lang)} {shown}",
                     [_difference(diffs.get((v, *line.key)), line, scale, lang) for v in variants]))
    return Comparison(baseline, variants, rows, clipped)


def build_tables(folder: Path, columns: int = 100) -> list[Table]:
    """The comparison table of a results folder, split into as many tables as it takes for each to
    fit `columns` characters (every one repeats the metric and the baseline; every variant appears)."""
    manifest = read_manifest(folder)
    found = comparison(folder)
    per_table = max(1, (columns - LABEL_WIDTH - BASE_WIDTH) // DIFF_WIDTH)
    groups = [list(range(k, min(k + per_table, len(found.variants)))) for k in range(0, len(found.variants), per_table)] or [[]]
    n = manifest["replications"]
    tables = []
    for k, group in enumerate(groups):
        part = f" (part {k + 1} of {len(groups)})" if len(groups) > 1 else ""
        table = Table(title=escape(f"{manifest['scenario']['file']}: {n} replications, 95% intervals; Δ = variant − {found.baseline} "
                                   f"(paired){part}"), title_justify="left")
        table.add_column("metric", max_width=LABEL_WIDTH, overflow="fold")
        table.add_column(escape(found.baseline), justify="right")
        for j in group:
            table.add_column(escape(f"Δ {found.variants[j]}"), justify="right")
        for label, base, cells in found.rows:
            table.add_row(escape(label), base, *(_styled(cells[j]) for j in group))
        table.caption = ("* the interval excludes 0 (green: better, red: worse); differences of shares (%) are in percentage points"
                         + (f"; {CLIPPED} interval clipped to what is possible (a share within 0-100 %, a count or a time at least 0)"
                            if found.clipped else ""))
        table.caption_justify = "left"
        tables.append(table)
    return tables


def _difference(d: dict[str, str] | None, line: Line, scale: Scale, lang: str = "en") -> Cell:
    """A paired difference: its mean and interval, marked where the interval excludes 0."""
    if d is None or d["diff_mean"] == "":
        return Cell("–")
    mean, low, high = _number(d["diff_mean"]), _number(d["ci_low"]), _number(d["ci_high"])
    significant = low > 0 or high < 0
    text = f"{signed(scale.value(mean), lang)} {interval(low, high, scale, difference=True, lang=lang)}{'*' if significant else ' '}"
    return Cell(text, significant, significant and better(*line.key, mean))


def _styled(cell: Cell) -> str:
    """A difference as the terminal shows it: green when better, red when worse, if significant."""
    style = ("green" if cell.better else "red") if cell.significant else ""
    return f"[{style}]{cell.text}[/{style}]" if style else cell.text


def print_targets(folder: Path, console: Console | None = None) -> None:
    """Print each target judged per variant: its share with the 95% interval, met or not met when
    the target sets a level (nothing when the scenario has no target)."""
    manifest, summary, _ = load_results(folder)
    _, scenarios = read_scenarios(folder, manifest)
    variants = list(manifest["variants"])
    judged = verdicts(summary, {v: scenarios[v] for v in variants})
    if not judged:
        return
    names = names_of(list(scenarios.values()))
    share = scale_for("share", 0.0)
    cells: dict[str, dict[str, str]] = {}
    for verdict in judged:
        mark = {True: "[green]met[/green]", False: "[red]not met[/red]", None: ""}[verdict.met]
        text = f"{plain(share.value(verdict.mean))} % {interval(verdict.low, verdict.high, share)} {mark}".rstrip()
        cells.setdefault(describe(verdict.criterion, names), {})[verdict.variant] = text
    table = Table(title="targets: the share of patients (or of open time) meeting each target, or the mean occupancy for an occupancy "
                        "target without a share; 95% intervals; met when the interval is on the target's side of its level",
                  title_justify="left")
    table.add_column("variant")
    for label in cells:  # one column per target, one row per variant: every variant fits, however many
        table.add_column(escape(label), justify="right", overflow="fold")
    for v in variants:
        table.add_row(escape(v), *(by_variant.get(v, "–") for by_variant in cells.values()))
    console = console or Console(width=width())
    console.print(table)


def print_headlines(folder: Path, console: Console | None = None) -> None:
    """Print the plain-language headline of each variant, baseline first."""
    manifest, summary, comparison = load_results(folder)
    _, scenarios = read_scenarios(folder, manifest)
    console = console or Console(width=width())
    for text in scenario_headlines(summary, comparison, manifest["baseline"], list(manifest["variants"]), scenarios).values():
        console.print(escape(text))
    console.print()


def deadlocks(folder: Path) -> list[alerts.Deadlock]:
    """The variants of a results folder some of whose replications ended in a deadlock
    (replications.csv is read only when summary.csv shows one)."""
    manifest, summary, _ = load_results(folder)
    if not alerts.jammed(summary):
        return []
    rows = read_rows(folder, "replications.csv", manifest, ["variant", "metric", "scope", "stat", "value"])
    return alerts.deadlocks(((r["variant"], float(r["value"])) for r in rows
                             if (r["metric"], r["scope"], r["stat"]) == ("patients", "deadlocked", "count") and r["value"] != ""),
                            manifest["variants"])


def print_table(folder: Path, console: Console | None = None) -> None:
    """Print the comparison table of a results folder, then a warning for each variant that
    ended in a deadlock."""
    console = console or Console(width=width())
    for table in build_tables(folder, console.width):
        console.print(table)
    for deadlock in deadlocks(folder):
        console.print(f"[bold red]warning:[/] {escape(deadlock.sentence())}")


def print_advice(folder: Path, console: Console | None = None, limit: int = 8) -> None:
    """Print the replication advice stored in a results folder's manifest: the key metrics short
    of the precision first, least precise first, those driven by saturation flagged."""
    manifest, summary, _ = load_results(folder)
    advice = manifest.get("replication_advice")
    if not advice or not advice["metrics"]:
        return
    _, scenarios = read_scenarios(folder, manifest)
    names = names_of(list(scenarios.values()))
    labels = {line.key: line.label for variant in manifest["variants"] for line in key_lines(summary, variant, names)}
    rows = sorted(advice["metrics"], key=lambda a: (a.get("precise", False), bool(a.get("saturation_driven")),
                                                     -(a["relative_half_width"] if a["relative_half_width"] is not None else math.inf)))
    table = Table(title=f"replication advice: {precision_summary(advice)}", title_justify="left")
    for column in ("variant", "metric", "mean", "half-width", "half-width / mean", "replications needed"):
        table.add_column(column, justify="left" if column in ("variant", "metric") else "right")
    for a in rows[:limit]:
        rhw, half = a["relative_half_width"], a.get("half_width")
        needed = ("driven by saturation of " + names.resource(str(a["saturation_driven"])) if a.get("saturation_driven")
                  else "–" if a["replications_needed"] is None else str(a["replications_needed"]))
        label = labels.get((a["metric"], a["scope"], a["stat"]), f"{a['scope']} {a['metric']} {a['stat']}")
        table.add_row(escape(str(a["variant"])), escape(label), plain(a["mean"]),
                      "–" if half is None else f"{plain(half)} {a.get('unit', '')}".rstrip(), "–" if rhw is None else f"{rhw:.1%}",
                      escape(needed))
    console = console or Console(width=width())
    console.print(table)


def print_flows(folder: Path, console: Console | None = None) -> None:
    """Print the flows between sites (patients per day by origin and the site they left from),
    when any patient changed site in any variant."""
    manifest, _, _ = load_results(folder)
    flows = read_rows(folder, "flows.csv", manifest, ["variant", "stream", "origin", "site", "per_day", "patients", "transfers"])
    moved = [f for f in flows if f["origin"] != f["site"] or (f["transfers"] not in ("", "0"))]
    if not moved:
        return
    variants = list(manifest["variants"])
    routes = sorted({(f["stream"], f["origin"], f["site"]) for f in flows})
    cells = {(f["variant"], f["stream"], f["origin"], f["site"]): f for f in flows}
    table = Table(title="flows: counted patients per day, by stream, origin and the site they left from (transfers per day)",
                  title_justify="left")
    table.add_column("stream: origin > site")
    for v in variants:
        table.add_column(escape(v), justify="right")
    for stream, origin, site in routes:
        row = [escape(f"{stream}: {origin} > {site}")]
        for v in variants:
            f = cells.get((v, stream, origin, site))
            if f is None:
                row.append("–")
                continue
            per_day, patients = _number(f["per_day"]), _number(f["patients"])
            moves = _number(f["transfers"]) * per_day / patients if patients > 0 else math.nan
            row.append(plain(per_day) + (f" ({plain(moves)})" if moves > 0 else ""))
        table.add_row(*row)
    console = console or Console(width=width())
    console.print(table)
