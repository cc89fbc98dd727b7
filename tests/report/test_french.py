"""The report in French: the methods, the figures' titles, captions and axes, and the deadlock
warning speak French for `load(folder, "fr")`, with decimal commas; `load(folder)` still speaks
English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib import rc_context
from matplotlib.figure import Figure as MplFigure

from sim.cli import main
from sim.report import events, figures, flows, rules, sweep
from sim.report.alerts import Deadlock
from sim.report.data import Results, load
from sim.report.methods import Block, Item, sections
from sim.report.wording import duration, tick
from tests.report.test_rules_report import SCENARIO as RULES
from tests.report.test_sweep import SWEEP
from tests.report.two_sites import SCENARIO

pytestmark = pytest.mark.unit

ENGLISH = ("Patients are individual entities", "Each replication starts empty", "Common random numbers", "Pathways:", "holds one",
           "on average over a week", "independent replications", "Transport between sites", "mean across replications",
           "the bar its 95% interval", "Differences from the baseline", "Waiting times", "Flows between sites", "Transfers over time",
           "Rules in force over time", "Sweep of", "key metrics", "percentile", " in use", "left out", "(fixed)", "otherwise")
"""English sentences and words of the methods and figures that the French report must not contain."""


def _run(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    where = tmp_path_factory.mktemp(name)
    (where / f"{name}.yaml").write_text(text, encoding="utf-8")
    folder = where / "results"
    assert main(["run", str(where / f"{name}.yaml"), "--out", str(folder), "--workers", "1", "--quiet", "--events"]) == 0
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-sites scenario, run with its event log."""
    return _run(tmp_path_factory, "two_sites_fr", SCENARIO)


@pytest.fixture(scope="module")
def french(folder: Path) -> Results:
    return load(folder, "fr")


def _text(blocks: list[Block] | list[Item]) -> list[str]:
    """Every paragraph and item of methods blocks, nested items included."""
    found: list[str] = []
    for block in blocks:
        if isinstance(block, tuple):
            found += [block[0], *_text(block[1])]
        elif isinstance(block, list):
            found += _text(block)
        else:
            found.append(block)
    return found


def _no_english(text: str) -> None:
    said = [phrase for phrase in ENGLISH if phrase in text]
    assert not said, f"English left in the French report: {said}"


def test_the_methods_speak_french(french: Results) -> None:
    found = sections(french)
    assert [title for title, _ in found] == ["Objectifs et résultats produits", "Logique du modèle", "Entrées et données",
                                             "Expérimentation", "Nombres aléatoires", "Mise en œuvre"]
    text = "\n".join(line for _, blocks in found for line in _text(blocks))
    for french_words in ("préchauffage", "période mesurée", "réplications indépendantes", "intervalle de confiance à 95 %",
                         "taux d'occupation", "part sans être vu", "Parcours :", "Aucune règle de coopération n'est en vigueur",
                         "une durée suivant une loi log-normale (moyenne 1 j ; écart-type 12 h)", "lun-ven 08:00–18:00", "30 %"):
        assert french_words in text
    _no_english(text.replace(french.scenario.description, "").replace("invented for the tests", ""))


def test_the_methods_write_numbers_with_decimal_commas(french: Results) -> None:
    text = "\n".join(line for _, blocks in sections(french) for line in _text(blocks))
    assert "50,72° N 3,16° E" in text and "avec une probabilité de 0,2" in text and "détour 1,3" in text
    assert "50.72" not in text and "probabilité de 0.2" not in text
    assert "préchauffage de 1 j" in text and "période mesurée de 1 semaine." in text


