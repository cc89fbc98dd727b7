"""The what-if page as a planner uses it, headless (Streamlit's AppTest): every shipped scenario
opens, each lever changes what runs, errors are shown where they arise, and a run's headline
follows the change made."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the app extra is not installed")
from streamlit.testing.v1 import AppTest  # noqa: E402

from sim.app import session  # noqa: E402
from sim.app.whatif import Edits, what_if_text  # noqa: E402
from sim.scenario.bundled import bundled  # noqa: E402

pytestmark = pytest.mark.unit

PAGE = str(Path(__file__).resolve().parents[2] / "sim" / "app" / "page.py")
CUBICLES = "tourcoing_ed:baseline:sites.tourcoing.resources.ed_box.capacity"

SMALL = """version: 1
name: Two small sites
run: {horizon: 3d, replications: 2, seed: 1}
sites:
  a: {name: Site A, location: [50.6, 3.1], resources: {bed: 3}}
  b: {name: Site B, sector: private, location: [50.7, 3.2], resources: {bed: 3}}
arrivals: [{name: p, at: a, rate: 4/h, pathway: stay}]
pathways: {stay: [{use: bed, name: admission, for: {exponential: {mean: 1h}}}]}
cooperation: [{overflow: {name: spill, resource: bed, from: a, to: [b], when: {occupancy_above: 0.9}, max_per_day: 20}}]
"""


def page() -> AppTest:
    """The page, opened."""
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    assert not app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    """Give the page an uploaded file (as the browser would)."""
    app.radio(key="source").set_value("upload").run()
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    record = UploadedFileRec(file_id="test", name=name, type="application/x-yaml", data=data)
    app.session_state["upload"] = UploadedFile(record, None)
    return app.run()


@pytest.mark.parametrize("name", [path.stem for path in bundled()])
def test_every_shipped_scenario_opens_with_its_map_and_levers(name: str) -> None:
    app = page()
    app.selectbox(key="scenario").set_value(name).run()
    assert not app.exception and not app.error
    assert len(app.get("plotly_chart")) == 1 and app.number_input and app.button(key="run")


def test_a_capacity_change_runs_and_the_headline_follows_it() -> None:
    app = page()
    app.selectbox(key="scenario").set_value("tourcoing_ed").run()
    app.number_input(key=CUBICLES).set_value(30).run()
    assert "ED cubicles: 30" in app.get("plotly_chart")[0].proto.spec  # the map shows the what-if's capacities
    app.number_input(key="replications:tourcoing_ed").set_value(3).run()
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    headline = " ".join(m.value for m in app.markdown)
    assert "what_if: the wait for a cubicle is" in headline and "shorter" in headline
    assert len(app.dataframe) == 1
    assert any(b.key == "download_yaml" for b in app.get("download_button"))
    text = app.session_state["session"].runs[-1].text
    assert '  what_if: {"sites.tourcoing.resources.ed_box.capacity": 30}' in text
    assert len(app.get("plotly_chart")) == 2  # the map, and occupancy over time
    series = session.occupancy(app.session_state["session"].runs[-1].folder)
    rows = _rows(app.session_state["session"].runs[-1].folder / "occupancy.csv")
    box = [float(r["occupancy_mean"]) for r in rows if (r["variant"], r["resource"]) == ("what_if", "tourcoing.ed_box")]
    days, daily = series[("what_if", "tourcoing.ed_box")]
    assert days == list(range(len(box) // 24)) and daily[1] == pytest.approx(sum(box[24:48]) / 24)
    assert sum(daily) < sum(series[("baseline", "tourcoing.ed_box")][1])  # 30 cubicles instead of 22: less occupied


def test_the_page_speaks_french() -> None:
    app = page()
    app.radio(key="lang").set_value("fr").run()
    assert app.title[0].value.startswith("coopsim : et si")
    assert app.button(key="run").label == "Lancer la simulation"


def test_a_rule_switched_off_leaves_the_what_if() -> None:
    app = upload(page(), "small.yaml", SMALL.encode())
    assert not app.exception and not app.error
    toggle = app.toggle(key="small.yaml:base:rule:0")
    assert toggle.value is True
    toggle.set_value(False).run()
    app.button(key="run").click().run()
    run = app.session_state["session"].runs[-1]
    assert '"cooperation": []' in run.text
    assert not any(r["metric"] == "transfers" and ">" in r["scope"] for r in _summary(run.folder) if r["variant"] == "what_if")


def test_a_surge_multiplies_the_arrivals() -> None:
    app = upload(page(), "small.yaml", SMALL.encode())
    app.slider(key="small.yaml:base:surge").set_value(2.0).run()
    app.button(key="run").click().run()
    assert '"arrivals.p.rate": "192/d"' in app.session_state["session"].runs[-1].text


def test_an_invalid_upload_says_where_and_runs_nothing() -> None:
    app = upload(page(), "broken.yaml", SMALL.replace("rate: 4/h", "rate: 4 per hour").encode())
    assert not app.exception
    assert any("broken.yaml:7:29: arrivals[0].rate: '4 per hour' is not a rate" in m.value for m in app.markdown) and not app.button
    app = upload(page(), "latin1.yaml", "name: é".encode("latin-1"))
    assert any("not UTF-8" in e.value for e in app.error)


def test_an_upload_too_large_is_refused() -> None:
    app = upload(page(), "big.yaml", b"#" * (session.MAX_UPLOAD_BYTES + 1))
    assert any("at most 1,048,576 bytes" in e.value for e in app.error) and not app.button


def test_an_upload_reads_no_file_outside_its_bundle() -> None:
    text = SMALL.replace("rate: 4/h", "series: {file: ../../../etc/passwd}")
    app = upload(page(), "sly.yaml", text.encode())
    assert any("outside the scenario's folder" in m.value for m in app.markdown) and not app.button


def test_a_run_beyond_the_bound_is_refused_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    app = upload(page(), "small.yaml", SMALL.encode())
    monkeypatch.setattr(session, "MAX_WORK", 10)
    app.button(key="run").click().run()
    assert any("the page runs at most 10" in e.value for e in app.error)
    assert app.session_state["session"].runs == []


def test_sessions_do_not_share_runs() -> None:
    first, second = upload(page(), "small.yaml", SMALL.encode()), page()
    first.button(key="run").click().run()
    assert len(first.session_state["session"].runs) == 1 and second.session_state["session"].runs == []
    assert first.session_state["session"].folder != second.session_state["session"].folder


def _summary(folder: Path) -> list[dict[str, str]]:
    return _rows(folder / "summary.csv")


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_downloads_hold_the_results_folder_the_report_and_the_workbook() -> None:
    import io
    import zipfile

    app = upload(page(), "small.yaml", SMALL.encode())
    app.button(key="run").click().run()
    run = app.session_state["session"].runs[-1]
    names = set(zipfile.ZipFile(io.BytesIO(session.zipped(run.folder))).namelist())
    assert {f"{run.folder.name}/manifest.json", f"{run.folder.name}/summary.csv"} <= names
    assert not any(b.key == "download_xlsx" for b in app.get("download_button"))
    app.button(key="write_report").click().run()
    assert not app.exception and (run.folder / "results.xlsx").exists() and (run.folder / "report.html").exists()
    assert any(b.key == "download_xlsx" for b in app.get("download_button"))


def test_two_runs_of_a_session_compare_paired_by_replication() -> None:
    app = page()
    app.selectbox(key="scenario").set_value("tourcoing_ed").run()
    app.number_input(key="replications:tourcoing_ed").set_value(3).run()
    app.number_input(key=CUBICLES).set_value(30).run()
    app.button(key="run").click().run()
    app.number_input(key=CUBICLES).set_value(24).run()
    app.button(key="run").click().run()
    runs = app.session_state["session"].runs
    assert len(runs) == 2
    app.selectbox(key="compare_with").set_value(runs[0].label).run()
    assert not app.exception
    table = app.dataframe[-1].value  # the comparison, after the key numbers
    row = next(k for k, label in enumerate(table.iloc[:, 0]) if label.startswith("Wait for a cubicle, mean"))
    assert table.iloc[row, 3].startswith("+") and table.iloc[row, 3].rstrip().endswith("*")  # fewer cubicles: longer, detectably


def test_a_rule_parameter_changes_the_rule_that_runs() -> None:
    app = upload(page(), "small.yaml", SMALL.encode())
    app.slider(key="small.yaml:base:rule:0:overflow.when.occupancy_above").set_value(0.5).run()
    app.number_input(key="small.yaml:base:rule:0:overflow.max_per_day").set_value(3).run()
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    text = app.session_state["session"].runs[-1].text
    assert '"when": {"occupancy_above": 0.5}' in text and '"max_per_day": 3' in text


def test_who_gains_and_who_pays_is_the_report_s_table_of_the_run() -> None:
    from sim.report import agreement
    from sim.report.data import load

    app = upload(page(), "small.yaml", SMALL.encode())
    app.button(key="run").click().run()
    run = app.session_state["session"].runs[-1]
    body = app.get("html")[0].proto.body
    assert "Ledger of the agreement in what_if" in body
    assert agreement.section(load(run.folder, "en")) in body


TARGETED = SMALL.replace("cooperation:", "targets: [{wait: admission, within: 10min, share: 0.8}]\ncooperation:")


def test_the_target_search_answers_as_coopsim_target_does_on_the_what_if(tmp_path: Path) -> None:
    from sim.experiment import target

    app = upload(page(), "targeted.yaml", TARGETED.encode())
    lever = "sites.a.resources.bed"  # written `bed: 3`: the lever is the resource itself
    app.selectbox(key="target_lever:targeted.yaml").set_value(lever).run()
    app.number_input(key="target_low:targeted.yaml").set_value(2).run()
    app.number_input(key="target_high:targeted.yaml").set_value(9).run()
    app.number_input(key="target_replications:targeted.yaml").set_value(4).run()
    app.button(key="search").click().run()
    assert not app.exception and not app.error
    said = " ".join(s.value for s in app.success) + " ".join(w.value for w in app.warning)
    source = session.uploaded_source("targeted.yaml", TARGETED.encode(), session.Session())
    path = tmp_path / "targeted.yaml"  # the what-if as downloaded, run from the command line
    path.write_text(what_if_text(TARGETED, session.load(source), "base", Edits()), encoding="utf-8")
    expected = target.search(path, target.TargetOptions(lever=lever, low=2, high=9, variant="what_if", replications=4,
                                                        out=tmp_path / "cli", workers=1))
    assert expected.answer is not None and f"{expected.answer:g} is the smallest value" in said


def test_a_scenario_without_a_target_level_says_so() -> None:
    app = upload(page(), "small.yaml", SMALL.encode())
    assert any("no target with a level" in c.value for c in app.caption)


UNCERTAIN = SMALL + """uncertain:
  pathways.stay.0.for.exponential.mean: {low: 45min, high: 75min, assumption: a test range}
