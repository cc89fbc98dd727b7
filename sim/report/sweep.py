"""The report's sweep figures: each key metric against the swept value, with its 95% interval and
the scenario's target.

A results folder is a sweep for these figures when exactly one swept path (manifest.json's
`parameters`) takes several values, all numbers (or all durations, or all rates). With declared
variants besides the sweep (`VARIANT/POINT`), each declared variant is one line. Everything comes
from the files of the folder: the swept values from the manifest, the means and intervals from
summary.csv, the targets from the scenario as run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes

from sim.report.data import Results, value
from sim.report.figures import PALETTE, Figure, new_figure, render
from sim.report.wording import decimal, percent
from sim.results.keys import Line
from sim.results.numbers import DURATIONS, clip, scale_for
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.units import UnitError, parse_duration, parse_rate
from sim.scenario.walk import split_ref

WAITS = ("wait", "access_delay", "blocked_time")
"""Metrics drawn with their mean, p90 and share within target."""
WAIT_STATS = ("mean", "p90", "within_target")
SEPARATE_UP_TO = 2
"""Up to this many metrics, each has its own figure; beyond, they are small panels of one grid."""
PANELS_PER_GRID = 12
"""Panels of one grid figure; past twice this many, each of the two grids holds half of them."""
COLUMNS = 3
TARGET = "#c0392b"
DODGE = 0.04
"""Shift of each declared variant's line, as a share of the gap between swept values."""
AXIS = {"min": ("minutes", "minutes"), "h": ("hours", "heures"), "days": ("days", "jours"), "%": ("%", "%")}
"""The y axis of a shown unit (durations and shares start at 0), in English then French."""
SHORT = {"days": ("days", "j")}
"""A shown unit after a number, where French abbreviates it."""
PHRASES: dict[str, tuple[str, str]] = {
    "below": ("target < {value}", "objectif < {value}"),
    "level": ("target ≥ {value}", "objectif ≥ {value}"),
    "within": ("target ≤ {value} {unit}", "objectif ≤ {value} {unit}"),
    "caption": ("y: {what}; x: the swept value of {path} (manifest.json). The dot is the mean across {replications} replications "
                "(summary.csv), the bar its 95% interval (Student t)",
                "y : {what} ; x : la valeur balayée de {path} (manifest.json). Le point est la moyenne des {replications} réplications "
                "(summary.csv), la barre son intervalle de confiance à 95 % (loi de Student)"),
    "clipped": (", clipped to what is possible", ", ramené à ce qui est possible"),
    "target": (". The dashed line is the scenario's target (a wait's `within`, an occupancy's `below`)",
               ". La ligne en tirets est l'objectif du scénario (`within` d'une attente, `below` d'un taux d'occupation)"),
    "groups": (". One line per declared variant ({groups}), each shifted slightly sideways so that none hides another",
               ". Une courbe par variante déclarée ({groups}), chacune légèrement décalée sur le côté pour qu'aucune n'en cache une autre"),
    "units": (". Durations are in the unit their largest mean reads best in, shares in %.",
              ". Les durées sont dans l'unité où leur plus grande moyenne se lit le mieux, les parts en %."),
    "title": ("Sweep of {path}: {what}", "Balayage de {path} : {what}"),
    "key_metrics": ("key metrics{part}", "indicateurs clés{part}"),
    "part": (" ({part} of {count})", " ({part} sur {count})"),
    "each": ("each key metric, one panel each", "chaque indicateur clé, un panneau chacun"),
}
"""Titles, captions and axis words of the sweep figures, in English then French."""


def _say(key: str, lang: str, **values: object) -> str:
    return pick(PHRASES[key], lang, **values)


@dataclass(frozen=True)
class Series:
    """One line of a sweep figure: a key metric against the swept value, in the shown unit.

    `x` is sorted; `y` is the mean across replications (summary.csv), `low` and `high` its 95%
    interval clipped to what is possible (a share within 0-100 %, a duration at least 0); NaN where
    the statistic does not exist at that point. `target` is the scenario's target in the shown
    unit, None when it has none for this metric."""

    path: str
    """The swept dotted path."""
    key: tuple[str, str, str]
    """(metric, scope, stat) of summary.csv."""
    label: str
    unit: str
    """The shown unit: min, h, days, % or the unit of summary.csv."""
    group: str
    """The declared variant this line belongs to ("" when the scenario declares none)."""
    variants: tuple[str, ...]
    x: tuple[float, ...]
    ticks: tuple[str, ...]
    """The swept values as the scenario wrote them, one per x."""
    y: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    target: float | None
    clipped: bool = False
    """Whether some interval was clipped to what is possible."""


