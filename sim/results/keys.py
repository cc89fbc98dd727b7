"""Which statistics are key: the metrics a reader sees first, in reading order, in the terminal
table, the report and the summary sheet of results.xlsx, chosen from summary.csv alone."""

from __future__ import annotations

from dataclasses import dataclass

from sim.results.names import Names
from sim.results.words import PHRASES, say

MAX_RESOURCES = 8
"""Resources shown in the table, the busiest first (every resource is in summary.csv)."""


@dataclass(frozen=True)
class Line:
    """One metric of the table: its label and the cells of the baseline and of each variant."""

    key: tuple[str, str, str]
    label: str
    unit: str


def _label(key: tuple[str, str, str], names: Names) -> str:
    """A key metric as people say it, in the names' language."""
    metric, scope, stat = key
    lang = names.lang
    if metric in ("wait", "blocked_time", "access_delay"):
        step, _, site = scope.partition("@")
        if site:
            return say(f"{metric}_at.{stat}" if f"{metric}_at.{stat}" in PHRASES else f"{metric}.{stat}", lang,
                       step=names.step(step), site=names.site(site))
        return say(f"{metric}.{stat}", lang, step=names.step(step))
    if metric in ("time_in_system", "time_to_handover"):
        return say(f"{metric}.{stat}", lang, stream=names.stream(scope))
    if metric == "patients":
        return say(f"patients.{scope}", lang)
    if metric == "transfers":
        return say("transfers.count", lang)
    return say(f"{metric}.{stat}", lang, resource=names.resource(scope))


def key_lines(summary: list[dict[str, str]], baseline: str, names: Names | None = None) -> list[Line]:
    """The key metrics, in reading order: each wait and access delay, stays, resources, counts;
    labelled with `names` (default: identifiers in words, English)."""
    names = names or Names()
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline and r["mean"] != ""}
    keys: list[tuple[tuple[str, str, str], str]] = []
    for metric, stats_ in (("wait", ("mean", "p90", "within_target", "beyond_target")),
                           ("blocked_time", ("mean", "p90", "within_target", "beyond_target")),
                           ("access_delay", ("mean", "p90", "within_target", "beyond_target")),
                           ("time_to_handover", ("mean",)), ("time_in_system", ("mean",))):
        for scope in sorted({s for m, s, _ in base if m == metric}):
            shown = stats_[:1] if "@" in scope else stats_  # a site's share of a wait: its mean
            keys += [((metric, scope, st), base[(metric, scope, st)]["unit"]) for st in shown if (metric, scope, st) in base]
    occupancy = sorted((r for k, r in base.items() if k[0] == "occupancy" and k[2] == "mean"), key=lambda r: -float(r["mean"]))
    for r in occupancy[:MAX_RESOURCES]:
        scope = r["scope"]
        keys.append((("occupancy", scope, "mean"), r["unit"]))
        if ("occupancy", scope, "within_target") in base:
            keys.append((("occupancy", scope, "within_target"), "share"))
        if ("occupancy", scope, "saturated") in base:
            keys += [(("occupancy", scope, "saturated"), "share"), (("occupancy", scope, "full_hours"), "h"),
                     (("queue", scope, "max"), "patients")]
        if ("occupancy", scope, "blocked") in base:
            keys += [(("occupancy", scope, "blocked"), "share"), (("nights_blocked", scope, "count"), "patients")]
    split = ("patients", "left_waiting", "count") in base
    for scope in ("left_waiting", "went_elsewhere") if split else ("left_unseen",):
        if ("patients", scope, "count") in base:
            keys.append((("patients", scope, "count"), "patients"))
    keys.append((("patients", "still_inside", "count"), "patients"))
    if ("patients", "deadlocked", "count") in base:
        keys.append((("patients", "deadlocked", "count"), "patients"))
    if any(r["metric"] == "transfers" and r["scope"] == "all" and r["stat"] == "count" and r["mean"] not in ("", "0") for r in summary):
        keys.append((("transfers", "all", "count"), "patients"))
    return [Line(key, _label(key, names), unit) for key, unit in keys]
