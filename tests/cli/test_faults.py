"""Faults an unlucky operator meets: a worker killed (as the out-of-memory killer does), SIGTERM
and SIGHUP at three moments of a run, a full disk, and two scenarios run at once on one Dask
cluster. Each ends with a clear message and a documented exit code, workers stopped, and
nothing left behind: no staging folder, no old folder, no partial file.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.results import layout, writer
from tests.processes import workers_of

pytestmark = pytest.mark.fault

SLOW = """
version: 1
name: Slow enough to be interrupted
run: {horizon: 40d, warmup: 1d, replications: 8, seed: 5}
sites: {h: {location: [50.0, 3.0], resources: {doctor: 40, bed: 400}}}
arrivals: [{name: ed, at: h, rate: 6000/d, pathway: visit}]
pathways:
  visit:
    - {use: doctor, name: exam, for: {exponential: {mean: 20min}}}
    - branch:
        - {p: 0.1, steps: [{use: bed, name: admission, for: {exponential: {mean: 2d}}}]}
        - otherwise: []
"""
"""About 250,000 patients a task, a second or two each: signals and kills land mid-run."""

QUICK = SLOW.replace("horizon: 40d", "horizon: 3d").replace("6000/d", "200/d").replace("replications: 8", "replications: 4")


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(tmp_path: Path, *options: str, text: str = SLOW) -> subprocess.Popen[str]:
    """`coopsim run` on a scenario in its own process, writing tmp_path/out."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--quiet", "--out", str(tmp_path / "out"), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)


