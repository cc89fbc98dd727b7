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
from sim.results.headline import scenario_headlines
from sim.results.keys import Line
from sim.results.numbers import Scale, interval, plain, scale_for, signed
from sim.results.targets import Criterion, Verdict, describe, verdicts
from sim.results.words import pick, unit_word
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
td.label, th.label { text-align: left; }
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

SECTIONS = (("brief", ("In brief", "En bref")), ("scenario", ("Scenario", "Scénario")), ("findings", ("Findings", "Résultats")),
            ("agreement", ("Who gains, who pays", "Qui gagne, qui paie")),
            ("sweep", ("Sweep", "Balayage")), ("sensitivity", ("Sensitivity", "Sensibilité")),
            ("uncertainty", ("Uncertainty", "Incertitude")),
            ("differences", ("Differences", "Différences")), ("occupancy", ("Occupancy", "Occupation")),
            ("waits", ("Waiting times", "Temps d'attente")), ("flows", ("Flows between sites", "Flux entre sites")),
            ("rules", ("Rules in force", "Règles en vigueur")), ("methods", ("Methods", "Méthodes")))
"""Sections of the page in reading order: id, and title in English and French."""

PHRASES = {
    "better": ("better; the interval excludes 0", "mieux ; l'intervalle exclut 0"),
    "worse": ("worse; the interval excludes 0", "moins bien ; l'intervalle exclut 0"),
    "same": ("the interval includes 0", "l'intervalle contient 0"),
    "warning": ("Warning:", "Attention :"),
    "counts": ("{variant}: better on {better} of {n} key measures, worse on {worse}, not distinguishable from {baseline} on {same}.",
               "{variant} : mieux sur {better} des {n} mesures clés, moins bien sur {worse}, non distinguable de {baseline} sur {same}."),
    "key_metric": ("key metric", "mesure clé"),
    "target": ("target", "objectif"),
    "legend_base": ("{baseline}: the mean across replications over its 95% interval. ",
                    "{baseline} : la moyenne sur les réplications, avec son intervalle de confiance à 95 %. "),
    "legend_diff": ("Δ = variant − {baseline}, paired replication by replication, over its 95% interval; * the interval excludes 0; "
                    "green: better, red: worse. ",
                    "Δ = variante − {baseline}, apparié réplication par réplication, avec son intervalle à 95 % ; * l'intervalle exclut 0 ; "
                    "vert : mieux, rouge : moins bien. "),
    "legend_shares": ("Shares are percentages", "Les parts sont en pourcentage"),
    "legend_pp": ("; their differences are in percentage points (pp).", " ; leurs différences sont en points de pourcentage (pts)."),
    "compliance": ("Target compliance", "Respect des objectifs"),
    "compliance_legend": ("Share of counted patients (waits) or of open time (occupancy) meeting the target (the mean occupancy "
                          "for an occupancy target without a share), mean [95% interval] across replications; ✓ met: the interval lies "
                          "at or above the target's level (at or below `below` for a mean occupancy); ✗ not met: it does not.",
                          "Part des patients comptés (attentes) ou du temps d'ouverture (occupation) qui respecte l'objectif (le taux "
                          "d'occupation moyen pour un objectif d'occupation sans part), moyenne [intervalle de confiance à 95 %] sur les "
                          "réplications ; ✓ atteint : l'intervalle est au niveau de l'objectif ou au-dessus (au-dessous de `below` pour "
                          "un taux moyen) ; ✗ non atteint : il ne l'est pas."),
    "file": ("Scenario file", "Fichier du scénario"),
    "variants": ("Variants", "Variantes"),
    "replications": ("Replications", "Réplications"),
    "per_variant": ("{n} per variant", "{n} par variante"),
    "seed": ("Seed", "Graine"),
    "measured": ("Measured period", "Période mesurée"),
    "measured_text": ("{horizon} after a warm-up of {warmup}", "{horizon} après un préchauffage de {warmup}"),
    "from_to": (" — from {begin} to {end} (time 0 = {start})", " — du {begin} au {end} (instant 0 = {start})"),
    "baseline_mark": ("{variant} (baseline)", "{variant} (référence)"),
    "no_description": ("No description.", "Pas de description."),
    "sources": ("Sources", "Sources"),
    "where_went": ("Where patients went", "Où sont allés les patients"),
    "stream_head": ("stream: appeared at → left from", "flux : arrivé à → sorti de"),
    "where_legend": ("Counted patients a day, mean across replications (flows.csv), and their share of the stream's patients appearing at "
                     "that site.", "Patients comptés par jour, moyenne sur les réplications (flows.csv), et leur part des patients du flux "
                     "arrivés à ce site."),
    "transfers": ("Transfers", "Transferts"),
    "route": ("route", "trajet"),
    "on_road": ("{time} on the road", "{time} de trajet"),
    "transfers_legend": ("Transfers of counted patients per replication over the measured period, mean [95% interval], and the mean "
                         "transport time.", "Transferts de patients comptés par réplication sur la période mesurée, moyenne [intervalle à "
                         "95 %], et la durée moyenne de transport."),
    "rule": ("rule", "règle"),
    "on_times": ("on {n} times", "activée {n} fois"),
    "rules_legend": ("Share of the measured period the rule was in force, mean [95% interval] across replications, and how often it came "
                     "into force then (summary.csv, `rule`).", "Part de la période mesurée où la règle était en vigueur, moyenne "
                     "[intervalle à 95 %] sur les réplications, et nombre d'entrées en vigueur (summary.csv, `rule`)."),
    "subtitle": ("coopsim report: {variants} × {replications}", "rapport coopsim : {variants} × {replications}"),
    "compared": (", compared with {baseline}", ", comparées à {baseline}"),
    "variant_n": ("{n} variant", "{n} variante"),
    "variants_n": ("{n} variants", "{n} variantes"),
    "replication_n": ("{n} replication", "{n} réplication"),
    "replications_n": ("{n} replications", "{n} réplications"),
    "footer": ("Made by coopsim {version} from the files of this results folder alone: {files}. Figures are also saved as PNG under "
               "figures/.", "Produit par coopsim {version} à partir des seuls fichiers de ce dossier de résultats : {files}. Les figures "
               "sont aussi enregistrées en PNG dans figures/."),
    "title": ("{name} — coopsim report", "{name} — rapport coopsim"),
}
"""The page's words, in English then French."""


