"""The map's content (sites, outlines, flows) and the server's launch: offline options, bound to
this machine, and a page served."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from sim.app import geo, launch
from sim.results.names import names_of
from sim.scenario.loader import load_file
from tests.paths import SCENARIOS

pytestmark = pytest.mark.unit


def test_the_outlines_are_the_five_departements_and_the_border() -> None:
    features = geo.outlines()
    departments = {f["properties"]["code"]: f for f in features if f["properties"]["kind"] == "department"}
    assert set(departments) == {"59", "62", "80", "02", "60"}
    border = next(f for f in features if f["properties"]["kind"] == "border")
    points = border["geometry"]["coordinates"]
    assert points[0] == [2.5455, 51.089] and all(1.3 < lon < 6.0 and 48.8 < lat < 51.2 for lon, lat in points)
    text = (geo.OUTLINES.parent / "SOURCE.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in text and "IGN" in text


def test_sites_carry_their_sector_and_capacities() -> None:
    loaded = load_file(SCENARIOS / "hainaut_covid_surge.yaml")
    scenario = loaded.variant("alone").scenario
    sites = {s["site"]: s for s in geo.site_table(scenario, names_of([scenario]))}
    assert sites["valenciennes"]["sector"] == "public" and sites["vauban"]["sector"] == "private"
    assert (sites["valenciennes"]["lat"], sites["valenciennes"]["lon"]) == (50.3569, 3.5067)
    assert any(c.startswith("ICU beds: 23") for c in sites["valenciennes"]["capacities"])


def test_flows_are_the_transfers_between_sites_of_one_variant() -> None:
    rows = [{"variant": "v", "metric": "transfers", "scope": "a>b", "stat": "count", "mean": "27.4"},
            {"variant": "v", "metric": "transfers", "scope": "all", "stat": "count", "mean": "30"},
            {"variant": "v", "metric": "transfers", "scope": "a>c", "stat": "count", "mean": "0"},
            {"variant": "w", "metric": "transfers", "scope": "a>b", "stat": "count", "mean": "5"},
            {"variant": "v", "metric": "transfers", "scope": "a>b", "stat": "transport_mean", "mean": "21"}]
    assert geo.flows_of(rows, "v") == [geo.Flow("a", "b", 27.4)]


def test_the_map_draws_outlines_sites_and_arrows_scaled_by_transfers() -> None:
    loaded = load_file(SCENARIOS / "hainaut_covid_surge.yaml")
    scenario = loaded.variant("clinics").scenario
    figure = geo.figure(scenario, names_of([scenario]), [geo.Flow("valenciennes", "vauban", 27.4), geo.Flow("valenciennes", "parc", 1.5)])
    lines = [t for t in figure.data if t.mode == "lines"]
    assert len(lines) >= 6
    sectors = {t.name for t in figure.data if t.mode == "markers+text"}
    assert sectors == {"public", "private"}
    widths = sorted(a.arrowwidth for a in figure.layout.annotations)
    assert widths == [1.0, geo.MAX_ARROW]
    assert json.loads(figure.to_json())  # plain JSON: nothing to fetch from the internet (no tiles, no geo traces)
    assert not any(t.type in ("scattergeo", "scattermapbox", "scattermap", "choroplethmap") for t in figure.data)


def test_the_server_runs_offline_and_on_this_machine_only() -> None:
    command = launch.streamlit_command(8600, "127.0.0.1", None)
    options = dict(zip(command[5::2], command[6::2], strict=False))
    assert options["--server.address"] == "127.0.0.1" and options["--browser.gatherUsageStats"] == "false"
    assert options["--server.headless"] == "true" and options["--server.maxUploadSize"] == "1"
    command = launch.streamlit_command(8600, "127.0.0.1", "tcp://10.0.0.5:8786")
    assert command[-3:] == ["--", "--scheduler", "tcp://10.0.0.5:8786"]
    assert launch.scheduler_of(command[command.index("--") + 1:]) == "tcp://10.0.0.5:8786"
    assert launch.scheduler_of([]) is None and launch.scheduler_of(["--scheduler"]) is None


def test_coopsim_app_serves_the_page(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.poll() is not None else ""
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
            assert answer.status == 200 and b"<title>" in answer.read().lower()
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize("options, said", [(["--port", "99999"], "not a port"), (["--port", "http"], "not a port"),
                                           (["--address", "0.0.0.0; rm -rf /"], "not an IP address or a host name"),
                                           (["--address", ""], "not an IP address or a host name"),
                                           (["--scheduler", "nowhere"], "not a scheduler address")])
def test_a_bad_option_is_refused_with_exit_2(options: list[str], said: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sim", "app", *options], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_the_shipped_scenarios_are_found_from_any_folder(tmp_path, monkeypatch) -> None:
    from sim.app import session

    monkeypatch.chdir(tmp_path)
    assert {"tourcoing_ed", "hainaut_covid_surge"} <= set(session.shipped())


def test_a_port_in_use_is_refused_with_exit_2() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "sim", "app", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"--port {port}: the port is already in use" in done.stderr and "Traceback" not in done.stderr