def _number(raw: Any) -> tuple[float, str] | None:
    """A swept value as a number (minutes for a duration, per minute for a rate) and its label."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return None
        return float(raw), str(int(raw)) if float(raw).is_integer() else repr(float(raw))
    for parse in (parse_duration, parse_rate):
        try:
            return parse(raw), str(raw).strip()
        except UnitError:
            continue
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(raw: Any) -> str:
    """What a swept value is: a plain number, a duration or a rate (their x scales differ)."""
    if isinstance(raw, (int, float)):
        return "number"
    try:
        parse_duration(raw)
        return "duration"
    except UnitError:
        return "rate"


def swept_paths(results: Results) -> dict[str, dict[str, tuple[float, str]]]:
    """The path a sweep figure can be drawn for, {path: {variant: (x, label)}}: the one swept path
    that takes several values, all numbers (or all durations, or all rates), every other path
    being constant across the variants; {} when the folder is not such a sweep."""
    parameters: dict[str, dict[str, Any]] = results.manifest.get("parameters") or {}
    variants = [v for v in results.variants if isinstance(parameters.get(v), dict)]
    if len(variants) < 2:
        return {}
    paths = list(dict.fromkeys(p for v in variants for p in parameters[v]))
    varying = [p for p in paths if len({repr(parameters[v].get(p)) for v in variants}) > 1]
    if len(varying) != 1:
        return {}
    path = varying[0]
    raw = {v: parameters[v].get(path) for v in variants}
    numbers = {v: _number(r) for v, r in raw.items()}
    if any(n is None for n in numbers.values()) or len({_kind(r) for r in raw.values()}) != 1:
        return {}
    xs: dict[str, tuple[float, str]] = {v: n for v, n in numbers.items() if n is not None}
    for group in dict.fromkeys(_group(v) for v in xs):  # each declared variant runs each point once
        points = [xs[v][0] for v in xs if _group(v) == group]
        if len(set(points)) != len(points):
            return {}
    return {path: xs}


def _group(variant: str) -> str:
    """The declared variant of a sweep point (`VARIANT/POINT`), "" for a sweep without declared variants."""
    return variant.split("/", 1)[0] if "/" in variant else ""


def _chosen(results: Results) -> list[Line]:
    """The key metrics a sweep figure shows: each wait, access delay and blocked time's mean, p90
    and share within target, and each occupancy mean that has a target."""
    return [line for line in results.lines
            if (line.key[0] in WAITS and line.key[2] in WAIT_STATS)
            or (line.key[:1] + line.key[2:] == ("occupancy", "mean") and _occupancy_target(results, line.key[1]) is not None)]


def _occupancy_target(results: Results, scope: str) -> float | None:
    """The `below` share of the first occupancy target (ROLE or SITE.ROLE) that concerns resource `scope`."""
    for target in results.scenario.targets:
        if isinstance(target, schema.OccupancyTarget):
            site, role = split_ref(target.occupancy)
            if (target.occupancy == scope) if site is not None else split_ref(scope)[1] == role:
                return target.below
    return None


def _wait_target(results: Results, scope: str) -> float | None:
    """The `within` of the wait target of a step (`name` or `name@site`), in minutes."""
    for target in results.scenario.targets:
        if isinstance(target, schema.WaitTarget) and target.wait == scope.partition("@")[0]:
            return target.within
    return None


def _target(results: Results, line: Line) -> float | None:
    """The target of a key metric in its stored unit: a duration for a wait's mean and p90, a
    share for an occupancy mean; None otherwise."""
    metric, scope, stat = line.key
    if metric in WAITS and stat in ("mean", "p90") and line.unit in DURATIONS:
        within = _wait_target(results, scope)
        return None if within is None else within / DURATIONS[line.unit]
    if metric == "occupancy" and stat == "mean":
        return _occupancy_target(results, scope)
    if stat == "within_target" and metric in ("wait", "access_delay"):  # the compliance level, when the target sets one
        return next((t.share for t in results.scenario.targets if isinstance(t, schema.WaitTarget) and t.wait == scope.partition("@")[0]
                     and t.share is not None), None)
    return None


def series(results: Results) -> list[Series]:
    """Every line of the sweep figures, by path, key metric and declared variant, in reading order;
    [] when the folder is not a sweep of one numeric path."""
    rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in results.summary_rows}
    found: list[Series] = []
    for path, xs in swept_paths(results).items():
        groups = list(dict.fromkeys(_group(v) for v in xs))
        for line in _chosen(results):
            means = [value(rows[(v, *line.key)]["mean"]) for v in xs if (v, *line.key) in rows]
            finite = [abs(m) for m in means if math.isfinite(m)]
            if not finite:
                continue
            scale = scale_for(line.unit, max(finite))
            stored_target = _target(results, line)
            target = None if stored_target is None else scale.value(stored_target)
            for group in groups:
                points = sorted((xs[v], v) for v in xs if _group(v) == group)
                y, low, high, clipped = [], [], [], False
                for _, v in points:
                    row = rows.get((v, *line.key))
                    mean, lo, hi = (value(row[k]) if row else math.nan for k in ("mean", "ci_low", "ci_high"))
                    lo, hi, cut = clip(lo, hi, line.unit)
                    clipped = clipped or cut
                    y.append(scale.value(mean))
                    low.append(scale.value(lo))
                    high.append(scale.value(hi))
                found.append(Series(path, line.key, line.label, scale.shown, group, tuple(v for _, v in points),
                                    tuple(x for (x, _), _ in points), tuple(t for (_, t), _ in points),
                                    tuple(y), tuple(low), tuple(high), target, clipped))
    return found


def _target_text(line: Series, lang: str) -> str:
    if line.target is None:
        return ""
    if line.unit == "%":
        return _say("level" if line.key[2] == "within_target" else "below", lang, value=percent(f"{line.target:.3g}%", lang))
    return _say("within", lang, value=decimal(f"{line.target:.3g}", lang), unit=pick(SHORT.get(line.unit, (line.unit, line.unit)), lang))


def draw_panel(ax: Axes, lines: Sequence[Series], lang: str = "en") -> None:
    """One metric against the swept value, in `lang`: a line per declared variant, the mean with its
    95% interval as error bars, and the target as a dashed horizontal line."""
    first = lines[0]
    xs = sorted({x for line in lines for x in line.x})
    step = min((b - a for a, b in zip(xs, xs[1:])), default=1.0)
    for k, line in enumerate(lines):
        tint = PALETTE[1 + k % (len(PALETTE) - 1)] if len(lines) > 1 else PALETTE[1]
        dodge = (k - (len(lines) - 1) / 2) * DODGE * step  # declared variants side by side, not on top of each other
        below = [m - lo if math.isfinite(m - lo) else 0.0 for m, lo in zip(line.y, line.low)]
        above = [hi - m if math.isfinite(hi - m) else 0.0 for m, hi in zip(line.y, line.high)]
        ax.errorbar([x + dodge for x in line.x], line.y, yerr=[below, above], fmt="o-", color=tint, markersize=4,
                    linewidth=1.4, elinewidth=1.1, capsize=3, label=line.group or None)
    if first.target is not None:
        ax.axhline(first.target, color=TARGET, linestyle="--", linewidth=1.0, label="_target")
        ax.annotate(_target_text(first, lang), (0.99, first.target), xycoords=("axes fraction", "data"), xytext=(0, 2),
                    textcoords="offset points", fontsize=7, color=TARGET, ha="right", va="bottom",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    labels = dict(zip(first.x, first.ticks)) | {x: t for line in lines for x, t in zip(line.x, line.ticks)}
    plain = all(_is_number(t) for t in labels.values())
    if len(xs) <= 12 or not plain:  # a duration or a rate reads as the scenario wrote it
        ax.set_xticks(xs, [decimal(labels[x], lang) if plain else labels[x] for x in xs], fontsize=8, rotation=45 if len(xs) > 6 else 0)
    ax.tick_params(axis="both", labelsize=8)
    ax.set_ylabel(pick(AXIS.get(first.unit, (first.unit, first.unit)), lang), fontsize=8)
    if first.unit in AXIS:
        ax.set_ylim(bottom=0)
    top = max([v for line in lines for v in (*line.y, *line.high) if math.isfinite(v)] + [first.target or 0.0])
    if first.unit == "%" and top > 90:  # a share near 100 % shows whole, its cap included
        ax.set_ylim(top=max(105.0, ax.get_ylim()[1]))
    if first.target is not None and first.target > 0.9 * ax.get_ylim()[1]:  # room for the target's label
        ax.set_ylim(top=first.target * 1.12)
    ax.set_title(first.label, fontsize=9)
    ax.grid(color="#eeeeee")


def _panels(found: list[Series]) -> dict[tuple[str, tuple[str, str, str]], list[Series]]:
    panels: dict[tuple[str, tuple[str, str, str]], list[Series]] = {}
    for line in found:
        panels.setdefault((line.path, line.key), []).append(line)
    return panels


def _caption(path: str, lines: list[Series], replications: int, what: str, lang: str) -> str:
    groups = [g for g in dict.fromkeys(line.group for line in lines) if g]
    return (_say("caption", lang, what=what, path=path, replications=replications)
            + (_say("clipped", lang) if any(line.clipped for line in lines) else "")
            + (_say("target", lang) if any(line.target is not None for line in lines) else "")
            + (_say("groups", lang, groups=", ".join(groups)) if len(groups) > 1 else "")
            + _say("units", lang))


def _legend(figure: Any, lines: list[Series]) -> None:
    if len({line.group for line in lines}) > 1:
        figure.legend(*_handles(figure), loc="outside upper right", fontsize=8, frameon=False, ncols=4)


def _handles(figure: Any) -> tuple[list[Any], list[str]]:
    handles: dict[str, Any] = {}
    for ax in figure.axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    return list(handles.values()), list(handles)


def _single(name: str, path: str, lines: list[Series], replications: int, lang: str) -> Figure:
    """One key metric's own figure."""
    figure = new_figure(6.0, 3.6)
    draw_panel(figure.subplots(), lines, lang)
    figure.axes[0].set_xlabel(path, fontsize=8)
    _legend(figure, lines)
    return Figure(name, _say("title", lang, path=path, what=lines[0].label),
                  _caption(path, lines, replications, lines[0].label, lang), render(figure, lang))