def _t(key: str, lang: str, **values: object) -> str:
    """A phrase of the page in `lang`."""
    return pick(PHRASES[key], lang, **values)


def number(value: float, scale: Scale, lang: str = "en") -> str:
    """A value in its shown unit: shares as percentages, never scientific notation."""
    if math.isnan(value):
        return "–"
    return plain(scale.value(value), lang) + (("\u202f%" if lang == "fr" else "%") if scale.shown == "%" else "")


def difference(value: float, scale: Scale, lang: str = "en") -> str:
    """A signed difference in the shown unit: shares in percentage points."""
    if math.isnan(value):
        return "–"
    return signed(scale.value(value), lang) + (f" {unit_word('pp', lang)}" if scale.shown == "%" else "")


def estimate(main: str, low: float, high: float, scale: Scale, difference_: bool = False, lang: str = "en") -> str:
    """A value over its 95% interval, in one table cell (the interval clipped to what is possible)."""
    return f"{escape(main)}<br><small>{escape(interval(low, high, scale, difference_, lang))}</small>"


def better_class(key: tuple[str, str, str], mean: float, low: float, high: float) -> str:
    """The CSS class of a difference cell: better or worse when its interval excludes 0."""
    if not (low > 0 or high < 0):
        return "num"
    return "num better" if better(*key, mean) else "num worse"


def code_spans(text: str) -> str:
    """Escaped text with `backquoted` words set as code, as scenario descriptions write them."""
    parts = escape(text).split("`")
    return "".join(f"<code>{part}</code>" if k % 2 else part for k, part in enumerate(parts)) if len(parts) % 2 else escape(text)


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