"""


def test_the_tornado_runs_each_uncertain_input_at_both_ends_on_the_what_if() -> None:
    import json

    app = upload(page(), "uncertain.yaml", UNCERTAIN.encode())
    app.number_input(key="tornado_replications:uncertain.yaml").set_value(2).run()
    app.button(key="study").click().run()
    assert not app.exception and not app.error
    assert len(app.get("image")) == 1
    folder = next(app.session_state["session"].folder.glob("sensitivity1"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [i["path"] for i in manifest["sensitivity"]["inputs"]] == ["pathways.stay.0.for.exponential.mean"]
    assert manifest["variants"] == ["base", "1_mean_low", "1_mean_high"]


def test_a_lever_the_loader_refuses_shows_its_problem_under_the_lever_and_nothing_runs() -> None:
    app = page()
    app.selectbox(key="scenario").set_value("tourcoing_mri_gie").run()
    app.selectbox(key="variant:tourcoing_mri_gie").set_value("extended_hours").run()
    for share in ("urgent", "scheduled"):
        app.slider(key=f"tourcoing_mri_gie:extended_hours:rule:0:share_calendar.quotas.shares.{share}").set_value(0.9).run()
    errors = [e.value for e in app.error]
    assert "cooperation[0].share_calendar.quotas.shares: the quota shares sum to 1.8 (expected 1)" in errors
    assert "Fix the values marked in red first." in errors and not any(b.key == "run" for b in app.button)


def test_runs_go_to_a_dask_cluster_with_the_same_bytes() -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    source = session.uploaded_source("small.yaml", SMALL.encode(), session.Session())
    loaded = session.load(source)
    text, checked, _ = session.check(source, loaded, "base", Edits(surge=1.5))
    here, there = session.Session(), session.Session()  # kept: a session's folder goes with it
    local = session.run(here, source, text, checked, replications=3, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = session.run(there, source, text, checked, replications=3, workers=1, scheduler=cluster.scheduler_address)
    for name in ("replications.csv", "summary.csv", "comparison.csv", "occupancy.csv"):
        assert (local.folder / name).read_bytes() == (remote.folder / name).read_bytes(), name