def _grid(name: str, path: str, batch: list[list[Series]], part: str, replications: int, lang: str) -> Figure:
    """Key metrics as small panels of one grid figure, three a row; `part` says which grid it is, if one of two."""
    rows = math.ceil(len(batch) / COLUMNS)
    figure = new_figure(4.2 * COLUMNS, 2.7 * rows + 0.5)
    axes = figure.subplots(rows, COLUMNS, squeeze=False)
    for ax, lines in zip(axes.flat, batch):
        draw_panel(ax, lines, lang)
        ax.set_xlabel(path, fontsize=7)
    for ax in list(axes.flat)[len(batch):]:
        ax.set_visible(False)
    flat = [line for lines in batch for line in lines]
    _legend(figure, flat)
    return Figure(name, _say("title", lang, path=path, what=_say("key_metrics", lang, part=part)),
                  _caption(path, flat, replications, _say("each", lang), lang), render(figure, lang))


def sweep_charts(results: Results) -> list[Figure]:
    """The sweep figures: one per key metric when there are at most two, else small panels in one
    grid (two past twelve metrics); named sweep_1, sweep_2 …; [] when the folder is not a sweep."""
    panels = _panels(series(results))
    replications, lang = int(results.manifest.get("replications", 0)), results.lang
    figures: list[Figure] = []
    for path in dict.fromkeys(p for p, _ in panels):
        chosen = [lines for (p, _), lines in panels.items() if p == path]
        if len(chosen) <= SEPARATE_UP_TO:
            figures += [_single(f"sweep_{len(figures) + k + 1}", path, lines, replications, lang) for k, lines in enumerate(chosen)]
            continue
        count = 1 if len(chosen) <= PANELS_PER_GRID else 2
        size = math.ceil(len(chosen) / count)
        for k in range(count):
            part = _say("part", lang, part=k + 1, count=count) if count > 1 else ""
            figures.append(_grid(f"sweep_{len(figures) + 1}", path, chosen[k * size:(k + 1) * size], part, replications, lang))
    return figures


__all__ = ["Series", "draw_panel", "series", "swept_paths", "sweep_charts"]