def _cell(line: Line, variant: str, diffs: dict[tuple[str, ...], dict[str, str]], typical: float, lang: str) -> tuple[str, int]:
    """A difference cell and its verdict: 1 better, -1 worse, 0 not distinguishable."""
    row = diffs.get((variant, *line.key))
    if row is None or row["diff_mean"] == "":
        return '<td class="num">–</td>', 0
    mean, low, high = value(row["diff_mean"]), value(row["ci_low"]), value(row["ci_high"])
    significant = low > 0 or high < 0
    verdict = (1 if better(*line.key, mean) else -1) if significant else 0
    css = {1: "num better", -1: "num worse", 0: "num"}[verdict]
    title = _t({1: "better", -1: "worse", 0: "same"}[verdict], lang)
    scale = scale_for(line.unit, typical)
    main = difference(mean, scale, lang) + ("*" if significant else "")
    return f'<td class="{css}" title="{escape(title)}">{estimate(main, low, high, scale, True, lang)}</td>', verdict


def warnings(results: Results) -> str:
    """A warning for each variant some of whose replications ended in a deadlock."""
    if not alerts.jammed(results.summary_rows):
        return ""
    table = results.replications
    counts = table[(table["metric"] == "patients") & (table["scope"] == "deadlocked") & (table["stat"] == "count")]
    found = alerts.deadlocks(zip(counts["variant"], counts["value"].astype(float)), results.variants)
    return "".join(f'<p class="warning"><b>{_t("warning", results.lang)}</b> {escape(d.sentence(results.lang))}</p>' for d in found)


PER_TABLE = 4
"""Variants per findings table: more are split into several tables (each repeating the metric,
the target and the baseline), so that every variant fits on screen and on an A4 page."""


def findings(results: Results) -> tuple[str, str]:
    """What a reader sees first (deadlock warnings and the plain-language headline of each variant),
    then the findings: the key-metric tables and target compliance."""
    lang = results.lang
    base = {(r["metric"], r["scope"], r["stat"]): r for r in results.summary_rows if r["variant"] == results.baseline}
    diffs = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in results.comparison_rows}
    goals = targets(results)
    lines = [line for line in results.lines if line.key in base]
    verdicts: dict[str, list[int]] = {v: [] for v in results.others}
    cells: dict[str, list[str]] = {v: [] for v in results.others}
    first = []
    for line in lines:
        row = base[line.key]
        goal = goals.get(line.key[:2], "") if line.key[2] in ("within_target", "mean") else ""
        scale = scale_for(line.unit, value(row["mean"]))
        first.append(f"<td>{escape(line.label)} <span class=\"unit\">({escape(unit_word(scale.shown, lang))})</span></td>"
                     f"<td class=\"num\">{escape(goal)}</td><td class=\"num\">"
                     f"{estimate(number(value(row['mean']), scale, lang), value(row['ci_low']), value(row['ci_high']), scale, lang=lang)}</td>")
        for v in results.others:
            cell, verdict = _cell(line, v, diffs, value(row["mean"]), lang)
            cells[v].append(cell)
            verdicts[v].append(verdict)
    groups = [results.others[k:k + PER_TABLE] for k in range(0, len(results.others), PER_TABLE)] or [[]]
    tables = []
    for group in groups:
        head = "".join(f'<th class="num">Δ {escape(v)}</th>' for v in group)
        body = "".join(f"<tr>{first[k]}{''.join(cells[v][k] for v in group)}</tr>" for k in range(len(lines)))
        tables.append(f'<div class="wide"><table class="findings"><thead><tr><th>{_t("key_metric", lang)}</th>'
                      f'<th class="num">{_t("target", lang)}</th><th class="num">{escape(results.baseline)}</th>{head}</tr></thead>'
                      f"<tbody>{body}</tbody></table></div>")
    said = scenario_headlines(results.summary_rows, results.comparison_rows, results.baseline, results.variants, results.scenarios, lang)
    headline = "".join(f"<li>{escape(text)}" + (f'<br><small>{escape(_counts(results, v, verdicts[v]))}</small>' if v in verdicts else "")
                       + "</li>" for v, text in said.items())
    legend = (_t("legend_base", lang, baseline=results.baseline) + (_t("legend_diff", lang, baseline=results.baseline) if results.others else "")
              + _t("legend_shares", lang) + (_t("legend_pp", lang) if results.others else "."))
    return (warnings(results) + f'<ul class="headline">{headline}</ul>',
            "".join([*tables, f'<p class="legend">{escape(legend)}</p>', compliance(results)]))


