"""Rules with a time in force, as the report shows them: their share of the measured period in
force and how often they came into force (summary.csv), and, from the event log's switches, a
timeline of the share of replications in which each rule is in force.

The section exists only when some variant has a rule with a time in force (`rule` rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.records import RULE_EVENTS
from sim.report.data import Results
from sim.report.events import read_events
from sim.report.figures import MAX_PANELS, Figure, colour, new_figure, render, time_axis
from sim.report.wording import number
from sim.results.words import pick

STEP = 15.0
"""Minutes between the instants at which the timeline reads whether each rule is in force."""
PHRASES: dict[str, tuple[str, str]] = {
    "rule": ("rule {rule}", "règle {rule}"),
    "in_force": ("in force\n(share of replications)", "en vigueur\n(part des réplications)"),
    "caption": ("When each rule with a time in force was in force over the measured period: the share of replications in which "
                "it was, read every {step} minutes from the switches of the event log (a dated period gives 0 or 1; a switch on the "
                "system's state varies from one replication to another).",
                "Quand chaque règle soumise à une condition d'application (in_force) était en vigueur sur la période mesurée : la "
                "part des réplications où elle l'était, relevée toutes les {step} minutes d'après les basculements du journal des "
                "événements (une période datée donne 0 ou 1 ; un basculement sur l'état du système varie d'une réplication à l'autre)."),
    "title": ("Rules in force over time", "Règles en vigueur dans le temps"),
}
"""Titles, captions and axis words of the timeline, in English then French."""


def in_force(results: Results) -> pd.DataFrame:
    """Per rule and variant: the share of the measured period in force and the times it came into
    force, means with their 95 % intervals (summary.csv). Columns: rule, variant, stat, mean,
    ci_low, ci_high."""
    table = results.summary[results.summary["metric"] == "rule"]
    return table.rename(columns={"scope": "rule"})[["rule", "variant", "stat", "mean", "ci_low", "ci_high"]]


def switches(path: Path) -> pd.DataFrame:
    """Every switch of the event log: variant, replication, rule, time (minutes from time 0), on."""
    table = read_events(path, list(RULE_EVENTS), ["step"])
    return pd.DataFrame({"variant": table["variant"], "replication": table["replication"], "rule": table["step"],
                         "time": table["time"], "on": table["event"] == "rule_on"})


def share_in_force(found: pd.DataFrame, replications: int, instants: np.ndarray) -> np.ndarray:
    """The share of `replications` in which a rule is in force at each instant, from its switches
    in those replications (a replication without a switch has the rule out of force)."""
    total = np.zeros(len(instants))
    for _, one in found.groupby("replication"):
        one = one.sort_values("time", kind="stable")
        last = np.searchsorted(one["time"].to_numpy(), instants, side="right") - 1
        on = one["on"].to_numpy()
        total += np.where(last >= 0, on[np.maximum(last, 0)], False)
    return total / replications


def timeline(results: Results, found: pd.DataFrame) -> Figure | None:
    """One panel per rule: the share of replications in which it is in force over the measured
    period, one line per variant."""
    rules, lang = sorted(set(found["rule"]))[:MAX_PANELS], results.lang
    if not rules:
        return None
    instants = results.warmup + np.arange(0.0, results.horizon, STEP)
    x, label = time_axis(results, (instants - results.warmup) / 60.0)
    figure = new_figure(12, 0.6 + 1.8 * len(rules))
    axes = figure.subplots(len(rules), 1, squeeze=False, sharex=True)[:, 0]
    for ax, rule in zip(axes, rules):
        for v in results.variants:
            chosen = found[(found["rule"] == rule) & (found["variant"] == v)]
            if chosen.empty:
                continue
            share = share_in_force(chosen, results.manifest["replications"], instants)
            ax.step(x, share, where="post", color=colour(results, v), label=v, linewidth=1.4)
        ax.set_title(pick(PHRASES["rule"], lang, rule=rule), fontsize=10)
        ax.set_ylabel(pick(PHRASES["in_force"], lang), fontsize=8)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(color="#eeeeee")
        ax.margins(x=0)
    axes[0].legend(fontsize=8, ncols=min(4, len(results.variants)))
    axes[-1].set_xlabel(label)
    caption = pick(PHRASES["caption"], lang, step=number(STEP, lang))
    return Figure("rules_in_force", pick(PHRASES["title"], lang), caption, render(figure, lang))
