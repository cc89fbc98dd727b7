"""The S-curves of an uncertainty run (`coopsim run --uncertainty N`): for each key mean, the
cumulative share of the parameter draws at or below each value, the baseline marked, and how much
of the spread the uncertain inputs make against run-to-run noise (sim.experiment.uncertainty)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.experiment.uncertainty import Spread, spread
from sim.report.data import Results, load, value
from sim.report.figures import Figure, new_figure, render
from sim.report.terminal import LABEL_WIDTH, width
from sim.results.numbers import plain, scale_for
from sim.results.words import pick, unit_word

WAITS = ("wait", "blocked_time", "access_delay", "time_to_handover")
MAX_PANELS = 6
CURVE, BASE_LINE = "#08519c", "#a6291c"

PHRASES = {
    "title": ("Key results across the uncertain inputs (S-curves)", "Résultats clés selon les données incertaines (courbes en S)"),
    "caption": ("Each curve: the share of the {draws} Latin-hypercube draws of the uncertain inputs whose mean (over {replications} "
                "replications) is at or below each value; the red line is {baseline}, every input as written. In each panel, the "
                "inputs' share of a replication's variance, the rest being run-to-run noise.",
                "Chaque courbe : la part des {draws} tirages en hypercube latin des données incertaines dont la moyenne (sur "
                "{replications} réplications) est inférieure ou égale à chaque valeur ; la ligne rouge est {baseline}, chaque donnée "
                "telle qu'écrite. Dans chaque panneau, la part de la variance d'une réplication due aux données, le reste étant le "
                "bruit d'une réplication à l'autre."),
    "share": ("inputs {share} % of the variance", "données : {share} % de la variance"),
    "axis": ("share of draws", "part des tirages"),
}


def spreads(results: Results) -> dict[tuple[str, str, str], Spread]:
    """By key mean, its values over the draws and replications, split (empty when not an uncertainty run)."""
    spec = results.manifest.get("uncertainty")
    if not isinstance(spec, dict):
        return {}
    draws = [v for v in results.variants if v != results.baseline]
    table = results.replications
    keys = [line.key for line in results.lines if line.key[2] == "mean" and line.key[0] in WAITS]
    keys += [line.key for line in results.lines if line.key[:1] + line.key[2:] == ("occupancy", "mean")]
    found = {}
    for key in keys[:MAX_PANELS]:
        rows = table[(table["metric"] == key[0]) & (table["scope"] == key[1]) & (table["stat"] == key[2])]
        by_draw = [rows[rows["variant"] == d].sort_values("replication")["value"].astype(float).tolist() for d in draws]
        if all(by_draw) and len({len(x) for x in by_draw}) == 1:
            found[key] = spread(by_draw)
    return found


def scurves(results: Results) -> Figure | None:
    """The S-curve of each key mean; None when the folder is not an uncertainty run."""
    found = spreads(results)
    if not found:
        return None
    lang = results.lang
    labels = {line.key: line for line in results.lines}
    base = {(r["metric"], r["scope"], r["stat"]): float(r["mean"]) for r in results.summary_rows
            if r["variant"] == results.baseline and r["mean"] != ""}
    columns = min(3, len(found))
    rows_ = -(-len(found) // columns)
    figure = new_figure(4.4 * columns, 3.2 * rows_)
    axes = figure.subplots(rows_, columns, squeeze=False)
    for ax, (key, part) in zip(axes.flat, found.items()):
        scale = scale_for(labels[key].unit, base.get(key, float(np.nanmean(part.means))))
        x = np.sort(scale.value(part.means))
        ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", color=CURVE, linewidth=1.8)
        if key in base:
            ax.axvline(scale.value(base[key]), color=BASE_LINE, linestyle="--", linewidth=1.0)
        ax.set_title(textwrap.fill(labels[key].label, 44), fontsize=9)
        ax.set_xlabel(unit_word(scale.shown, lang), fontsize=8)
        ax.set_ylabel(pick(PHRASES["axis"], lang), fontsize=8)
        ax.set_ylim(0, 1.02)
        ax.tick_params(labelsize=8)
        ax.grid(color="#e5e5e5")
        share = part.parameter_share
        if np.isfinite(share):
            ax.text(0.02, 0.95, pick(PHRASES["share"], lang, share=plain(100 * share, lang)), transform=ax.transAxes, fontsize=8, va="top")
    for ax in list(axes.flat)[len(found):]:
        ax.set_visible(False)
    caption = pick(PHRASES["caption"], lang, draws=results.manifest["uncertainty"]["draws"], replications=results.manifest["replications"],
                   baseline=results.baseline)
    return Figure("scurves", pick(PHRASES["title"], lang), caption, render(figure, lang))


def print_spreads(folder: Path, console: Console | None = None) -> None:
    """Print each key mean across the draws of an uncertainty run: the baseline, the 5th, 50th and
    95th percentiles of the draws, and the inputs' share of a replication's variance."""
    results = load(folder)
    found = spreads(results)
    if not found:
        return
    base = {(r["metric"], r["scope"], r["stat"]): value(r["mean"]) for r in results.summary_rows if r["variant"] == results.baseline}
    labels = {line.key: line for line in results.lines}
    table = Table(title=f"across {results.manifest['uncertainty']['draws']} draws of the uncertain inputs (Latin hypercube), "
                        f"{results.manifest['replications']} replications each", title_justify="left")
    for column in ("key mean", results.baseline, "draws p5", "p50", "p95", "inputs' share of the variance"):
        table.add_column(escape(column), justify="left" if column == "key mean" else "right", max_width=LABEL_WIDTH)
    for key, part in found.items():
        scale = scale_for(labels[key].unit, base.get(key, math.nan))
        p5, p50, p95 = (plain(scale.value(float(x))) for x in np.percentile(part.means, [5, 50, 95]))
        table.add_row(escape(f"{labels[key].label} ({scale.shown})"), plain(scale.value(base.get(key, math.nan))), p5, p50, p95,
                      f"{part.parameter_share:.0%}" if math.isfinite(part.parameter_share) else "–")
    console = console or Console(width=width())
    console.print(table)
