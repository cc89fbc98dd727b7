"""The report page: one HTML file with its style inline and its figures as data URIs.

It needs no network and no script, reads on a laptop screen, and prints (print rules keep
figures and table rows whole and drop the navigation).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from html import escape

import pandas as pd

from sim import __version__
from sim.report import alerts
from sim.report.data import Results, value
from sim.report.figures import Figure
from sim.report.methods import Block, Item, sections
from sim.report.terminal import better
from sim.results.keys import Line
from sim.results.numbers import Scale, interval, plain, scale_for, signed
from sim.scenario import schema
from sim.scenario.units import format_duration

STYLE = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d9dce1; --better: #e3f4e8; --better-ink: #17692f;
        --worse: #fbe5e3; --worse-ink: #a6291c; --accent: #1f5f99; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: white; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p.subtitle { margin: 0; color: var(--muted); }
nav { position: sticky; top: 0; background: white; border-bottom: 1px solid var(--line); padding: 8px 0; margin: 16px 0 8px; z-index: 1; }
nav a { margin-right: 18px; color: var(--accent); text-decoration: none; font-weight: 600; font-size: 14px; }
h2 { font-size: 22px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 22px 0 6px; }
section p, section li { max-width: 80ch; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: 13.5px; }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td.num, th.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.better { background: var(--better); color: var(--better-ink); font-weight: 600; }
td.worse { background: var(--worse); color: var(--worse-ink); font-weight: 600; }
td .unit, td small { color: var(--muted); }
td.better small, td.worse small { color: inherit; font-weight: 400; }
.wide { overflow-x: auto; }
.wide td:first-child, .wide th:first-child { min-width: 15em; position: sticky; left: 0; background: white; }
.wide th:first-child { background: #eef1f5; }
table.facts th { text-align: left; width: 14em; background: none; }
table.facts td { text-align: left; }
.legend, figcaption, .note { color: var(--muted); font-size: 13px; }
figure { margin: 18px 0 26px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { margin-top: 6px; max-width: 110ch; }
ul.headline li { margin-bottom: 4px; }
.warning { border-left: 4px solid var(--worse-ink); background: var(--worse); padding: 8px 12px; margin: 10px 0; max-width: 110ch; }
.methods ul { margin-top: 4px; }
.methods li { margin-bottom: 3px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { background: white; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  .wide { overflow: visible; }
  .wide td:first-child, .wide th:first-child { position: static; min-width: 9em; }
  table { font-size: 7.5pt; }
  th, td { padding: 2px 4px; }
  h2 { break-after: avoid; }
  figure, tr, table.facts { break-inside: avoid; }
  td.better, td.worse, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""

SHARE, PATIENTS = scale_for("share", 0.0), scale_for("patients", 0.0)
"""Scales of shares and of patient counts, which do not depend on their size."""

SECTIONS = (("scenario", "Scenario"), ("findings", "Findings"), ("sweep", "Sweep"), ("differences", "Differences"), ("occupancy", "Occupancy"),
            ("waits", "Waiting times"), ("flows", "Flows between sites"), ("rules", "Rules in force"), ("methods", "Methods"))


def number(value: float, scale: Scale) -> str:
    """A value in its shown unit: shares as percentages, never scientific notation."""
    if math.isnan(value):
        return "–"
    return plain(scale.value(value)) + ("%" if scale.shown == "%" else "")


def difference(value: float, scale: Scale) -> str:
    """A signed difference in the shown unit: shares in percentage points."""
    if math.isnan(value):
        return "–"
    return signed(scale.value(value)) + (" pp" if scale.shown == "%" else "")


def estimate(main: str, low: float, high: float, scale: Scale, difference_: bool = False) -> str:
    """A value over its 95% interval, in one table cell (the interval clipped to what is possible)."""
    return f"{escape(main)}<br><small>{escape(interval(low, high, scale, difference_))}</small>"


def code_spans(text: str) -> str:
    """Escaped text with `backquoted` words set as code, as scenario descriptions write them."""
    parts = escape(text).split("`")
    return "".join(f"<code>{part}</code>" if k % 2 else part for k, part in enumerate(parts)) if len(parts) % 2 else escape(text)


def unit_name(shown: str) -> str:
    """The shown unit as a reader says it."""
    return {"h": "hours"}.get(shown, shown)


def figure_html(figure: Figure) -> str:
    """A figure with its caption; the PNG inline as a data URI."""
    data = base64.b64encode(figure.png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(figure.title)}">'
            f"<figcaption><b>{escape(figure.title)}.</b> {escape(figure.caption)} "
            f"<span class=\"mono\">figures/{escape(figure.name)}.png</span></figcaption></figure>")


def targets(results: Results) -> dict[tuple[str, str], str]:
    """Target text by (metric, scope) of the summary: `≤ 1h` for waits, `< 90%` for occupancy."""
    found: dict[tuple[str, str], str] = {}
    scopes = list(dict.fromkeys((r["metric"], r["scope"]) for r in results.summary_rows))  # in file order: the page is reproducible
    for target in results.scenario.targets:
        if isinstance(target, schema.WaitTarget):  # the step's scope, and `name@site` when it runs at several sites
            for metric, scope in scopes:
                if metric in ("wait", "access_delay") and scope.partition("@")[0] == target.wait:
                    found[(metric, scope)] = f"≤ {format_duration(target.within)}"
        else:
            role = target.occupancy
            for metric, scope in scopes:
                if metric == "occupancy" and (scope == role or scope.endswith("." + role)):
                    found[(metric, scope)] = f"< {target.below:.0%}"
    return found


def _cell(line: Line, variant: str, diffs: dict[tuple[str, ...], dict[str, str]], typical: float) -> tuple[str, int]:
    """A difference cell and its verdict: 1 better, -1 worse, 0 not distinguishable."""
    row = diffs.get((variant, *line.key))
    if row is None or row["diff_mean"] == "":
        return '<td class="num">–</td>', 0
    mean, low, high = value(row["diff_mean"]), value(row["ci_low"]), value(row["ci_high"])
    significant = low > 0 or high < 0
    verdict = (1 if better(*line.key, mean) else -1) if significant else 0
    css = {1: "num better", -1: "num worse", 0: "num"}[verdict]
    title = {1: "better; the interval excludes 0", -1: "worse; the interval excludes 0", 0: "the interval includes 0"}[verdict]
    scale = scale_for(line.unit, typical)
    main = difference(mean, scale) + ("*" if significant else "")
    return f'<td class="{css}" title="{title}">{estimate(main, low, high, scale, difference_=True)}</td>', verdict


def warnings(results: Results) -> str:
    """A warning for each variant some of whose replications ended in a deadlock."""
    if not alerts.jammed(results.summary_rows):
        return ""
    table = results.replications
    counts = table[(table["metric"] == "patients") & (table["scope"] == "deadlocked") & (table["stat"] == "count")]
    found = alerts.deadlocks(zip(counts["variant"], counts["value"].astype(float)), results.variants)
    return "".join(f'<p class="warning"><b>Warning:</b> {escape(d.sentence())}</p>' for d in found)


def findings(results: Results) -> str:
    """Warnings, headlines, the key-metric table and target compliance."""
    base = {(r["metric"], r["scope"], r["stat"]): r for r in results.summary_rows if r["variant"] == results.baseline}
    diffs = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in results.comparison_rows}
    goals = targets(results)
    verdicts: dict[str, list[int]] = {v: [] for v in results.others}
    head = "".join(f'<th class="num">Δ {escape(v)}</th>' for v in results.others)
    body = []
    for line in results.lines:
        row = base.get(line.key)
        if row is None:
            continue
        goal = goals.get(line.key[:2], "") if line.key[2] in ("within_target", "mean") else ""
        scale = scale_for(line.unit, value(row["mean"]))
        cells = [f"<td>{escape(line.label)} <span class=\"unit\">({escape(unit_name(scale.shown))})</span></td>",
                 f"<td class=\"num\">{escape(goal)}</td>",
                 f"<td class=\"num\">{estimate(number(value(row['mean']), scale), value(row['ci_low']), value(row['ci_high']), scale)}</td>"]
        for v in results.others:
            cell, verdict = _cell(line, v, diffs, value(row["mean"]))
            cells.append(cell)
            verdicts[v].append(verdict)
        body.append(f"<tr>{''.join(cells)}</tr>")
    headline = "".join(
        f"<li><b>{escape(v)}</b>: better on {marks.count(1)} of {len(marks)} key measures, worse on {marks.count(-1)}, "
        f"not distinguishable from {escape(results.baseline)} on {marks.count(0)}.</li>" for v, marks in verdicts.items())
    return "".join([
        warnings(results),
        f'<ul class="headline">{headline}</ul>' if headline else "",
        (f'<div class="wide"><table class="findings"><thead><tr><th>key metric</th><th class="num">target</th>'
         f'<th class="num">{escape(results.baseline)}</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'),
        (f'<p class="legend">{escape(results.baseline)}: the mean across replications over its 95% interval. '
         + (f"Δ = variant − {escape(results.baseline)}, paired replication by replication, over its 95% interval; "
            "* the interval excludes 0; green: better, red: worse. " if results.others else "")
         + "Shares are percentages" + ("; their differences are in percentage points (pp)." if results.others else ".") + "</p>"),
        compliance(results, goals),
    ])


def compliance(results: Results, goals: dict[tuple[str, str], str]) -> str:
    """Share of patients (or time) meeting each target, per variant."""
    rows = {(r["variant"], r["metric"], r["scope"]): r for r in results.summary_rows if r["stat"] == "within_target"}
    keys = [k for k in goals if any((v, *k) in rows for v in results.variants)]
    if not keys:
        return ""
    head = "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    body = []
    for metric, scope in keys:
        cells = []
        for v in results.variants:
            row = rows.get((v, metric, scope))
            shown = None if row is None else estimate(number(value(row["mean"]), SHARE), value(row["ci_low"]), value(row["ci_high"]), SHARE)
            cells.append('<td class="num">–</td>' if shown is None else f'<td class="num">{shown}</td>')
        what = "occupancy" if metric == "occupancy" else metric.replace("_", " ")
        body.append(f"<tr><td>{escape(scope)} {what} {escape(goals[(metric, scope)])}</td>{''.join(cells)}</tr>")
    return ("<h3>Target compliance</h3><div class=\"wide\"><table><thead><tr><th>target</th>" + head + "</tr></thead><tbody>"
            + "".join(body) + "</tbody></table></div><p class=\"legend\">Share of counted patients (waits) or of open time (occupancy) meeting the "
            "target, mean [95% interval] across replications.</p>")


def facts(results: Results) -> str:
    """The run at a glance: what, how long, how often, with what."""
    manifest = results.manifest
    measured = f"{format_duration(results.horizon)} after a warm-up of {format_duration(results.warmup)}"
    if results.start is not None:
        begin = results.start + dt.timedelta(minutes=results.warmup)
        end = begin + dt.timedelta(minutes=results.horizon)
        measured += f" — from {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} (time 0 = {results.start:%Y-%m-%d})"
    variants = ", ".join(f"{v} (baseline)" if v == results.baseline else v for v in results.variants)
    rows = [
        ("Scenario file", f"{manifest['scenario']['file']} (SHA-256 {manifest['scenario']['sha256'][:16]}…)"),
        ("Variants", variants),
         ("Replications", f"{manifest['replications']} per variant"),
        ("Seed", str(manifest["seed"])),
         ("Measured period", measured),
         ("coopsim", f"{manifest.get('coopsim')} (Python {manifest.get('python')}, results format {manifest.get('format')})"),
    ]
    return "<table class=\"facts\">" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>"


def _items(items: list[Item]) -> str:
    parts = []
    for item in items:
        if isinstance(item, tuple):
            parts.append(f"<li>{escape(item[0])}{_items(item[1])}</li>")
        else:
            parts.append(f"<li>{escape(item)}</li>")
    return f"<ul>{''.join(parts)}</ul>"


def _blocks(blocks: list[Block]) -> str:
    return "".join(_items(b) if isinstance(b, list) else f"<p>{escape(b)}</p>" for b in blocks)


def methods(results: Results) -> str:
    """The STRESS-DES methods, section by section."""
    return '<div class="methods">' + "".join(f"<h3>{escape(title)}</h3>{_blocks(blocks)}" for title, blocks in sections(results)) + "</div>"


def _table(head: str, rows: list[str], legend: str) -> str:
    return (f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'

            f'<p class="legend">{escape(legend)}</p>')


def movements_table(results: Results, moved: pd.DataFrame) -> str:
    """Patients a day by stream, the site they appeared at and the site they left from (flows.csv)."""
    if moved.empty:
        return ""
    rows = []
    for (stream, origin, site), group in moved.groupby(["stream", "origin", "site"], sort=True):
        by_variant = group.set_index("variant")
        cells = "".join(
            f'<td class="num">{escape(plain(by_variant.loc[v, "per_day"]))} ({escape(number(by_variant.loc[v, "share"], SHARE))})</td>'
            if v in by_variant.index else '<td class="num">–</td>' for v in results.variants)
        rows.append(f"<tr><td>{escape(stream)}: {escape(results.site_name(origin))} → {escape(results.site_name(site))}</td>{cells}</tr>")
    head = "<th>stream: appeared at → left from</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return "<h3>Where patients went</h3>" + _table(head, rows, "Counted patients a day, mean across replications (flows.csv), and "
                                                   "their share of the stream's patients appearing at that site.")


def transfers_table(results: Results, routes: pd.DataFrame) -> str:
    """Transfers per replication and transport time, per route and variant."""
    if routes.empty:
        return ""
    rows = []
    for route, group in routes.groupby("route", sort=True):
        by_variant = group.set_index("variant")
        cells = []
        for v in results.variants:
            if v not in by_variant.index:
                cells.append('<td class="num">–</td>')
                continue
            r = by_variant.loc[v]
            road = (f"<br><small>{escape(format_duration(round(r['transport'])))} on the road</small>"
                    if r["count"] > 0 and not math.isnan(r["transport"]) else "")
            cells.append(f'<td class="num">{estimate(plain(r["count"]), r["ci_low"], r["ci_high"], PATIENTS)}{road}</td>')
        origin, _, destination = route.partition(">")
        rows.append(f"<tr><td>{escape(results.site_name(origin))} → {escape(results.site_name(destination))}</td>{''.join(cells)}</tr>")
    head = "<th>route</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return "<h3>Transfers</h3>" + _table(head, rows, "Transfers of counted patients per replication over the measured period, "
                                         "mean [95% interval], and the mean transport time.")


def rules_table(results: Results, table: pd.DataFrame) -> str:
    """Per rule with a time in force: its share of the measured period in force and the times it
    came into force, per variant (summary.csv)."""
    rows = []
    for rule, group in table.groupby("rule", sort=True):
        by_variant = group.set_index(["variant", "stat"])
        cells = []
        for v in results.variants:
            if (v, "in_force_share") not in by_variant.index:
                cells.append('<td class="num">–</td>')
                continue
            share, times = by_variant.loc[(v, "in_force_share")], by_variant.loc[(v, "switched_on")]
            cells.append(f'<td class="num">{estimate(number(share["mean"], SHARE), share["ci_low"], share["ci_high"], SHARE)}'
                         f'<br><small>on {escape(plain(times["mean"]))} times</small></td>')
        rows.append(f"<tr><td><code>{escape(rule)}</code></td>{''.join(cells)}</tr>")
    head = "<th>rule</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return _table(head, rows, "Share of the measured period the rule was in force, mean [95% interval] across replications, and how "
                              "often it came into force then (summary.csv, `rule`).")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def page(results: Results, parts: dict[str, str]) -> str:
    """The whole page; `parts` holds the HTML of each figure section by id (absent: section left out)."""
    scenario = results.scenario
    sources = "".join(f"<li>{code_spans(str(s))}</li>" for s in scenario.sources)
    body = {
        "scenario": (f"<p>{code_spans(scenario.description.strip() or 'No description.')}</p>"
                     + (f"<h3>Sources</h3><ul>{sources}</ul>" if sources else "") + facts(results)),
        "findings": findings(results),
        **parts,
        "methods": methods(results),
    }
    shown = [(key, title) for key, title in SECTIONS if key in body]
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title in shown)
    content = "".join(f'<section id="{key}"><h2>{escape(title)}</h2>{body[key]}</section>' for key, title in shown)
    files = ", ".join(["manifest.json", "scenario.resolved.yaml", "summary.csv", "comparison.csv", "replications.csv", "occupancy.csv",
                       "flows.csv", *(["events.parquet"] if results.events_path else [])])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(scenario.name)} — coopsim report</title><link rel=\"icon\" href=\"data:,\">"
        f"<style>{STYLE}</style></head><body><main>"
        f"<header><h1>{escape(scenario.name)}</h1><p class=\"subtitle\">coopsim report: {_count(len(results.variants), 'variant')} × "
        f"{_count(results.manifest['replications'], 'replication')}"
        + (f", compared with {escape(results.baseline)}" if results.others else "") + "</p></header>"
        f"<nav>{nav}</nav>{content}"
        f"<footer>Made by coopsim {escape(__version__)} from the files of this results folder alone: "
        f"{escape(files)}. Figures are also saved as PNG under figures/.</footer>"
        "</main></body></html>\n"
    )
