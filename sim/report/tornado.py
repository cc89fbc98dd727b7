"""The tornado chart of a sensitivity run (`coopsim sensitivity`): for each key mean, one bar per
uncertain input from its paired difference at the input's low end to that at its high end, widest
first, with their 95% intervals and the replications behind each bar."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from matplotlib.patches import Patch

from sim.report.data import Results, value
from sim.report.figures import Figure, new_figure, render
from sim.results.numbers import scale_for
from sim.results.words import pick, unit_word

WAITS = ("wait", "blocked_time", "access_delay", "time_to_handover")
MAX_PANELS = 6
"""Key means drawn: waits first, then occupancies."""
LOW, HIGH = "#9ecae1", "#08519c"
"""Colours of an input's low and high end."""

PHRASES = {
    "title": ("Sensitivity to the uncertain inputs (one at a time)", "Sensibilité aux données incertaines (une à la fois)"),
    "caption": ("For each key mean, each uncertain input's bar runs from the paired difference against {baseline} with the input at "
                "its low end (light) to that at its high end (dark), the other inputs as in {baseline}; widest first. Whiskers: 95% "
                "intervals. {replications} replications per bar, with the same random patients in every variant.",
                "Pour chaque moyenne clé, la barre de chaque donnée incertaine va de l'écart apparié avec {baseline} quand la donnée "
                "est à sa borne basse (clair) à l'écart à sa borne haute (foncé), les autres données comme dans {baseline} ; les plus "
                "larges d'abord. Moustaches : intervalles à 95 %. {replications} réplications par barre, avec les mêmes patients "
                "aléatoires dans chaque variante."),
    "low": ("low end", "borne basse"),
    "high": ("high end", "borne haute"),
}


@dataclass(frozen=True)
class Bar:
    """One input on one key mean: the differences at its low and high end, each (mean, low, high)."""

    path: str
    low: tuple[float, float, float]
    high: tuple[float, float, float]

    @property
    def width(self) -> float:
        """How far the input moves the mean across its range."""
        return abs(self.high[0] - self.low[0])


def bars(results: Results) -> dict[tuple[str, str, str], list[Bar]]:
    """By key mean, each input's bar, widest first (comparison.csv's paired differences)."""
    spec = results.manifest.get("sensitivity")
    if not isinstance(spec, dict):
        return {}
    rows = {(r["variant"], r["metric"], r["scope"], r["stat"]): r for r in results.comparison_rows}
    keys = [line.key for line in results.lines if line.key[2] == "mean" and line.key[0] in WAITS]
    keys += [line.key for line in results.lines if line.key[:1] + line.key[2:] == ("occupancy", "mean")]
    found: dict[tuple[str, str, str], list[Bar]] = {}
    for key in keys[:MAX_PANELS]:
        drawn = []
        for item in spec.get("inputs", []):
            low, high = rows.get((item.get("low_variant"), *key)), rows.get((item.get("high_variant"), *key))
            if low is None or high is None or low["diff_mean"] == "" or high["diff_mean"] == "":
                continue
            drawn.append(Bar(str(item["path"]), tuple(value(low[k]) for k in ("diff_mean", "ci_low", "ci_high")),  # type: ignore[arg-type]
                             tuple(value(high[k]) for k in ("diff_mean", "ci_low", "ci_high"))))  # type: ignore[arg-type]
        if drawn:
            found[key] = sorted(drawn, key=lambda b: -b.width)
    return found


def tornado(results: Results) -> Figure | None:
    """The tornado chart, one panel per key mean; None when the folder is not a sensitivity run."""
    found = bars(results)
    if not found:
        return None
    lang = results.lang
    labels = {line.key: line.label for line in results.lines}
    base = {(r["metric"], r["scope"], r["stat"]): value(r["mean"]) for r in results.summary_rows if r["variant"] == results.baseline}
    columns = min(2, len(found))
    rows_ = math.ceil(len(found) / columns)
    inputs = max(len(b) for b in found.values())
    figure = new_figure(6.4 * columns, rows_ * (0.45 * inputs + 1.3))
    axes = figure.subplots(rows_, columns, squeeze=False)
    units = {line.key: line.unit for line in results.lines}
    for ax, (key, drawn) in zip(axes.flat, found.items()):
        scale = scale_for(units[key], base.get(key, math.nan))
        for y, bar in enumerate(drawn):
            for end, tint in ((bar.low, LOW), (bar.high, HIGH)):
                mean, low, high = (scale.value(x) for x in end)
                ax.barh(y, mean, color=tint, height=0.6)
                ax.plot([low, high], [y, y], color="#333333", linewidth=1.0)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(range(len(drawn)), [textwrap.shorten(b.path, 38, placeholder="…") for b in drawn], fontsize=8)
        ax.set_ylim(len(drawn) - 0.5, -0.5)
        ax.set_title(textwrap.fill(labels.get(key, " ".join(key)), 48), fontsize=9)
        ax.set_xlabel(f"Δ {unit_word('pp' if scale.shown == '%' else scale.shown, lang)}", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", color="#e5e5e5")
    axes.flat[0].legend(handles=[Patch(color=LOW, label=pick(PHRASES["low"], lang)), Patch(color=HIGH, label=pick(PHRASES["high"], lang))],
                        fontsize=8, loc="best")
    for ax in list(axes.flat)[len(found):]:
        ax.set_visible(False)
    caption = pick(PHRASES["caption"], lang, baseline=results.baseline, replications=results.manifest["replications"])
    return Figure("tornado", pick(PHRASES["title"], lang), caption, render(figure, lang))