def _counts(results: Results, variant: str, marks: list[int]) -> str:
    """How many key measures a variant improves, worsens or leaves indistinguishable."""
    return _t("counts", results.lang, variant=variant, better=marks.count(1), n=len(marks), worse=marks.count(-1), same=marks.count(0),
              baseline=results.baseline)


def compliance(results: Results) -> str:
    """Each target judged per variant: its share (or mean occupancy) with the 95% interval, marked
    met or not met when the target sets a level (several tables past PER_TABLE + 1 variants)."""
    lang = results.lang
    judged = verdicts(results.summary_rows, results.scenarios)
    if not judged:
        return ""
    by_criterion: dict[Criterion, dict[str, Verdict]] = {}
    for verdict in judged:
        by_criterion.setdefault(verdict.criterion, {})[verdict.variant] = verdict
    tables = []
    for k in range(0, len(results.variants), PER_TABLE + 1):
        group = results.variants[k:k + PER_TABLE + 1]
        body = []
        for criterion, found in by_criterion.items():
            cells = []
            for v in group:
                verdict = found.get(v)
                if verdict is None:
                    cells.append('<td class="num">–</td>')
                    continue
                mark = {True: " ✓", False: " ✗", None: ""}[verdict.met]
                css = {True: "num better", False: "num worse", None: "num"}[verdict.met]
                shown = estimate(number(verdict.mean, SHARE, lang) + mark, verdict.low, verdict.high, SHARE, lang=lang)
                cells.append(f'<td class="{css}">{shown}</td>')
            body.append(f"<tr><td>{escape(describe(criterion, results.names))}</td>{''.join(cells)}</tr>")
        head = "".join(f'<th class="num">{escape(v)}</th>' for v in group)
        tables.append(f'<div class="wide"><table class="targets"><thead><tr><th>{_t("target", lang)}</th>{head}</tr></thead>'
                      f'<tbody>{"".join(body)}</tbody></table></div>')
    return f"<h3>{_t('compliance', lang)}</h3>" + "".join(tables) + f'<p class="legend">{escape(_t("compliance_legend", lang))}</p>'