def wait_for_workers(process: subprocess.Popen[str], count: int, timeout: float = 60) -> list[int]:
    """The worker processes of a run, once `count` of them are up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = workers_of(process.pid)
        if len(workers) >= count:
            return workers
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the workers never started")


def nothing_left(tmp_path: Path) -> None:
    """Only the scenario (and a complete results folder, if any) is in the folder."""
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names in (["scenario.yaml"], ["out", "scenario.yaml"]), names


def test_a_killed_worker_ends_the_run_with_exit_1_naming_its_task(tmp_path: Path) -> None:
    process = start(tmp_path, "--workers", "2")
    workers = wait_for_workers(process, 1)  # with --workers 2, this process is the other worker
    time.sleep(1.5)  # both are simulating
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "the run failed: the worker running replication" in err and "was killed by SIGKILL" in err
    assert "Traceback" not in out + err
    assert not any(alive(pid) for pid in workers)
    nothing_left(tmp_path)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_stopping_signal_mid_run_stops_workers_and_leaves_nothing(signum: int, code: int, tmp_path: Path) -> None:
    process = start(tmp_path, "--workers", "2")
    workers = wait_for_workers(process, 1)  # with --workers 2, this process is the other worker
    time.sleep(0.5)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert f"interrupted ({signal.Signals(signum).name})" in err and "Traceback" not in out + err
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    nothing_left(tmp_path)


def test_sigterm_while_loading_exits_cleanly(tmp_path: Path) -> None:
    process = start(tmp_path, "--workers", "1")
    time.sleep(0.3)  # imports and validation: the handler is set first thing in main
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode in (143, -signal.SIGTERM), err  # -15 only if the signal beat the interpreter's start
    assert "Traceback" not in out + err
    nothing_left(tmp_path)


def test_a_signal_that_an_import_turns_into_another_error_still_stops_cleanly(monkeypatch: pytest.MonkeyPatch,
                                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """SIGTERM landing inside an extension module's import can come out as an ImportError: it is
    still an interruption (143 and its message), not an internal error."""
    from sim import cli

    def loading(args: object) -> int:
        try:
            cli._stop(signal.SIGTERM, None)
        except KeyboardInterrupt:
            raise ImportError("initialization of _multiarray_umath raised unreported exception") from None
        return 0

    monkeypatch.setattr(cli, "_run", loading)
    assert main(["run", "scenario.yaml"]) == 143
    err = capsys.readouterr().err
    assert "interrupted (SIGTERM)" in err and "internal error" not in err and "Traceback" not in err
    assert main(["validate", "missing.yaml"]) == 2  # the next command starts afresh


def _signal_on(monkeypatch: pytest.MonkeyPatch, cls: type, method: str, signum: int, after: int = 0) -> None:
    """Send `signum` to this process on the call number `after` of `cls.method`."""
    original = getattr(cls, method)
    calls = [0]

    def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if calls[0] == after:
            os.kill(os.getpid(), signum)
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, wrapped)


def test_sigterm_while_the_folder_is_written_leaves_the_old_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(QUICK, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out)]) == 0
    before = (out / "manifest.json").read_bytes()
    _signal_on(monkeypatch, Path, "write_text", signal.SIGTERM, after=2)
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out), "--force", "--seed", "8"]) == 143
    assert "interrupted (SIGTERM)" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == before
    nothing_left(tmp_path)


def test_sigterm_during_the_swap_waits_for_it_to_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The renames that put the new folder in place hold stopping signals: the run stops after
    them, with the new results in place and no old folder beside them."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(QUICK, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out)]) == 0
    _signal_on(monkeypatch, Path, "rename", signal.SIGTERM)
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out), "--force", "--seed", "8"]) == 143
    assert json.loads((out / "manifest.json").read_text())["seed"] == 8
    nothing_left(tmp_path)


def _full_disk() -> None:
    """In the child: files cannot grow past 2 KiB, as on a full disk (EFBIG, not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def test_a_full_disk_fails_the_run_with_a_message_and_leaves_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(QUICK, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--quiet", "--workers", "1", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, preexec_fn=_full_disk)
    assert done.returncode == 1, done.stderr
    assert "cannot write or read" in done.stderr and "File too large" in done.stderr and "Traceback" not in done.stderr
    nothing_left(tmp_path)
    assert not (tmp_path / "out").exists()


def test_a_full_disk_leaves_the_previous_report_whole(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(QUICK, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out), "--report"]) == 0
    before = {p.name: p.read_bytes() for p in [out / "report.html", *sorted((out / "figures").iterdir())]}
    done = subprocess.run([sys.executable, "-m", "sim", "report", str(out)], capture_output=True, text=True, timeout=120,
                          preexec_fn=_full_disk)
    assert done.returncode == 1, done.stderr
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    after = {p.name: p.read_bytes() for p in [out / "report.html", *sorted((out / "figures").iterdir())]}
    assert after == before
    assert not list(out.rglob(".report.*"))


def test_two_scenarios_at_once_on_one_dask_cluster_do_not_share_tasks(tmp_path: Path) -> None:
    """Same variant names, same seed, different scenarios, run at the same time on one cluster:
    each results folder is the one a local run of its own scenario gives."""
    distributed = pytest.importorskip("dask.distributed")
    from sim.experiment import run as runner

    texts = {"a": QUICK, "b": QUICK.replace("doctor: 40", "doctor: 3")}
    paths = {name: tmp_path / f"{name}.yaml" for name in texts}
    for name, text in texts.items():
        paths[name].write_text(text, encoding="utf-8")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        folders: dict[str, Path] = {}

        def run(name: str) -> None:
            options = runner.RunOptions(out=tmp_path / f"dask_{name}", workers=2, scheduler=cluster.scheduler_address)
            folders[name] = runner.execute(runner.plan(paths[name], options), options)

        threads = [threading.Thread(target=run, args=(name,)) for name in texts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    for name in texts:
        options = runner.RunOptions(out=tmp_path / f"local_{name}", workers=1)
        local = runner.execute(runner.plan(paths[name], options), options)
        assert (folders[name] / "replications.csv").read_bytes() == (local / "replications.csv").read_bytes()
    assert (folders["a"] / "replications.csv").read_bytes() != (folders["b"] / "replications.csv").read_bytes()


def test_the_manifest_lists_every_file_with_its_digest(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(QUICK, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--quiet", "--workers", "1", "--out", str(out), "--events"]) == 0
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert set(files) == {*layout.RESULT_FILES[1:], "events.parquet"}
    for name, entry in files.items():
        assert writer.digest((out / name).read_bytes())["sha256"] == entry["sha256"]
    rows = (out / "replications.csv").read_text().count("\n") - 1
    assert files["replications.csv"]["rows"] == rows
