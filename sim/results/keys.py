"""Which statistics are key: the metrics a reader sees first, in reading order, in the terminal
table, the report and the summary sheet of results.xlsx, chosen from summary.csv alone."""

from __future__ import annotations

from dataclasses import dataclass

MAX_RESOURCES = 8
"""Resources shown in the table, the busiest first (every resource is in summary.csv)."""


@dataclass(frozen=True)
class Line:
    """One metric of the table: its label and the cells of the baseline and of each variant."""

    key: tuple[str, str, str]
    label: str
    unit: str


def key_lines(summary: list[dict[str, str]], baseline: str) -> list[Line]:
    """The key metrics, in reading order: each wait and access delay, stays, resources, counts."""
    base = {(r["metric"], r["scope"], r["stat"]): r for r in summary if r["variant"] == baseline and r["mean"] != ""}
    lines = []
    for metric, stats_ in (("wait", ("mean", "p90", "within_target", "beyond_target")),
                           ("blocked_time", ("mean", "p90", "within_target", "beyond_target")),
                           ("access_delay", ("mean", "p90", "within_target", "beyond_target")), ("time_in_system", ("mean",))):
        for scope in sorted({s for m, s, _ in base if m == metric}):
            shown = stats_[:1] if "@" in scope else stats_  # a site's share of a wait: its mean
            lines += [Line((metric, scope, st), f"{scope} {metric.replace('_', ' ')} {st.replace('_', ' ')}", base[(metric, scope, st)]["unit"])
                      for st in shown if (metric, scope, st) in base]
    occupancy = sorted((r for k, r in base.items() if k[0] == "occupancy" and k[2] == "mean"), key=lambda r: -float(r["mean"]))
    for r in occupancy[:MAX_RESOURCES]:
        lines.append(Line(("occupancy", r["scope"], "mean"), f"{r['scope']} occupancy", r["unit"]))
        if ("occupancy", r["scope"], "within_target") in base:
            lines.append(Line(("occupancy", r["scope"], "within_target"), f"{r['scope']} occupancy within target", "share"))
        if ("occupancy", r["scope"], "saturated") in base:
            lines.append(Line(("occupancy", r["scope"], "saturated"), f"{r['scope']} replications saturated", "share"))
            lines.append(Line(("occupancy", r["scope"], "full_hours"), f"{r['scope']} hours full", "h"))
            lines.append(Line(("queue", r["scope"], "max"), f"{r['scope']} peak queue", "patients"))
        if ("occupancy", r["scope"], "blocked") in base:
            lines.append(Line(("occupancy", r["scope"], "blocked"), f"{r['scope']} occupancy by blocked patients", "share"))
            lines.append(Line(("nights_blocked", r["scope"], "count"), f"{r['scope']} nights blocked", "patients"))
    for scope in ("left_unseen", "still_inside", "deadlocked"):
        if ("patients", scope, "count") in base or scope != "deadlocked":
            lines.append(Line(("patients", scope, "count"), f"patients {scope.replace('_', ' ')}", "patients"))
    if any(r["metric"] == "transfers" and r["scope"] == "all" and r["stat"] == "count" and r["mean"] not in ("", "0") for r in summary):
        lines.append(Line(("transfers", "all", "count"), "transfers", "patients"))
    return lines
