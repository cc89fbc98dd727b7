"""The report's figures (matplotlib, no pyplot: each figure is its own object, drawn by Agg).

Each figure is returned as PNG bytes with a title and a caption; the page embeds them and the
same bytes are saved under figures/ for slides.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter, NullLocator, ScalarFormatter

from sim.report.data import Results, value
from sim.report.terminal import better
from sim.report.wording import duration, tick
from sim.results.words import pick
from sim.scenario import schema

DPI = 150
BETTER, WORSE, NEUTRAL = "#1a7f37", "#c0392b", "#7a7a7a"
PALETTE = ("#2f2f2f", "#1f77b4", "#e67e22", "#8e44ad", "#16a085", "#c0392b", "#7f8c8d", "#b8860b")
"""Variant colours, the baseline first (dark grey)."""
MAX_PANELS = 6
"""Panels drawn one below the other at most (variants of an occupancy figure, routes of transfers over time);
the caption says when some are left out."""
UNITS = {"min": ("minutes", "minutes"), "d": ("days", "jours"), "patients": ("patients", "patients"), "units": ("units", "unités"),
         "points": ("percentage points", "points de pourcentage")}
"""Axis words of the stored units, in English then French."""
IN_USE = {"beds": ("beds in use", "lits occupés"), "units": ("units in use", "unités occupées")}
PHRASES: dict[str, tuple[str, str]] = {
    "date": ("date", "date"),
    "days_after": ("days after the end of the warm-up", "jours après la fin du préchauffage"),
    "forest.title": ("Differences from the baseline", "Écarts par rapport à la référence"),
    "forest.caption": (
        "Each variant minus {baseline}, paired replication by replication: the dot is the mean difference, "
        "the bar its 95% interval. Green: better and the interval excludes 0; red: worse and the interval excludes 0; "
        "grey (hollow dot): not distinguishable from 0 with these replications. Shares are in percentage points. "
        "Key metrics that no variant changes in any replication are left out.",
        "Chaque variante moins {baseline}, réplication par réplication (différences appariées) : le point est l'écart moyen, "
        "la barre son intervalle de confiance à 95 %. Vert : meilleur et l'intervalle exclut 0 ; rouge : moins bon et l'intervalle "
        "exclut 0 ; gris (point creux) : pas distinguable de 0 avec ces réplications. Les parts sont en points de pourcentage. "
        "Les indicateurs clés qu'aucune variante ne modifie dans aucune réplication sont omis."),
    "band": ("5th–95th percentile of replications", "5e–95e centile des réplications"),
    "mean": ("mean across replications", "moyenne des réplications"),
    "capacity": ("capacity in force", "capacité en vigueur"),
    "blocked": ("blocked (care over, waiting for the next unit)", "attente d'aval (soins terminés, en attente de l'unité suivante)"),
    "average_day": ("average day", "journée type"),
    "hour_of_day": ("hour of day", "heure de la journée"),
    "occupancy.title": ("Occupancy: {resource}", "Occupation : {resource}"),
    "occupancy.caption": (
        "{in_use} over the measured period, {how}: the line is the mean across replications, the band the 5th–95th percentile "
        "across replications (occupancy percentiles × capacity in force), the dashed line the capacity in force (occupancy.csv).",
        "{in_use} sur la période mesurée, {how} : la courbe est la moyenne des réplications, la bande le 5e–95e centile entre "
        "réplications (centiles du taux d'occupation × capacité en vigueur), la ligne en tirets la capacité en vigueur (occupancy.csv)."),
    "hourly": ("hour by hour", "heure par heure"),
    "daily": ("daily means of the hourly values", "moyennes journalières des valeurs horaires"),
    "occupancy.blocked": (
        " Hatched: the mean units held by blocked patients, whose care there is over and who wait for the unit of "
        "their next step (blocked_mean); the rest of the line is care.",
        " Hachuré : le nombre moyen d'unités occupées par des patients en attente d'aval, dont les soins y sont terminés et qui "
        "attendent l'unité de leur étape suivante (blocked_mean) ; le reste de la courbe correspond aux soins."),
    "occupancy.daily": (
        " Right: the average day by hour of day; its band is the 5th–95th percentile of that hour's mean across days.",
        " À droite : la journée type, heure par heure ; sa bande est le 5e–95e centile de la moyenne de cette heure d'un jour à l'autre."),
    "occupancy.more": (" Only the first {n} variants are drawn.", " Seules les {n} premières variantes sont tracées."),
    "target": ("target {within}", "objectif {within}"),
    "time_waited": ("time waited (log scale beyond {limit})", "temps d'attente (échelle log. au-delà de {limit})"),
    "still_waiting": ("% of patients still waiting", "% des patients encore en attente"),
    "days": ("days", "jours"),
    "hours": ("hours", "heures"),
    "minutes": ("minutes", "minutes"),
    "panel.access_delay": ("{step} (access delay)", "{step} (délai d'accès)"),
    "panel.wait": ("{step} (wait)", "{step} (attente)"),
    "waits.events": (
        "From the event log (events.parquet): the share of counted patients still waiting after each time, all "
        "replications pooled, one line per variant. A wait runs from entering the step to being served (at "
        "whatever site) or leaving unseen; a patient served at once waits 0. The dotted line marks the target.",
        "D'après le journal des événements (events.parquet) : la part des patients comptés encore en attente après chaque durée, "
        "toutes réplications confondues, une courbe par variante. Une attente court de l'entrée dans l'étape à la prise en charge "
        "(quel que soit le site) ou au départ sans être vu ; un patient pris en charge aussitôt attend 0. La ligne pointillée "
        "marque l'objectif."),
    "waits.replications": (
        "From replications.csv: the median (p50), 90th and 95th percentiles and the longest {what} of each replication, "
        "one dot per replication; the bar is their mean",
        "D'après replications.csv : la médiane (p50), les 90e et 95e centiles et {what} de chaque réplication, "
        "un point par réplication ; la barre est leur moyenne"),
    "longest.access_delay": ("access delay", "le plus long délai d'accès"),
    "longest.wait": ("wait", "la plus longue attente"),
    "waits.run_events": (" (run with --events for full distributions).", " (lancer avec --events pour les distributions complètes)."),
    "waits.zero": ("Waits that are 0 for every patient of every variant are left out.",
                   "Les attentes nulles pour tous les patients de toutes les variantes sont omises."),
    "waits.title": ("Waiting times", "Temps d'attente"),
}
"""Titles, captions and axis words of the figures, in English then French."""


def say(key: str, lang: str, **values: object) -> str:
    """A phrase of the figures in `lang`."""
    return pick(PHRASES[key], lang, **values)


@dataclass(frozen=True)
class Figure:
    """A rendered figure: `name` is its file stem under figures/."""

    name: str
    title: str
    caption: str
    png: bytes


def new_figure(width: float, height: float) -> MplFigure:
    """A white figure, laid out by matplotlib."""
    figure = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    return figure


def decimal_commas(figure: MplFigure) -> None:
    """Every plain numeric axis of `figure` labelled with decimal commas (dates and fixed labels stay)."""
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FuncFormatter(tick))


def render(figure: MplFigure, lang: str = "en") -> bytes:
    """The figure as PNG bytes, its numeric tick labels with decimal commas in French."""
    if lang == "fr":
        decimal_commas(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def colour(results: Results, variant: str) -> str | tuple[float, ...]:
    """A variant's colour, the same in every figure (from a larger palette past eight variants)."""
    index = results.variants.index(variant)
    return PALETTE[index] if len(results.variants) <= len(PALETTE) else colormaps["tab20"](index % 20)


