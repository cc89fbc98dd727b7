"""Hostile but realistic input beyond single scenario files: worst cases near every size bound,
files that are not files, command-line options, output folders coopsim must not touch, and
crafted results folders. Each must end with a clear message and exit 2 (or work), never with a
traceback, an "internal error", a hang, or a file written or deleted outside what was named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.limits import MAX_BYTES, MAX_VALUES
from sim.scenario.loader import load_text
from tests.paths import INVALID

pytestmark = pytest.mark.unit

BASE = (INVALID / "variant_error.yaml").read_text(encoding="utf-8").split("\n", 1)[1].replace(
    "sites.north.resources.bed: -4", "sites.north.resources.bed: 8")
"""A valid two-hospital scenario with a variant (the corpus's base, its defect repaired)."""

SMALL = """
version: 1
name: Small
run: {horizon: 3d, warmup: 1d, replications: 2, seed: 3}
sites: {h: {location: [50.0, 3.0], resources: {doctor: 2, bed: 10}}}
arrivals: [{name: ed, at: h, rate: 2/h, pathway: visit}]
pathways:
  visit:
    - {use: doctor, name: exam, for: {exponential: {mean: 20min}}}
    - {use: bed, name: admission, for: 1d}
variants:
  base: {}
  more: {"sites.h.resources.bed": 12}
"""


def exit_code(argv: list[str]) -> int:
    """What `coopsim ARGV` exits with (argparse exits by itself on a bad option)."""
    try:
        return main(argv)
    except SystemExit as done:
        return int(done.code or 0)


def clean(out: str, err: str) -> None:
    """No traceback and no internal error in what a command printed."""
    assert "Traceback" not in out + err and "internal error" not in out + err, err


def write(folder: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- worst cases near the size bounds: validate answers in under two seconds (0.4-0.8 s on an idle 2-core machine) ---


def _near_bounds() -> dict[str, str]:
    """Valid or nearly valid scenarios each at a bound: the largest file, the most values, the
    most variants, the most branch profiles, many windows, a goto ring of 1,200 pathways."""
    sites = "".join(f"  s{k}: {{location: [50.{k % 90:02d}, 3.1], resources: {{bed: 5, box: 3, doctor: 2}}}}\n" for k in range(1200))
    streams = "".join(f"  - {{name: st{k}, at: s{k}, rate: 1/d, pathway: p{k % 50}}}\n" for k in range(1200))
    paths = "".join(f"  p{k}: [{{use: box, name: w{k}, for: 20min}}, {{use: bed, for: 1d}}]\n" for k in range(50))
    attrs = "".join(f"      a{j}: {{" + ", ".join(f"{v}: 0.1" for v in range(10)) + "}\n" for j in range(6))
    when = ", ".join(f"a{j}: [0, 1, 2, 3, 4]" for j in range(6))
    branches = "".join(f"    - branch: [{{when: {{{when}}}, p: 0.5, steps: [{{delay: 1h}}]}}, {{otherwise: []}}]\n" for _ in range(300))
    windows = "".join(f'          - {{days: mon, from: "{h:02d}:{m:02d}", to: "{h:02d}:{m + 1:02d}", capacity: 3}}\n'
                      for h in range(24) for m in range(0, 58, 2))
    ring = "".join(f"  r{k}: [{{delay: 1min}}, {{branch: [{{p: 0.5, steps: [{{goto: r{(k + 1) % 1200}}}]}}, "
                   f"{{otherwise: [{{goto: r{(k + 7) % 1200}}}]}}]}}]\n" for k in range(1200))
    variants = "".join(f"  v{k}: {{sites.north.resources.bed: {k + 11}}}\n" for k in range(198))
    return {
        "comments": BASE + ("# " + "x" * 98 + "\n") * (MAX_BYTES // 101 - 200),
        "long_string": BASE.replace("name: Two hospitals", 'name: Two hospitals\ndescription: "' + "y" * (MAX_BYTES - 3000) + '"'),
        "many_entities": f"version: 1\nname: big\nrun: {{horizon: 7d, warmup: 1d}}\nsites:\n{sites}arrivals:\n{streams}pathways:\n{paths}",
        "many_variants": BASE.replace("variants:\n  separate: {}\n", "variants:\n  separate: {}\n" + variants),
        "profiles": BASE.replace("      acuity: {1: 0.2, 2: 0.8}\n", "      acuity: {1: 0.2, 2: 0.8}\n" + attrs).replace(
            "    - branch:\n        - when: {acuity: 1}", branches + "    - branch:\n        - when: {acuity: 1}"),
        "windows": BASE.replace('          - {days: mon-fri, from: "08:00", to: "18:00", capacity: 4}\n', windows),
        "goto_ring": BASE.replace("pathways:\n", "pathways:\n" + ring).replace("    pathway: visit", "    pathway: r0"),
        "too_many_values": BASE + "notes: [" + ", ".join(["1"] * MAX_VALUES) + "]\n",
    }


@pytest.mark.parametrize("name", list(_near_bounds()))
def test_validate_answers_in_under_two_seconds_near_every_bound(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, _near_bounds()[name])
    assert path.stat().st_size <= MAX_BYTES
    started = time.perf_counter()
    status = main(["validate", str(path)])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    clean(out, err)
    assert status in (0, 2)
    assert seconds < 2.0, f"{name}: {seconds:.2f} s"
    tracemalloc.start()
    try:
        main(["validate", str(path)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, f"{name}: {peak / 2**20:.0f} MiB"


def test_a_goto_ring_with_no_way_out_is_named_once() -> None:
    with pytest.raises(Exception) as err:
        load_text(_near_bounds()["goto_ring"])
    problems = [p for p in err.value.problems if "can never leave" in p.message]
    assert len(problems) == 1 and "'r0', 'r1'" in problems[0].message and "and 1194 more" in problems[0].message


# --- files that are not files ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_scenario_that_is_not_a_regular_file_is_refused_without_reading_it(kind: str, tmp_path: Path) -> None:
    target = {"fifo": tmp_path / "pipe.yaml", "directory": tmp_path, "device": Path("/dev/zero")}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(target)], capture_output=True, text=True, timeout=30,
                          cwd=tmp_path)
    assert done.returncode == 2
    clean(done.stdout, done.stderr)
    assert {"fifo": "a FIFO", "directory": "a directory", "device": "a character device"}[kind] in done.stderr


def test_a_series_file_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "series.csv")
    path = write(tmp_path, BASE.replace("    rate: 20/d\n", "    series: {file: series.csv}\n"))
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "a FIFO (named pipe), not a file" in done.stderr
    clean(done.stdout, done.stderr)


# --- warnings: what runs, but probably not as meant ------------------------------------------------


def test_a_resource_no_variant_uses_and_a_variant_equal_to_its_baseline_are_warned(tmp_path: Path,
                                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    text = SMALL.replace("doctor: 2, bed: 10}", "doctor: 2, bed: 10, scanner: 1}").replace(
        'more: {"sites.h.resources.bed": 12}', 'more: {"sites.h.resources.bed": 12}\n  same: {"sites.h.resources.bed": 10}')
    assert main(["validate", str(write(tmp_path, text))]) == 0
    out, err = capsys.readouterr()
    assert "warning: sites.h.resources.scanner: resource 'scanner' of site 'h' is never used" in err
    assert "warning: variant 'same': variants.same: this variant runs exactly as the baseline 'base'" in err
    assert "2 warnings" in out and "more" not in err


def test_run_says_the_warnings_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SMALL.replace('more: {"sites.h.resources.bed": 12}', 'more: {"sites.h.resources.bed": 10}')
    assert main(["run", str(write(tmp_path, text)), "--quiet", "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    assert "warning: variant 'more': variants.more: this variant runs exactly as the baseline 'base'" in capsys.readouterr().err


def test_a_resource_one_variant_uses_is_not_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SMALL.replace("doctor: 2, bed: 10}", "doctor: 2, bed: 10, ward: 5}").replace(
        'more: {"sites.h.resources.bed": 12}', 'more: {"pathways.visit.1.use": ward}')
    assert main(["validate", str(write(tmp_path, text))]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_when_value_no_stream_takes_is_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE.replace("        - when: {acuity: 1}", "        - when: {acuity: [1, 7]}")
    assert main(["validate", str(write(tmp_path, text))]) == 0
    assert "no stream gives attribute 'acuity' the value 7 (its values: 1, 2)" in capsys.readouterr().err


# --- the explicit form that creates new entries ----------------------------------------------------


def test_add_creates_entries_and_appends_rules_and_the_variant_differs(tmp_path: Path) -> None:
    text = SMALL.replace('more: {"sites.h.resources.bed": 12}', """more:
    add:
      sites.c: {location: [50.1, 3.0], resources: {bed: 4}}
      cooperation: [{overflow: {resource: bed, from: h, to: [c]}}]""")
    loaded = load_text(text)
    more = loaded.variant("more").scenario
    assert more.sites["c"].resources["bed"].capacity == 4 and len(more.cooperation) == 1
    assert loaded.variant("base").scenario.cooperation == () and not loaded.warnings


def test_add_appends_after_the_base_list(tmp_path: Path) -> None:
    text = SMALL.replace("pathways:", "cooperation: [{overflow: {resource: bed, from: h, to: [c]}}]\npathways:").replace(
        "resources: {doctor: 2, bed: 10}}", "resources: {doctor: 2, bed: 10}}, c: {location: [50.1, 3.0], resources: {bed: 4}}").replace(
        'more: {"sites.h.resources.bed": 12}', "more: {add: {cooperation: [{overflow: {resource: doctor, from: h, to: [c]}}]}}").replace(
        "{bed: 4}}", "{bed: 4, doctor: 1}}")
    rules = load_text(text).variant("more").scenario.cooperation
    assert [r.overflow.resource for r in rules] == ["bed", "doctor"]


def test_a_variant_changes_or_removes_a_rule_by_its_name_and_adds_one_without_the_list(tmp_path: Path) -> None:
    rules = """cooperation:
  - overflow: {name: to_c, resource: bed, from: h, to: [c]}
  - overflow: {name: doctors, resource: doctor, from: h, to: [c]}
pathways:"""
    text = SMALL.replace("pathways:", rules, 1).replace(
        "resources: {doctor: 2, bed: 10}}", "resources: {doctor: 2, bed: 10}}, c: {location: [50.1, 3.0], resources: {bed: 4, doctor: 1}}").replace(
        'more: {"sites.h.resources.bed": 12}', """more:
    cooperation.to_c.when: {occupancy_above: 0.8}
    cooperation.doctors: null
    add:
      cooperation: [{overflow: {name: late, resource: bed, from: h, to: [c], in_force: {from: 2d}}}]""")
    loaded = load_text(text)
    more = [r.overflow for r in loaded.variant("more").scenario.cooperation]
    assert [(r.name, r.resource) for r in more] == [("to_c", "bed"), ("late", "bed")]
    assert more[0].when.occupancy_above == 0.8 and more[1].in_force.from_ == 2 * 1440.0
    assert [r.overflow.name for r in loaded.variant("base").scenario.cooperation] == ["to_c", "doctors"]


# --- command-line options, checked before anything is simulated -------------------------------------


@pytest.mark.parametrize("options, message", [
    (["--workers", "1000"], "at most the cores of this machine"),
    (["--workers", "0"], "must be from 1"),
    (["--replications", "0"], "must be from 1"),
    (["--replications", "1000000"], "must be from 1 to 10,000"),
    (["--max-replications", "99999"], "must be from 1 to 10,000"),
    (["--seed", "-1"], "must be from 0"),
    (["--seed", "x"], "not a whole number"),
    (["--precision", "nan"], "between 0 and 1"),
    (["--precision", "inf"], "between 0 and 1"),
    (["--out", ""], "--out is empty"),
    (["--out", "   "], "--out is empty"),
    (["--scheduler", "not an address"], "is not an address"),
    (["--variants", "nope"], "unknown variant nope"),
])
def test_bad_options_exit_2_before_simulating(options: list[str], message: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write(tmp_path, SMALL)
    assert exit_code(["run", str(scenario), "--quiet", *options]) == 2
    out, err = capsys.readouterr()
    clean(out, err)
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_an_unreachable_scheduler_is_bad_input_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("sim.experiment.cluster.CONNECT_SECONDS", 1.0)
    started = time.perf_counter()
    assert main(["run", str(write(tmp_path, SMALL)), "--quiet", "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    out, err = capsys.readouterr()
    clean(out, err)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1s" in err
    assert time.perf_counter() - started < 30 and not (tmp_path / "out").exists()


def test_dask_missing_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert main(["run", str(write(tmp_path, SMALL)), "--quiet", "--out", str(tmp_path / "out"), "--scheduler", "tcp://10.0.0.5:8786"]) == 2
    assert "--scheduler needs Dask: pip install" in capsys.readouterr().err


# --- output folders: --force replaces a results folder and nothing else ----------------------------


def _folder_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["user_folder", "results_with_user_file", "file", "symlink", "current_folder"])
def test_force_never_replaces_what_is_not_a_results_folder(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write(tmp_path, SMALL)
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.txt").write_text("three years of work")
    if case == "user_folder":
        out = work
    elif case == "results_with_user_file":
        out = tmp_path / "results"
        assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out)]) == 0
        (out / "notes.txt").write_text("my notes")
    elif case == "file":
        out = work / "thesis.txt"
    elif case == "symlink":
        out = tmp_path / "link"
        out.symlink_to(work)
    else:
        monkeypatch.chdir(work)
        out = Path(".")
    before = _folder_tree(tmp_path)
    capsys.readouterr()
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--force", "--out", str(out)]) == 2
    out_text, err = capsys.readouterr()
    clean(out_text, err)
    assert _folder_tree(tmp_path) == before
    assert not [p for p in tmp_path.rglob(".*") if p.name.startswith((".results.", ".work.", ".link."))]


def test_force_replaces_a_results_folder_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    scenario = write(tmp_path, SMALL)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out), "--force", "--seed", "9"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenario.yaml"]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9


# --- crafted results folders: compare and report trust nothing in them ------------------------------


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crafted")
    scenario = write(folder, SMALL.replace("name: Small", 'name: Small\ndescription: "$x$ and [bold]"').replace(
        "h: {location", 'h: {name: "CH $Tourcoing$ <b>", location'))
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(folder / "results")]) == 0
    return folder / "results"


def copy(results: Path, target: Path) -> Path:
    shutil.copytree(results, target, symlinks=True)
    return target


def reseal(folder: Path) -> None:
    """Recompute the manifest's digests, as someone crafting a folder on purpose would."""
    manifest = json.loads((folder / "manifest.json").read_text())
    from sim.results.writer import digest

    for name in manifest["files"]:
        manifest["files"][name] = digest((folder / name).read_bytes())
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_report_with_dollars_and_markup_in_names_is_written(results_folder: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy(results_folder, tmp_path / "r")
    assert main(["report", str(folder)]) == 0
    assert main(["compare", str(folder)]) == 0
    out, err = capsys.readouterr()
    clean(out, err)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "CH $Tourcoing$ &lt;b&gt;" in page and "CH $Tourcoing$ <b>" not in page


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "occupancy.csv").write_text((f / "occupancy.csv").read_text()[:-200]), "truncated or changed"),
    (lambda f: (f / "summary.csv").write_text((f / "summary.csv").read_text().replace("0", "1", 1)), "changed after the run"),
    (lambda f: (f / "replications.csv").unlink(), "replications.csv is missing"),
    (lambda f: (f / "manifest.json").write_text("{"), "cannot be read"),
    (lambda f: (f / "manifest.json").write_text("[]"), "incompatible coopsim"),
    (lambda f: (f / "manifest.json").write_text(json.dumps({**json.loads((f / "manifest.json").read_text()), "variants": "abc"})),
     "variants"),
    (lambda f: (f / "manifest.json").write_text(json.dumps({**json.loads((f / "manifest.json").read_text()), "seed": "x"})), "seed"),
    (lambda f: (f / "manifest.json").write_text(json.dumps({**json.loads((f / "manifest.json").read_text()),
                                                             "variants": ["../../x", "base"]})), "variants"),
    (lambda f: (f / "manifest.json").write_text(json.dumps({**json.loads((f / "manifest.json").read_text()), "files": {}})),
     "does not list the folder's files"),
])
def test_a_damaged_folder_is_refused_by_compare_and_report(damage, message: str, results_folder: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy(results_folder, tmp_path / "r")
    damage(folder)
    for command in ("compare", "report", "export-events"):
        assert main([command, str(folder)]) == 2
        out, err = capsys.readouterr()
        clean(out, err)
        assert message in err, (command, err)
    assert not (folder / "report.html").exists() and not (folder / "figures").exists()


@pytest.mark.parametrize("column, value", [("resource", "../../../escaped"), ("resource", "/tmp/x"), ("scope", "a/b"),
                                           ("variant", "intruder")])
def test_names_from_the_tables_never_become_paths(column: str, value: str, results_folder: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy(results_folder, tmp_path / "deep" / "r")
    table = "occupancy.csv" if column == "resource" else "summary.csv"
    lines = (folder / table).read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    (folder / table).write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    reseal(folder)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(["report", str(folder)]) == 2
    out, err = capsys.readouterr()
    clean(out, err)
    assert "is not a name coopsim writes" in err or "is not one of the manifest's" in err
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_linked_figures_folder_is_refused_and_its_target_untouched(results_folder: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy(results_folder, tmp_path / "r")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.png").write_bytes(b"mine")
    (folder / "figures").symlink_to(elsewhere)
    assert main(["report", str(folder)]) == 2
    out, err = capsys.readouterr()
    clean(out, err)
    assert "not a folder of figures" in err
    assert [p.name for p in elsewhere.iterdir()] == ["keep.png"] and not (folder / "report.html").exists()


def test_a_linked_report_or_figure_is_replaced_not_its_target(results_folder: Path, tmp_path: Path) -> None:
    folder = copy(results_folder, tmp_path / "r")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / "report.html").symlink_to(victim)
    (folder / "figures").mkdir()
    (folder / "figures" / "differences.png").symlink_to(victim)
    assert main(["report", str(folder)]) == 0
    assert victim.read_text() == "precious"
    assert not (folder / "report.html").is_symlink() and not (folder / "figures" / "differences.png").is_symlink()


def test_a_refused_run_on_two_workers_leaves_no_worker_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`coopsim run` starts its workers before it reads the scenario: a file it refuses ends them."""
    import multiprocessing

    assert main(["run", str(INVALID / "variant_error.yaml"), "--workers", "2", "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    clean(out, err)
    assert "variant_error.yaml:" in err
    assert not multiprocessing.active_children() and not (tmp_path / "out").exists()
