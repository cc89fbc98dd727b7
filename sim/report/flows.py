"""Flows between sites: where patients went (the busiest routes), and when they were transferred.

The section exists only when some variant moved patients: flows.csv has a patient who left
from another site than the one it appeared at, or summary.csv counts transfers (`transfers`
with a `from>to` scope).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from sim.report.data import Results
from sim.report.figures import MAX_PANELS, Figure, colour, new_figure, render, time_axis
from sim.report.wording import decimal
from sim.results.words import pick

PHRASES: dict[str, tuple[str, str]] = {
    "per_day": ("patients a day", "patients par jour"),
    "bars": ("Bars: counted patients a day who appeared at one site and left the system from another (flows.csv), "
             "mean across replications, ",
             "Barres : patients comptés par jour, apparus sur un site et sortis du système depuis un autre (flows.csv), "
             "moyenne des réplications, "),
    "busiest": ("on the {shown} busiest of {routes} routes (all are in the tables above).",
                "sur les {shown} trajets les plus chargés parmi {routes} (tous figurent dans les tableaux ci-dessus)."),
    "every": ("on every route.", "sur tous les trajets."),
    "still": (" No patient changed site in {variants}.", " Aucun patient n'a changé de site dans {variants}."),
    "flows.title": ("Flows between sites", "Flux entre sites"),
    "all": ("all routes", "tous les trajets"),
    "day": ("day", "jour"),
    "week": ("week", "semaine"),
    "transfers_per": ("transfers per {period}", "transferts par {period}"),
    "over_time": ("Transfers of counted patients per {period} of the measured period, by departure time, mean across "
                  "replications (from the event log; a transfer still on the road at the end is not drawn)",
                  "Transferts de patients comptés par {period} de la période mesurée, selon l'heure de départ, moyenne des "
                  "réplications (d'après le journal des événements ; un transfert encore en route à la fin n'est pas tracé)"),
    "quieter": ("; {more} quieter routes are counted in 'all routes' only.",
                " ; {more} trajets moins chargés ne sont comptés que dans « tous les trajets »."),
    "over_time.title": ("Transfers over time", "Transferts dans le temps"),
}
"""Titles, captions and axis words of the flow figures, in English then French."""


def _say(key: str, lang: str, **values: object) -> str:
    return pick(PHRASES[key], lang, **values)


def transfers(results: Results) -> pd.DataFrame:
    """Mean transfers per replication by route and variant (summary.csv), routes with a transfer only.

    Columns: variant, route, origin, destination, count, ci_low, ci_high, transport (mean minutes)."""
    table = results.summary[(results.summary["metric"] == "transfers") & (results.summary["scope"].str.contains(">"))]
    counts = table[table["stat"] == "count"].set_index(["variant", "scope"])
    transport = table[table["stat"] == "transport_mean"].set_index(["variant", "scope"])["mean"]
    busiest = counts.groupby(level="scope")["mean"].max()
    keep = counts[counts.index.get_level_values("scope").isin(busiest[busiest > 0].index)]
    found = pd.DataFrame({"count": keep["mean"], "ci_low": keep["ci_low"], "ci_high": keep["ci_high"],
                          "transport": transport.reindex(keep.index)}).reset_index().rename(columns={"scope": "route"})
    found["origin"] = [route.partition(">")[0] for route in found["route"]]
    found["destination"] = [route.partition(">")[2] for route in found["route"]]
    return found


def movements(results: Results) -> pd.DataFrame:
    """flows.csv rows of the streams some of whose patients changed site, with `share`: the part of
    the stream's patients from that origin who left from that site."""
    flows = results.flows
    moved = flows[(flows["origin"] != flows["site"]) | (flows["transfers"].fillna(0) > 0)]
    chosen = flows[flows.set_index(["stream", "origin"]).index.isin(moved.set_index(["stream", "origin"]).index)]
    totals = chosen.groupby(["variant", "stream", "origin"])["patients"].transform("sum")
    return chosen.assign(share=chosen["patients"] / totals.where(totals > 0))


def site_to_site(moved: pd.DataFrame) -> pd.DataFrame:
    """Patients a day going from one site to another, per variant: where patients appeared and
    where they left from (flows.csv)."""
    away = moved[moved["origin"] != moved["site"]]
    return away.groupby(["variant", "origin", "site"], as_index=False)["per_day"].sum().rename(columns={"site": "destination"})