def test_the_figures_speak_french(folder: Path, french: Results) -> None:
    waits = events.waits(french.events_path, french.warmup)
    with rc_context({"text.parse_math": False}):
        drawn = [figures.forest(french), figures.occupancy(french, "a.bed"), figures.waits(french, waits),
                 flows.flow_bars(french, flows.site_to_site(flows.movements(french))),
                 flows.over_time(french, events.transfers(french.events_path, french.warmup))]
    shown = {f.name: f for f in drawn if f is not None}
    assert {name: f.title for name, f in shown.items()} == {
        "differences": "Écarts par rapport à la référence", "occupancy_a.bed": "Occupation : Hospital A : bed", "waits": "Temps d'attente",
        "flows": "Flux entre sites", "transfers_over_time": "Transferts dans le temps"}
    assert "intervalle de confiance à 95 %" in shown["differences"].caption
    assert shown["occupancy_a.bed"].caption.startswith("Lits occupés sur la période mesurée, heure par heure")
    assert "journal des événements" in shown["waits"].caption and "réplications" in shown["transfers_over_time"].caption
    _no_english(" ".join(f.title + " " + f.caption for f in shown.values()))
    assert all(f.png.startswith(b"\x89PNG") for f in shown.values())


def test_the_rule_timeline_speaks_french(tmp_path_factory: pytest.TempPathFactory) -> None:
    results = load(_run(tmp_path_factory, "rules_fr", RULES), "fr")
    figure = rules.timeline(results, rules.switches(results.events_path))
    assert figure is not None and figure.title == "Règles en vigueur dans le temps"
    assert "toutes les 15 minutes" in figure.caption and "réplications" in figure.caption
    _no_english(figure.title + " " + figure.caption)


def test_the_sweep_speaks_french(tmp_path_factory: pytest.TempPathFactory) -> None:
    results = load(_run(tmp_path_factory, "beds_fr", SWEEP), "fr")
    found = sweep.sweep_charts(results)
    assert [f.title for f in found] == ["Balayage de sites.h.resources.bed : indicateurs clés"]
    assert "intervalle de confiance à 95 %" in found[0].caption and "un panneau chacun" in found[0].caption
    _no_english(found[0].caption)
    targets = {line.key: line for line in sweep.series(results)}
    for key, said in ((("wait", "exam", "mean"), r"objectif ≤ [\d,]+ (min|h|j)"), (("occupancy", "h.bed", "mean"), r"objectif < 85 %")):
        ax = MplFigure().subplots()
        sweep.draw_panel(ax, [targets[key]], "fr")
        assert [text.get_text() for text in ax.texts if re.fullmatch(said, text.get_text())]
        assert ax.get_ylabel() in ("minutes", "heures", "jours", "%")


def test_french_tick_labels_have_decimal_commas() -> None:
    assert [tick(x) for x in (2.5, 0.1 + 0.2, -2.0, 12500.0, 0.0)] == ["2,5", "0,3", "−2", "12\u202f500", "0"]
    figure = MplFigure()
    ax = figure.subplots()
    ax.plot([0.0, 2.5], [0.0, 0.75])
    figures.render(figure, "fr")
    labels = [label.get_text() for label in ax.get_xticklabels() + ax.get_yticklabels()]
    assert any("," in label for label in labels) and not any("." in label for label in labels)


def test_french_durations() -> None:
    assert [duration(m, "fr") for m in (90.0, 120.0, 2880.0, 10080.0, 20160.0, 2.5)] == \
        ["90 min", "2 h", "2 j", "1 semaine", "2 semaines", "2,5 min"]
    assert [duration(m) for m in (90.0, 10080.0, 2.5)] == ["90min", "1w", "2.5min"]


def test_the_deadlock_warning_speaks_french() -> None:
    deadlock = Deadlock("cycle", 2, 4, 3)
    assert deadlock.sentence("fr").startswith("cycle : 2 réplications sur 4 se sont terminées par un interblocage")
    assert deadlock.sentence() == deadlock.sentence("en") and deadlock.sentence().startswith("cycle: 2 of 4 replications ended in a deadlock")


def test_the_default_report_stays_english(folder: Path) -> None:
    english = load(folder)
    assert english.lang == "en"
    found = sections(english)
    assert [title for title, _ in found][:2] == ["Objectives and outputs", "Model logic"]
    text = "\n".join(line for _, blocks in found for line in _text(blocks))
    assert "Each replication starts empty" in text and "at 50.72° N 3.16° E" in text and "préchauffage" not in text
    forest = figures.forest(english)
    assert forest is not None and forest.title == "Differences from the baseline" and "95% interval" in forest.caption
