"""`write_report`: a results folder in, report.html, figures/*.png, summary.html, summary.md and
results.xlsx written into it (French: report.fr.html, figures.fr/, summary.fr.html, summary.fr.md).

Nothing read from the folder becomes a path: figure files are named from a fixed alphabet,
`figures/` must be a real folder (not a link to elsewhere), and every file is written under a
temporary name and renamed into place only when all of them are written, so that a full disk
or an interruption leaves the previous report as it was and no partial file behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from matplotlib import rc_context

from sim.report import agreement, events, figures, flows, html, rules, scurve, summary, sweep, tornado
from sim.report.data import Results, load
from sim.results import ledger
from sim.results.layout import report_names
from sim.results.names import names_of
from sim.results.reader import NotAResultsFolder
from sim.results.sheets import SHEET_FILES, results_workbook
from sim.results.targets import verdicts


def file_stem(name: str) -> str:
    """A figure's file name made of letters, digits, `_`, `-` and `.` only, never starting with a dot."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "figure"


def _figures(results: Results) -> tuple[dict[str, str], list[figures.Figure]]:
    """The HTML of every figure section and the figures themselves."""
    made: list[figures.Figure] = []

    def show(figure: figures.Figure | None) -> str:
        if figure is None:
            return ""
        made.append(figure)
        return html.figure_html(figure)

    parts: dict[str, str] = {}
    if ledger.cooperating(results.scenarios, results.baseline):
        parts["agreement"] = agreement.section(results)
    for key, figure in (("sensitivity", tornado.tornado(results)), ("uncertainty", scurve.scurves(results))):
        if figure is not None:
            parts[key] = show(figure)
    swept = "".join(show(figure) for figure in sweep.sweep_charts(results))
    if swept:
        parts["sweep"] = swept
    parts["differences"] = show(figures.forest(results)) or '<p class="note">There is no variant to compare with the baseline.</p>'
    scopes = [line.key[1] for line in results.lines if line.key[0] == "occupancy" and line.key[2] == "mean"]
    parts["occupancy"] = "".join(show(figures.occupancy(results, scope)) for scope in scopes) or '<p class="note">No resource was used.</p>'
    waits = events.waits(results.events_path, results.warmup) if results.events_path else None
    parts["waits"] = show(figures.waits(results, waits)) or '<p class="note">No named wait in this scenario.</p>'
    routes, moved = flows.transfers(results), flows.movements(results)
    if not routes.empty or not moved.empty:  # some variant moved patients between sites
        parts["flows"] = (html.movements_table(results, moved) + html.transfers_table(results, routes)
                          + show(flows.flow_bars(results, flows.site_to_site(moved))))
        if results.events_path:
            parts["flows"] += show(flows.over_time(results, events.transfers(results.events_path, results.warmup)))
        elif not routes.empty:
            parts["flows"] += '<p class="note">Transfers over time need the event log: run with --events.</p>'
    table = rules.in_force(results)
    if not table.empty:  # some variant has a rule with a time in force
        parts["rules"] = html.rules_table(results, table)
        if results.events_path:
            parts["rules"] += show(rules.timeline(results, rules.switches(results.events_path)))
        else:
            parts["rules"] += '<p class="note">When the rules were in force over time needs the event log: run with --events.</p>'
    return parts, made


def _staged(folder: Path, content: bytes) -> Path:
    """`content` written to a new temporary file of `folder` (never through a link)."""
    handle, name = tempfile.mkstemp(prefix=".report.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(name, 0o644)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _publish(folder: Path, files: dict[str, bytes], figures_folder: str) -> None:
    """Write `files` (paths relative to `folder`) all or nothing; stale figures are removed."""
    target = folder / figures_folder
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise NotAResultsFolder(f"{target} is not a folder of figures (a link or a file): coopsim will not write through it")
    target.mkdir(exist_ok=True)
    for name in files:
        final = folder / name
        if final.is_dir() and not final.is_symlink():
            raise NotAResultsFolder(f"{final} is a folder: coopsim writes a file there and will not replace a folder")
    staged: dict[Path, Path] = {}
    try:
        for name, content in files.items():
            staged[folder / name] = _staged((folder / name).parent, content)
        for final, temporary in staged.items():
            os.replace(temporary, final)  # replaces a link itself, never the file it points to
    finally:
        for temporary in staged.values():
            if temporary.exists():
                temporary.unlink()
    for old in target.iterdir():
        if old.suffix == ".png" and target / old.name not in staged:
            old.unlink()


def write_report(results_dir: Path, lang: str = "en") -> Path:
    """Write the report, its figures, the one-page summary (HTML and Markdown) and results.xlsx into
    a results folder from its files alone, in `lang` (`en` or `fr`); the report page's path.

    Raises NotAResultsFolder for a folder that is not an intact results folder."""
    results = load(Path(results_dir), lang)
    with rc_context({"text.parse_math": False}):  # names are text: `$` never starts mathematics
        parts, made = _figures(results)
    page = html.page(results, parts)
    named = report_names(lang)
    files = {f"{named['figures']}/{file_stem(figure.name)}.png": figure.png for figure in made}
    files[named["report"]] = page.encode("utf-8")
    files[named["summary"]] = summary.summary_html(results).encode("utf-8")
    files[named["markdown"]] = summary.summary_md(results).encode("utf-8")
    tables = {name: (results.folder / name).read_text(encoding="utf-8") for name in SHEET_FILES}
    english = names_of(list(results.scenarios.values()))  # one workbook whatever the report's language
    judged = verdicts(results.summary_rows, results.scenarios)
    files["results.xlsx"] = results_workbook(tables, results.baseline, results.variants, english, judged)
    _publish(results.folder, files, named["figures"])
    return results.folder / named["report"]
