"""The map of a scenario: its sites at their coordinates (public, private and foreign drawn
apart, capacities on hover), the outlines of the départements and the France–Belgium border
(`sim/app/data/outlines.geojson`, see its SOURCE.md), and, after a run, the transfers between
sites as arrows whose width follows their number.

No tiles and no web map: a plain plotly chart in longitude and latitude, with x scaled by the
cosine of the latitude so that distances look right, which works with no internet.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.results.names import Names
from sim.results.words import pick
from sim.scenario import schema

OUTLINES = Path(__file__).parent / "data" / "outlines.geojson"
SECTORS = {
    "public": ("#1f4e79", "circle", ("public", "public")),
    "private": ("#c55a11", "square", ("private", "privé")),
    "foreign": ("#6a3d9a", "diamond", ("across the border", "de l'autre côté de la frontière")),
}
"""Colour, marker and word of each sector."""
MIN_SPAN = (1.6, 0.9)
"""The least longitude and latitude the map shows (degrees): a single site still sits among its neighbours."""
MAX_ARROW = 14.0
"""Width in pixels of the arrow of the largest flow."""


@dataclass(frozen=True)
class Flow:
    """Transfers from one site to another over a run (mean across replications)."""

    origin: str
    site: str
    transfers: float


def site_table(scenario: schema.Scenario, names: Names) -> list[dict[str, Any]]:
    """Each site with a location: where it is, its sector, and its capacities as people read them."""
    rows = []
    for site, spec in scenario.sites.items():
        if spec.location is None:
            continue
        capacities = []
        for role, resource in spec.resources.items():
            what = names.what(f"{site}.{role}")
            if isinstance(resource, schema.CapacityResource):
                capacities.append(f"{what}: {resource.capacity:g}")
            else:
                capacities.append(f"{what}: {pick(('calendar', 'agenda'), names.lang)}")
        rows.append({"site": site, "name": names.site(site), "sector": spec.sector, "lat": spec.location[0],
                     "lon": spec.location[1], "capacities": capacities})
    return rows


def flows_of(summary: list[dict[str, str]], variant: str) -> list[Flow]:
    """The transfers between sites of one variant, from the rows of summary.csv (`transfers`,
    scope `A>B`, stat `count`: their mean per run)."""
    found = []
    for row in summary:
        if row["variant"] == variant and row["metric"] == "transfers" and row["stat"] == "count" and ">" in row["scope"]:
            origin, site = row["scope"].split(">", 1)
            if row["mean"] and float(row["mean"]) > 0:
                found.append(Flow(origin, site, float(row["mean"])))
    return found


@lru_cache(maxsize=1)
def outlines() -> list[dict[str, Any]]:
    """The features of the bundled outlines (départements, the border)."""
    return json.loads(OUTLINES.read_text(encoding="utf-8"))["features"]


def figure(scenario: schema.Scenario, names: Names, flows: list[Flow] = (), height: int = 560) -> Any:
    """The map as a plotly figure."""
    import plotly.graph_objects as go

    sites = site_table(scenario, names)
    fig = go.Figure()
    for feature in outlines():
        kind = feature["properties"].get("kind")
        for line in _lines(feature["geometry"]):
            fig.add_trace(go.Scatter(x=[p[0] for p in line], y=[p[1] for p in line], mode="lines", hoverinfo="skip", showlegend=False,
                                     line={"color": "#333333" if kind == "border" else "#b0b0b0",
                                           "width": 2 if kind == "border" else 1, "dash": "dash" if kind == "border" else "solid"}))
    where = {s["site"]: s for s in sites}
    largest = max((f.transfers for f in flows), default=0.0)
    for flow in flows:
        if flow.origin in where and flow.site in where:
            a, b = where[flow.origin], where[flow.site]
            fig.add_annotation(x=b["lon"], y=b["lat"], ax=a["lon"], ay=a["lat"], xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowsize=0.6, arrowcolor="rgba(192, 0, 0, 0.75)",
                               arrowwidth=max(1.0, MAX_ARROW * flow.transfers / largest), text="")
            fig.add_trace(go.Scatter(x=[(a["lon"] + b["lon"]) / 2], y=[(a["lat"] + b["lat"]) / 2], mode="markers", showlegend=False,
                                     marker={"size": 1, "opacity": 0}, hoverinfo="text",
                                     hovertext=f"{a['name']} → {b['name']}: {flow.transfers:,.1f} "
                                               f"{pick(('transfers', 'transferts'), names.lang)}"))
    for sector, (colour, symbol, word) in SECTORS.items():
        chosen = [s for s in sites if s["sector"] == sector]
        if chosen:
            fig.add_trace(go.Scatter(
                x=[s["lon"] for s in chosen], y=[s["lat"] for s in chosen], mode="markers+text", name=pick(word, names.lang),
                text=[s["name"] for s in chosen], textposition="top center", hoverinfo="text",
                hovertext=["<br>".join([f"<b>{s['name']}</b>", *s["capacities"]]) for s in chosen],
                marker={"color": colour, "symbol": symbol, "size": 13, "line": {"color": "white", "width": 1}}))
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.02}, dragmode="pan")
    lats = [s["lat"] for s in sites] or [50.5]
    fig.update_xaxes(visible=False, range=_span([s["lon"] for s in sites] or [3.0], 0.25, MIN_SPAN[0]))
    fig.update_yaxes(visible=False, range=_span(lats, 0.15, MIN_SPAN[1]), scaleanchor="x",
                     scaleratio=1 / math.cos(math.radians(sum(lats) / len(lats))))
    return fig


def _span(values: list[float], margin: float, least: float) -> list[float]:
    """The range of some coordinates, with a margin in degrees, at least `least` wide (around their middle)."""
    low, high = min(values) - margin, max(values) + margin
    if high - low < least:
        middle = (low + high) / 2
        low, high = middle - least / 2, middle + least / 2
    return [low, high]


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Every ring or line of a GeoJSON geometry, as lists of [lon, lat]."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return [coordinates]
    if kind in ("MultiLineString", "Polygon"):
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    return []