def scale(unit: str) -> float:
    """Shares are drawn as percentages (points for differences)."""
    return 100.0 if unit == "share" else 1.0


def time_axis(results: Results, hours: np.ndarray) -> tuple[np.ndarray, str]:
    """x values for hours after the warm-up: dates when the scenario has a start, else days."""
    if results.start is not None:
        stamps = pd.Timestamp(results.start) + pd.to_timedelta(results.warmup + hours * 60.0, unit="min")
        return stamps.to_numpy(), say("date", results.lang)
    return hours / 24.0, say("days_after", results.lang)


def _changed(rows: list[dict[str, str]]) -> bool:
    """Whether some variant's difference (or its interval) is not exactly 0."""
    return any(row[k] != "" and float(row[k]) != 0 for row in rows for k in ("diff_mean", "ci_low", "ci_high"))


def forest(results: Results) -> Figure | None:
    """The paired differences of every key metric, one small panel each, with 95% intervals."""
    variants, lang = results.others, results.lang
    rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in results.comparison_rows if r["diff_mean"] != ""}
    lines = [line for line in results.lines if _changed([rows[(v, *line.key)] for v in variants if (v, *line.key) in rows])]
    if not lines:
        return None
    columns = min(3, len(lines))
    grid = math.ceil(len(lines) / columns)
    figure = new_figure(4.2 * columns, grid * (0.42 * len(variants) + 1.05))
    axes = figure.subplots(grid, columns, squeeze=False)
    for ax, line in zip(axes.flat, lines):
        factor = scale(line.unit)
        for y, v in enumerate(variants):
            row = rows.get((v, *line.key))
            if row is None:
                continue
            mean, low, high = (value(row[k]) * factor for k in ("diff_mean", "ci_low", "ci_high"))
            significant = low > 0 or high < 0
            tint = (BETTER if better(*line.key, mean) else WORSE) if significant else NEUTRAL
            ax.plot([low, high], [y, y], color=tint, linewidth=2.2, solid_capstyle="butt")
            ax.plot([mean], [y], "o", color=tint, markersize=6, markerfacecolor=tint if significant else "white")
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(range(len(variants)), variants if ax in axes[:, 0] else [""] * len(variants), fontsize=8)
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.set_title(textwrap.fill(line.label, 40), fontsize=9)
        unit = "points" if line.unit == "share" else line.unit
        ax.set_xlabel(f"Δ {pick(UNITS.get(unit, (unit, unit)), lang)}", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", color="#e5e5e5")
    for ax in list(axes.flat)[len(lines):]:
        ax.set_visible(False)
    caption = say("forest.caption", lang, baseline=results.baseline)
    return Figure("differences", say("forest.title", lang), caption, render(figure, lang))


HOURLY_UP_TO = 14 * 1440
"""Measured periods up to this long (minutes) are drawn hour by hour; longer ones day by day."""


def _blocked(data: pd.DataFrame) -> bool:
    """Whether some step keeps units of this resource in this variant (occupancy.csv has them)."""
    return "blocked_mean" in data.columns and bool(data["blocked_mean"].notna().any())


def _profile(data: pd.DataFrame, results: Results) -> pd.DataFrame:
    """The average day: mean busy units and capacity by hour of day, with the 5th-95th
    percentile of the hourly means across days (and the mean blocked units, if any)."""
    clock = ((results.warmup / 60.0 + data["hour"]) % 24).astype(int)
    grouped = data.assign(clock=clock).groupby("clock")
    profile = pd.DataFrame({"mean": grouped["busy_mean"].mean(), "low": grouped["busy_mean"].quantile(0.05),
                            "high": grouped["busy_mean"].quantile(0.95), "capacity": grouped["capacity_mean"].mean()})
    return profile.assign(blocked=grouped["blocked_mean"].mean()) if _blocked(data) else profile


def _series(data: pd.DataFrame, hourly: bool) -> pd.DataFrame:
    """Busy, capacity, blocked (if any) and the replication band in units, by hour or by day (daily means)."""
    series = pd.DataFrame({"hour": data["hour"], "busy": data["busy_mean"], "capacity": data["capacity_mean"],
                           "low": data["occupancy_p5"] * data["capacity_mean"], "high": data["occupancy_p95"] * data["capacity_mean"]})
    if _blocked(data):
        series = series.assign(blocked=data["blocked_mean"])
    if not hourly:
        series = series.groupby(series["hour"] // 24).mean()
        series = series.assign(hour=series.index.to_numpy() * 24.0)
    last = series.iloc[[-1]].assign(hour=series["hour"].iloc[-1] + (1 if hourly else 24))
    return pd.concat([series, last], ignore_index=True)  # the end of the last period, so that steps draw it


def occupancy(results: Results, scope: str) -> Figure | None:
    """Busy units of one resource over the measured period, per variant, with the capacity in
    force; on the right the average day when the period covers several days."""
    table = results.occupancy[results.occupancy["resource"] == scope]
    variants = [v for v in results.variants if v in set(table["variant"])][:MAX_PANELS]
    if not variants:
        return None
    lang, hourly, daily = results.lang, results.horizon <= HOURLY_UP_TO, results.horizon >= 2 * 1440
    figure = new_figure(12, 0.6 + 1.9 * len(variants))
    axes = figure.subplots(len(variants), 2 if daily else 1, squeeze=False, sharex="col", sharey=True,
                           gridspec_kw={"width_ratios": [4, 1]} if daily else None)
    unit = "beds" if "bed" in scope.split(".")[-1] else "units"
    blocking, top = False, 0.0
    for row, v in zip(axes, variants):
        data = table[table["variant"] == v].sort_values("hour")
        series = _series(data, hourly)
        x, label = time_axis(results, series["hour"].to_numpy(dtype=float))
        tint, ax = colour(results, v), row[0]
        ax.fill_between(x, series["low"], series["high"], step="post", color=tint, alpha=0.25, linewidth=0,
                        label=say("band", lang))
        ax.step(x, series["busy"], where="post", color=tint, linewidth=1.1, label=say("mean", lang))
        ax.step(x, series["capacity"], where="post", color="black", linestyle="--", linewidth=0.9, label=say("capacity", lang))
        if "blocked" in series:
            blocking = True
            ax.fill_between(x, 0, series["blocked"], step="post", facecolor="none", edgecolor="#555555", hatch="////",
                            linewidth=0, label=say("blocked", lang))
        ax.set_ylabel(f"{v}\n{pick(IN_USE[unit], lang)}", fontsize=9)
        ax.grid(color="#eeeeee")
        ax.margins(x=0)
        top = max(top, float(np.nanmax(series[["busy", "capacity", "high"]].to_numpy(dtype=float), initial=0.0)))
        if daily:
            profile = _profile(data, results)
            row[1].fill_between(profile.index, profile["low"], profile["high"], color=tint, alpha=0.25, linewidth=0)
            row[1].plot(profile.index, profile["mean"], color=tint, linewidth=1.4)
            row[1].step(profile.index, profile["capacity"], where="post", color="black", linestyle="--", linewidth=0.9)
            if "blocked" in profile:
                row[1].fill_between(profile.index, 0, profile["blocked"], facecolor="none", edgecolor="#555555", hatch="////", linewidth=0)
            row[1].set_xticks([0, 6, 12, 18, 23])
            row[1].set_xlim(0, 23)
            row[1].grid(color="#eeeeee")
    axes[0][0].set_ylim(0, 1.05 * top or 1.0)  # shared: every variant's largest capacity shows whole
    handles: dict[str, Any] = {}
    for ax in axes[:, 0]:  # each label once, drawn as in the first panel that has it
        for handle, name in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    figure.legend(handles=list(handles.values()), loc="outside upper right", fontsize=8, ncols=4 if blocking else 3, frameon=False)
    axes[-1][0].set_xlabel(label)
    if daily:
        axes[0][1].set_title(say("average_day", lang), fontsize=9)
        axes[-1][1].set_xlabel(say("hour_of_day", lang))
    figure.suptitle(results.resource_label(scope), fontsize=11, x=0.02, ha="left")
    caption = (say("occupancy.caption", lang, in_use=pick(IN_USE[unit], lang).capitalize(), how=say("hourly" if hourly else "daily", lang))
               + (say("occupancy.blocked", lang) if blocking else "") + (say("occupancy.daily", lang) if daily else "")
               + (say("occupancy.more", lang, n=MAX_PANELS) if len(set(table["variant"])) > MAX_PANELS else ""))
    return Figure(f"occupancy_{scope}", say("occupancy.title", lang, resource=results.resource_label(scope)), caption, render(figure, lang))


def _target(results: Results, step: str) -> float | None:
    """The wait target of a step, in minutes."""
    for target in results.scenario.targets:
        if isinstance(target, schema.WaitTarget) and target.wait == step:
            return target.within
    return None


WAIT_TICKS = (0, 5, 15, 60, 240, 1440, 10080, 40320)
"""Ticks of the waiting-time axis, in minutes: 0, 5min, 15min, 1h, 4h, 1d, 1w, 4w."""
LINEAR_UP_TO = 5.0
"""The waiting-time axis is linear up to 5 minutes, logarithmic beyond, so that short and very
long waits both read."""


def _event_waits(results: Results, waits: pd.DataFrame, step: str) -> dict[str, np.ndarray]:
    """Each variant's waits at a step (`name@site`: served at that site), sorted."""
    name, _, site = step.partition("@")
    chosen = waits[(waits["step"] == name) & ((waits["site"] == site) if site else True)]
    return {v: np.sort(chosen.loc[chosen["variant"] == v, "wait"].to_numpy()) for v in results.variants}


def _survival(ax: Axes, results: Results, values: dict[str, np.ndarray], step: str) -> None:
    """Share of patients still waiting after t, one line per variant, on a linear-then-log axis."""
    top = max([w[-1] for w in values.values() if w.size] + [60.0])
    grid = np.concatenate([np.linspace(0.0, LINEAR_UP_TO, 30), np.geomspace(LINEAR_UP_TO, top, 400)])
    for v, w in values.items():
        if w.size:
            ax.plot(grid, 100.0 * (1 - np.searchsorted(w, grid, side="right") / w.size), color=colour(results, v), label=v, linewidth=1.5)
    lang, target = results.lang, _target(results, step.partition("@")[0])
    if target is not None:
        ax.axvline(target, color="#333333", linestyle=":", linewidth=1)
        ax.annotate(say("target", lang, within=duration(target, lang)), (target, 97), xytext=(3, 0), textcoords="offset points",
                    fontsize=8, ha="left", va="top")
    ax.set_xscale("symlog", linthresh=LINEAR_UP_TO, linscale=0.5)
    ticks = [t for t in WAIT_TICKS if t <= top * 1.05]
    ax.set_xticks(ticks, [duration(t, lang) if t else "0" for t in ticks], fontsize=8)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(0, top)
    ax.set_xlabel(say("time_waited", lang, limit=duration(LINEAR_UP_TO, lang)))
    ax.set_ylabel(say("still_waiting", lang))
    ax.set_ylim(0, 100)


PERCENTILES = ["p50", "p90", "p95", "max"]


def _percentiles(ax: Axes, results: Results, chosen: pd.DataFrame, metric: str) -> None:
    """Per-replication p50, p90, p95 and max of one wait, variants side by side."""
    width = 0.8 / len(results.variants)
    top = chosen["value"].max()
    if metric == "access_delay":
        divisor, unit = 1.0, "days"
    else:
        divisor, unit = (1440.0, "days") if top > 2880 else (60.0, "hours") if top > 300 else (1.0, "minutes")
    for k, v in enumerate(results.variants):
        for s, stat in enumerate(PERCENTILES):
            values = chosen.loc[(chosen["variant"] == v) & (chosen["stat"] == stat), "value"].dropna().to_numpy() / divisor
            x = s - 0.4 + width * (k + 0.5)
            ax.scatter(np.full(values.size, x), values, s=10, color=colour(results, v), alpha=0.6, label=v if s == 0 else None)
            if values.size:
                ax.plot([x - width * 0.4, x + width * 0.4], [values.mean()] * 2, color=colour(results, v), linewidth=2)
    ax.set_xticks(range(len(PERCENTILES)), PERCENTILES)
    ax.set_ylabel(say(unit, results.lang))


def waits(results: Results, event_waits: pd.DataFrame | None) -> Figure | None:
    """Waiting-time distributions per variant: from the event log when there is one, else from
    the per-replication percentiles. Waits that are 0 for everyone are left out."""
    reps, lang = results.replications, results.lang
    panels = []
    for metric, step in dict.fromkeys((line.key[0], line.key[1]) for line in results.lines if line.key[0] in ("wait", "access_delay")):
        if event_waits is not None and metric == "wait":
            data = _event_waits(results, event_waits, step)
            if any(w.size and w[-1] > 0 for w in data.values()):
                panels.append((metric, step, data))
        else:
            data = reps[(reps["metric"] == metric) & (reps["scope"] == step) & reps["stat"].isin(PERCENTILES)]
            if (data["value"] > 0).any():
                panels.append((metric, step, data))
    if not panels:
        return None
    columns = min(3, len(panels))
    grid = math.ceil(len(panels) / columns)
    figure = new_figure(4.2 * columns, 3.0 * grid + 0.4)
    axes = figure.subplots(grid, columns, squeeze=False)
    for ax, (metric, step, data) in zip(axes.flat, panels):
        if isinstance(data, dict):
            _survival(ax, results, data, step)
        else:
            _percentiles(ax, results, data, metric)
        ax.set_title(say(f"panel.{metric}", lang, step=step), fontsize=10)
        ax.grid(color="#eeeeee")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    percentiles = [metric for metric, _, data in panels if not isinstance(data, dict)]
    longest = say("longest.access_delay" if event_waits is not None else "longest.wait", lang)
    from_replications = say("waits.replications", lang, what=longest) + (say("waits.run_events", lang) if event_waits is None else ".")
    caption = " ".join([say("waits.events", lang)] * (len(percentiles) < len(panels)) + [from_replications] * bool(percentiles)
                       + [say("waits.zero", lang)])
    axes.flat[0].legend(fontsize=8)
    return Figure("waits", say("waits.title", lang), caption, render(figure, lang))