def facts(results: Results) -> str:
    """The run at a glance: what, how long, how often, with what."""
    lang = results.lang
    manifest = results.manifest
    measured = _t("measured_text", lang, horizon=format_duration(results.horizon), warmup=format_duration(results.warmup))
    if results.start is not None:
        begin = results.start + dt.timedelta(minutes=results.warmup)
        end = begin + dt.timedelta(minutes=results.horizon)
        measured += _t("from_to", lang, begin=f"{begin:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}", start=f"{results.start:%Y-%m-%d}")
    variants = ", ".join(_t("baseline_mark", lang, variant=v) if v == results.baseline else v for v in results.variants)
    rows = [
        (_t("file", lang), f"{manifest['scenario']['file']} (SHA-256 {manifest['scenario']['sha256'][:16]}…)"),
        (_t("variants", lang), variants),
        (_t("replications", lang), _t("per_variant", lang, n=manifest["replications"])),
        (_t("seed", lang), str(manifest["seed"])),
        (_t("measured", lang), measured),
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
    lang = results.lang
    if moved.empty:
        return ""
    rows = []
    for (stream, origin, site), group in moved.groupby(["stream", "origin", "site"], sort=True):
        by_variant = group.set_index("variant")
        cells = "".join(
            f'<td class="num">{escape(plain(by_variant.loc[v, "per_day"], lang))} ({escape(number(by_variant.loc[v, "share"], SHARE, lang))})</td>'
            if v in by_variant.index else '<td class="num">–</td>' for v in results.variants)
        rows.append(f"<tr><td>{escape(results.names.stream(stream))}: {escape(results.site_name(origin))} → "
                    f"{escape(results.site_name(site))}</td>{cells}</tr>")
    head = f"<th>{_t('stream_head', lang)}</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return f"<h3>{_t('where_went', lang)}</h3>" + _table(head, rows, _t("where_legend", lang))


def transfers_table(results: Results, routes: pd.DataFrame) -> str:
    """Transfers per replication and transport time, per route and variant."""
    lang = results.lang
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
            road = (f"<br><small>{escape(_t('on_road', lang, time=format_duration(round(r['transport']))))}</small>"
                    if r["count"] > 0 and not math.isnan(r["transport"]) else "")
            cells.append(f'<td class="num">{estimate(plain(r["count"], lang), r["ci_low"], r["ci_high"], PATIENTS, lang=lang)}{road}</td>')
        origin, _, destination = route.partition(">")
        rows.append(f"<tr><td>{escape(results.site_name(origin))} → {escape(results.site_name(destination))}</td>{''.join(cells)}</tr>")
    head = f"<th>{_t('route', lang)}</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return f"<h3>{_t('transfers', lang)}</h3>" + _table(head, rows, _t("transfers_legend", lang))


def rules_table(results: Results, table: pd.DataFrame) -> str:
    """Per rule with a time in force: its share of the measured period in force and the times it
    came into force, per variant (summary.csv)."""
    lang = results.lang
    rows = []
    for rule, group in table.groupby("rule", sort=True):
        by_variant = group.set_index(["variant", "stat"])
        cells = []
        for v in results.variants:
            if (v, "in_force_share") not in by_variant.index:
                cells.append('<td class="num">–</td>')
                continue
            share, times = by_variant.loc[(v, "in_force_share")], by_variant.loc[(v, "switched_on")]
            cells.append(f'<td class="num">{estimate(number(share["mean"], SHARE, lang), share["ci_low"], share["ci_high"], SHARE, lang=lang)}'
                         f'<br><small>{escape(_t("on_times", lang, n=plain(times["mean"], lang)))}</small></td>')
        rows.append(f"<tr><td><code>{escape(rule)}</code></td>{''.join(cells)}</tr>")
    head = f"<th>{_t('rule', lang)}</th>" + "".join(f'<th class="num">{escape(v)}</th>' for v in results.variants)
    return _table(head, rows, _t("rules_legend", lang))


def _count(n: int, one: str, many: str, lang: str) -> str:
    return _t(one if n == 1 else many, lang, n=n)


def page(results: Results, parts: dict[str, str]) -> str:
    """The whole page; `parts` holds the HTML of each figure section by id (absent: section left out)."""
    lang = results.lang
    scenario = results.scenario
    sources = "".join(f"<li>{code_spans(str(s))}</li>" for s in scenario.sources)
    brief, found = findings(results)
    body = {
        "brief": brief,
        "scenario": (f"<p>{code_spans(scenario.description.strip() or _t('no_description', lang))}</p>"
                     + (f"<h3>{_t('sources', lang)}</h3><ul>{sources}</ul>" if sources else "") + facts(results)),
        "findings": found,
        **parts,
        "methods": methods(results),
    }
    shown = [(key, pick(title, lang)) for key, title in SECTIONS if key in body]
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title in shown)
    content = "".join(f'<section id="{key}"><h2>{escape(title)}</h2>{body[key]}</section>' for key, title in shown)
    files = ", ".join(["manifest.json", "scenario.resolved.yaml", "summary.csv", "comparison.csv", "replications.csv", "occupancy.csv",
                       "flows.csv", *(["events.parquet"] if results.events_path else [])])
    subtitle = _t("subtitle", lang, variants=_count(len(results.variants), "variant_n", "variants_n", lang),
                  replications=_count(results.manifest["replications"], "replication_n", "replications_n", lang))
    return (
        f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(_t('title', lang, name=scenario.name))}</title><link rel=\"icon\" href=\"data:,\">"
        f"<style>{STYLE}</style></head><body><main>"
        f"<header><h1>{escape(scenario.name)}</h1><p class=\"subtitle\">{escape(subtitle)}"
        + (escape(_t("compared", lang, baseline=results.baseline)) if results.others else "") + "</p></header>"
        f"<nav>{nav}</nav>{content}"
        f"<footer>{escape(_t('footer', lang, version=__version__, files=files))}</footer>"
        "</main></body></html>\n"
    )
