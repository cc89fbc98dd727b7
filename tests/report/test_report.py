"""The report: one self-contained page from the result files alone, figures saved for slides,
waits recomputed from the event log exactly as the engine counts them, clear bad input."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure as MplFigure

from sim.cli import main
from sim.report import events
from sim.report.data import load
from sim.report.methods import changes, sections
from sim.report.terminal import better
from sim.report.write import write_report
from sim.results import NotAResultsFolder
from tests.report.two_sites import SCENARIO

pytestmark = pytest.mark.unit

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
"""The first bytes of a PNG, standing in for a drawn figure."""
SECTIONS = {"brief", "scenario", "findings", "agreement", "differences", "occupancy", "waits", "flows", "methods"}


@pytest.fixture
def report(report_folder: Path) -> Path:
    """The report folder shared by the report tests (copy it before changing anything)."""
    return report_folder


class Page(HTMLParser):
    """What the tests look at in report.html: images, section ids, links and table cells."""

    def __init__(self, text: str):
        super().__init__()
        self.images: list[str] = []
        self.sections: list[str] = []
        self.links: list[str] = []
        self.cells: list[tuple[str, str]] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.images.append(found.get("src") or "")
        if tag == "section":
            self.sections.append(found.get("id") or "")
        if tag in ("a", "link", "script"):
            self.links.append(found.get("href") or found.get("src") or "")
        if tag == "td":
            self._cell = [found.get("class") or ""]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell[0], "".join(self._cell[1:])))
            self._cell = None


def test_report_is_one_self_contained_page(report: Path) -> None:
    text = (report / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert set(page.sections) == SECTIONS
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert all(link.startswith(("#", "data:")) for link in page.links)
    figures = sorted((report / "figures").glob("*.png"))
    assert {f.stem for f in figures} >= {"differences", "waits", "flows", "transfers_over_time", "occupancy_a.bed", "occupancy_b.bed"}
    assert len(page.images) == len(figures)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert all(f.read_bytes().startswith(b"\x89PNG") for f in figures)
    assert "@media print" in text
    for expected in ("Two hospitals and a scanner", "invented for the tests", "<th>Seed</th><td>5</td>", "2026-01-06 00:00",
                     "Target compliance", "Where patients went", "Hospital A → Clinic B"):
        assert expected in text


def test_findings_table_reads_comparison_csv(report: Path) -> None:
    """Each difference cell is comparison.csv's, coloured by compare.better where its interval excludes 0."""
    results = load(report)
    text = (report / "report.html").read_text(encoding="utf-8")
    tables = re.findall(r'<table class="findings">.*?</table>', text, flags=re.S)
    page = Page("".join(tables))
    coloured = [(css, text) for css, text in page.cells if "better" in css or "worse" in css]
    assert coloured
    expected = {}
    for r in results.comparison_rows:
        low, high, mean = float(r["ci_low"] or 0), float(r["ci_high"] or 0), float(r["diff_mean"] or 0)
        if low > 0 or high < 0:
            expected[r["metric"], r["scope"], r["stat"]] = ("better" if better(r["metric"], r["scope"], r["stat"], mean) else "worse")
    lines = [line for line in results.lines if line.key in expected]
    assert len(coloured) == len(lines)
    assert [css.split()[-1] for css, _ in coloured] == [expected[line.key] for line in lines]
    assert all("*" in text for _, text in coloured)


def test_every_number_of_the_findings_table_is_summary_csvs_in_its_shown_unit(report: Path) -> None:
    """Each row's baseline cell is summary.csv's mean converted to the unit shown in its label
    (minutes, hours or days; shares in percent), in plain digits."""
    results = load(report)
    text = (report / "report.html").read_text(encoding="utf-8")
    table = text[text.index('<table class="findings">'):text.index("</table>", text.index('<table class="findings">'))]
    rows = re.findall(r"<tr><td>(.*?) <span class=\"unit\">\((.*?)\)</span></td><td class=\"num\">.*?</td><td class=\"num\">(.*?)<br>", table)
    base = {(r["metric"], r["scope"], r["stat"]): r for r in results.summary_rows if r["variant"] == results.baseline}
    lines = {line.label: line for line in results.lines}
    assert len(rows) == len(results.lines)
    for label, shown, cell in rows:
        line = lines[label]
        mean = float(base[line.key]["mean"])
        minutes = {"min": 1.0, "h": 60.0, "d": 1440.0}
        shown_minutes = {"min": 1.0, "hours": 60.0, "days": 1440.0}
        factor = 100.0 if shown == "%" else minutes[line.unit] / shown_minutes[shown] if shown in shown_minutes else 1.0
        number = float(cell.rstrip("%").replace(",", "").replace("−", "-"))
        assert "e" not in cell and number == pytest.approx(mean * factor, rel=5e-3, abs=5e-5), (label, cell, mean)


