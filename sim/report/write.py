"""`write_report`: a results folder in, report.html and figures/*.png written into it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.report import events, figures, flows, html
from sim.report.data import Results, load


def _figures(results: Results) -> tuple[dict[str, str], list[figures.Figure]]:
    """The HTML of every figure section and the figures themselves."""
    made: list[figures.Figure] = []

    def show(figure: figures.Figure | None) -> str:
        if figure is None:
            return ""
        made.append(figure)
        return html.figure_html(figure)

    parts: dict[str, str] = {}
    parts["differences"] = show(figures.forest(results)) or '<p class="note">There is no variant to compare with the baseline.</p>'
    scopes = [line.key[1] for line in results.lines if line.key[0] == "occupancy" and line.key[2] == "mean"]
    parts["occupancy"] = "".join(show(figures.occupancy(results, scope)) for scope in scopes) or '<p class="note">No resource was used.</p>'
    waits = events.waits(results.events_path, results.warmup) if results.events_path else None
    parts["waits"] = show(figures.waits(results, waits)) or '<p class="note">No named wait in this scenario.</p>'
    routes, moved = flows.transfers(results), flows.movements(results)
    if not routes.empty or not moved.empty:  # some variant moved patients between sites
        parts["flows"] = (html.movements_table(results, moved) + html.transfers_table(results, routes)
                          + show(flows.flow_bars(results, flows.site_to_site(results, moved, routes))))
        if results.events_path:
            parts["flows"] += show(flows.over_time(results, events.transfers(results.events_path, results.warmup)))
        elif not routes.empty:
            parts["flows"] += '<p class="note">Transfers over time need the event log: run with --events.</p>'
    return parts, made


def _save(folder: Path, made: list[figures.Figure]) -> None:
    """figures/ holds exactly this report's figures."""
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    names = {f"{figure.name}.png" for figure in made}
    for old in target.glob("*.png"):
        if old.name not in names:
            old.unlink()
    for figure in made:
        (target / f"{figure.name}.png").write_bytes(figure.png)


def write_report(results_dir: Path) -> Path:
    """Write report.html (and figures/) into a results folder from its files alone; its path.

    Raises sim.compare.NotAResultsFolder for a folder that is not a readable results folder."""
    results = load(Path(results_dir))
    parts, made = _figures(results)
    page = html.page(results, parts)
    _save(results.folder, made)
    target = results.folder / "report.html"
    handle, temporary = tempfile.mkstemp(prefix=".report.", suffix=".html", dir=results.folder)
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
        out.write(page)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target