MAX_BARS = 40
"""Bars drawn at most (routes × variants); the busiest routes first, every route is in the table."""


def flow_bars(results: Results, paths: pd.DataFrame) -> Figure | None:
    """Patients a day on the busiest routes between sites, one bar per variant that moved patients."""
    paths, lang = paths[paths["per_day"] > 0], results.lang
    if paths.empty:
        return None
    variants = [v for v in results.variants if v in set(paths["variant"])]
    busiest = paths.groupby(["origin", "destination"])["per_day"].max().sort_values(ascending=False, kind="stable")
    routes = list(busiest.index[: max(3, MAX_BARS // len(variants))])
    per_day = paths.set_index(["variant", "origin", "destination"])["per_day"]
    bar = 0.8 / len(variants)
    figure = new_figure(11, 0.8 + len(routes) * (0.2 * len(variants) + 0.25))
    ax = figure.subplots()
    for k, v in enumerate(variants):
        values = np.array([per_day.get((v, *route), 0.0) for route in routes])
        y = np.arange(len(routes)) - 0.4 + bar * (k + 0.5)
        ax.barh(y, values, height=bar * 0.92, color=colour(results, v), label=v)
        for yy, x in zip(y, values):
            if x > 0:
                ax.annotate(decimal(f"{x:.3g}", lang), (x, yy), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    names = [textwrap.fill(f"{results.site_name(o)} → {results.site_name(d)}", 48) for o, d in routes]
    ax.set_yticks(range(len(routes)), names, fontsize=8)
    ax.set_ylim(len(routes) - 0.5, -0.5)
    ax.set_xlabel(_say("per_day", lang))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="lower right")
    still = [v for v in results.variants if v not in variants]
    caption = (_say("bars", lang)
               + (_say("busiest", lang, shown=len(routes), routes=len(busiest)) if len(busiest) > len(routes) else _say("every", lang))
               + (_say("still", lang, variants=", ".join(still)) if still else ""))
    return Figure("flows", _say("flows.title", lang), caption, render(figure, lang))


def over_time(results: Results, moves: pd.DataFrame) -> Figure | None:
    """Transfers per day (or week, for long runs), mean across replications: all routes together,
    then the busiest routes; one line per variant that transferred anyone."""
    if moves.empty:
        return None
    lang, width = results.lang, 1.0 if results.horizon <= 28 * 1440 else 7.0
    period = _say("day" if width == 1 else "week", lang)
    bins = math.ceil(results.horizon / 1440 / width)
    busiest = list(moves["route"].value_counts(sort=True).index[: MAX_PANELS - 1])
    panels = [None, *busiest] if len(busiest) > 1 else busiest
    figure = new_figure(12, 0.6 + 2.2 * len(panels))
    axes = figure.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    x, label = time_axis(results, np.arange(bins + 1) * width * 24.0)  # one more edge: the last bin is drawn too
    for ax, route in zip(axes, panels):
        chosen = moves if route is None else moves[moves["route"] == route]
        for v in [v for v in results.variants if v in set(moves["variant"])]:
            times = chosen.loc[chosen["variant"] == v, "time"].to_numpy()
            index = np.clip(((times - results.warmup) / 1440 // width).astype(int), 0, bins - 1)
            counts = np.bincount(index, minlength=bins) / results.manifest["replications"]
            ax.step(x, np.append(counts, counts[-1]), where="post", color=colour(results, v), label=v, linewidth=1.4)
        origin, _, destination = (route or "").partition(">")
        ax.set_title(_say("all", lang) if route is None else f"{results.site_name(origin)} → {results.site_name(destination)}", fontsize=10)
        ax.set_ylabel(_say("transfers_per", lang, period=period))
        ax.grid(color="#eeeeee")
        ax.margins(x=0)
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize=8, ncols=min(4, len(results.variants)))
    axes[-1].set_xlabel(label)
    more = len(set(moves["route"])) - len(busiest)
    caption = _say("over_time", lang, period=period) + (_say("quieter", lang, more=more) if more > 0 else ".")
    return Figure("transfers_over_time", _say("over_time.title", lang), caption, render(figure, lang))