def test_waits_from_the_event_log_are_the_engines(report: Path) -> None:
    """Mean, count and max of every wait, recomputed from events.parquet, equal replications.csv."""
    results = load(report)
    waits = events.waits(results.events_path, results.warmup)
    both = pd.concat([waits, waits.assign(step=waits["step"] + "@" + waits["site"])])
    ours = both.groupby(["variant", "replication", "step"])["wait"].agg(["mean", "count", "max"])
    reps = results.replications
    engine = reps[(reps["metric"] == "wait") & reps["stat"].isin(["mean", "count", "max"])]
    engine = engine.pivot_table(index=["variant", "replication", "scope"], columns="stat", values="value")
    assert any("@" in scope for scope in engine.index.get_level_values("scope"))  # the overflow runs admission at two sites
    joined = engine.add_suffix("_engine").join(ours.rename_axis(engine.index.names), how="left")
    counted = joined[joined["count_engine"] > 0]
    assert (counted["count_engine"] == counted["count"]).all()
    assert (counted["mean_engine"] - counted["mean"]).abs().max() < 1e-9
    assert (counted["max_engine"] - counted["max"]).abs().max() < 1e-9


def test_transfers_from_the_event_log(report: Path) -> None:
    """Transfers that arrived before the end: at most the engine's count, short by those still on the road."""
    results = load(report)
    moves = events.transfers(results.events_path, results.warmup)
    ours = moves.groupby(["variant", "replication", "route"]).size()
    reps = results.replications
    engine = reps[(reps["metric"] == "transfers") & (reps["stat"] == "count") & reps["scope"].str.contains(">")]
    engine = engine.set_index(["variant", "replication", "scope"])["value"]
    assert engine.sum() > 0
    gap = engine - ours.reindex(engine.index, fill_value=0)
    assert gap.min() >= 0 and gap.max() <= 2


def test_report_without_event_log(report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder run without --events: waits from percentiles, no transfers over time.
    (Figures are built but not drawn: drawing is the other tests' business and takes seconds.)"""
    monkeypatch.setattr(MplFigure, "savefig", lambda self, out, **kw: out.write(PNG))
    plain = tmp_path / "plain"
    shutil.copytree(report, plain, ignore=shutil.ignore_patterns("events.parquet", "report.html", "figures"))
    forget(plain, "events.parquet")
    text = write_report(plain).read_text(encoding="utf-8")
    assert set(Page(text).sections) == SECTIONS
    assert "From replications.csv" in text and "run with --events" in text
    assert not (plain / "figures" / "transfers_over_time.png").exists()


def forget(folder: Path, name: str) -> None:
    """Take a file out of a results folder's manifest, as if the run had not written it."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"][name]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def test_methods_cover_stress_des(report: Path) -> None:
    results = load(report)
    titles = [title for title, _ in sections(results)]
    assert titles == ["Objectives and outputs", "Model logic", "Inputs and data", "Experimentation", "Random numbers", "Implementation"]
    text = json.dumps(sections(results), ensure_ascii=False)
    for expected in ("Hospital A (a; public", "doctor: 2 (3 on mon-fri 08:00–18:00, 2 otherwise)", "exponential (mean 25min)",
                     "leaves unseen", "with probability 0.2", "books mri", "non-homogeneous Poisson", "SeedSequence",
                     "i-th patient", "warm-up of 1d", "3 independent replications", "sites.a.resources.doctor.capacity: 2 → 3",
                     "cooperation: (absent)", "coopsim", "SHA-256"):
        assert expected in text, expected


def test_changes_name_list_elements() -> None:
    base = {"arrivals": [{"name": "ed", "rate": "3/h"}], "run": {"seed": 1}, "variants": {"x": {}}}
    other = {"arrivals": [{"name": "ed", "rate": "4/h"}], "run": {"seed": 1}, "cooperation": []}
    assert changes(base, other) == ["arrivals.ed.rate: 3/h → 4/h", "cooperation: (absent) → []"]


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "manifest.json").unlink(), "not a coopsim results folder"),
    (lambda f: (f / "manifest.json").write_text(json.dumps({**json.loads((f / "manifest.json").read_text()), "format": 1})),
     "incompatible coopsim"),
    (lambda f: (f / "occupancy.csv").unlink(), "occupancy.csv is missing"),
    (lambda f: (f / "scenario.resolved.yaml").write_text("variants: [1, 2"), "scenario.resolved.yaml has"),
    (lambda f: (f / "results.xlsx").mkdir(), "results.xlsx is a folder"),
    (lambda f: (f / "report.html").mkdir(), "report.html is a folder"),
])
def test_bad_folders_are_refused_clearly(report: Path, tmp_path: Path, damage, message: str) -> None:
    folder = tmp_path / "damaged"
    shutil.copytree(report, folder, ignore=shutil.ignore_patterns("figures", "report.html", "results.xlsx"))
    damage(folder)
    with pytest.raises(NotAResultsFolder, match=message):
        write_report(folder)
    assert not (folder / "report.html").is_file() and not (folder / "results.xlsx").is_file()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".report.")]  # nothing staged is left


def test_an_empty_folder_is_not_a_results_folder(tmp_path: Path) -> None:
    with pytest.raises(NotAResultsFolder, match=re.escape(str(tmp_path))):
        write_report(tmp_path)


def test_cli_report_and_run_report(report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(MplFigure, "savefig", lambda self, out, **kw: out.write(PNG))  # the page, not the drawing
    folder = tmp_path / "copy"
    shutil.copytree(report, folder, ignore=shutil.ignore_patterns("figures", "report.html"))
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").exists() and f"report: {folder / 'report.html'}" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "is not a coopsim results folder" in capsys.readouterr().err
    (tmp_path / "s.yaml").write_text(SCENARIO.replace("replications: 3", "replications: 2"))
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "run"), "--workers", "1", "--quiet", "--report"]) == 0
    assert (tmp_path / "run" / "report.html").exists()
