"""The what-if page in a real browser (Playwright driving Debian's Chromium), as a planner uses it:
open a shipped scenario, change a capacity, run, and read the headline that follows; no console
error, and no request leaves 127.0.0.1. Screenshots of each view are saved in docs/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import workers_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")]

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOTS = os.environ.get("COOPSIM_SCREENSHOTS") == "1"
SERVERS: dict[str, int] = {}
"""The process id of the server at each address."""
"""Refresh the screenshots in docs/ (COOPSIM_SCREENSHOTS=1); otherwise they go to a temporary folder."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`coopsim app` on a free port of 127.0.0.1: its address (its process id in SERVERS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=tmp_path_factory.mktemp("app"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"http://127.0.0.1:{port}"
    SERVERS[address] = process.pid
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2):
                break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "coopsim app did not start"
            time.sleep(0.3)
    yield address
    process.terminate()
    process.wait(10)


@pytest.fixture()
def browser_page(server: str) -> Iterator[tuple[object, list[str], list[str]]]:
    """A page of headless Chromium, with the console errors and the requests that left 127.0.0.1."""
    errors: list[str] = []
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else None)
        yield page, errors, outside
        browser.close()


def shot(page: object, name: str, folder: Path) -> None:
    """A full-page screenshot, in docs/ when refreshing them."""
    page.screenshot(path=str((DOCS if SCREENSHOTS else folder) / name), full_page=True)


def test_a_planner_changes_a_capacity_runs_and_reads_the_headline(server: str, browser_page: tuple, tmp_path: Path) -> None:
    page, errors, outside = browser_page
    page.goto(server)
    page.get_by_text("coopsim: what if hospitals cooperate?").wait_for(timeout=60_000)
    scenario = page.get_by_label("Scenario", exact=True)
    scenario.click()
    page.get_by_role("option", name="tourcoing_ed", exact=True).click()
    cubicles = page.get_by_label("CH Tourcoing: ED cubicles")
    cubicles.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    shot(page, "app-screenshot.png", tmp_path)
    cubicles.fill("30")
    cubicles.press("Enter")
    replications = page.get_by_label("Replications").first  # the run's; the target search has its own
    replications.fill("3")
    replications.press("Enter")
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Run the what-if").click()
    page.get_by_text("In brief").wait_for(timeout=120_000)
    headline = page.get_by_text("what_if: the wait for a cubicle is").inner_text()
    assert "shorter" in headline
    page.get_by_text("Occupancy over time (daily mean)").wait_for(timeout=30_000)
    page.set_viewport_size({"width": 1400, "height": 2600})  # the page scrolls inside Streamlit's frame: show it all
    page.wait_for_timeout(1500)
    shot(page, "app-results-screenshot.png", tmp_path)
    assert not errors, errors
    assert not outside, outside


def test_the_page_in_french(server: str, browser_page: tuple, tmp_path: Path) -> None:
    page, errors, outside = browser_page
    page.goto(server)
    page.get_by_text("coopsim: what if hospitals cooperate?").wait_for(timeout=60_000)
    page.get_by_text("Français").click()
    page.get_by_text("coopsim : et si les hôpitaux coopéraient ?").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Lancer la simulation").wait_for(timeout=30_000)
    shot(page, "app-fr-screenshot.png", tmp_path)
    assert not errors, errors
    assert not outside, outside


def test_cancel_stops_a_run_and_its_workers(server: str, browser_page: tuple) -> None:
    page, errors, outside = browser_page
    page.goto(server)
    page.get_by_text("coopsim: what if hospitals cooperate?").wait_for(timeout=60_000)
    page.get_by_label("Scenario", exact=True).click()
    page.get_by_role("option", name="lille_metropole_ed_network", exact=True).click()
    page.get_by_text("CHU de Lille", exact=False).first.wait_for(timeout=30_000)  # the Lille page is drawn
    replications = page.get_by_label("Replications").first
    for _ in range(5):  # 57,000 patients x 2 variants x 150: under the page's bound, over a minute of work
        replications.fill("150")
        replications.press("Enter")
        page.wait_for_timeout(1500)
        if replications.input_value() == "150":
            break
    assert replications.input_value() == "150"
    page.get_by_role("button", name="Run the what-if").click()
    page.get_by_text("Running").first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 30
    while not workers_of(SERVERS[server]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_of(SERVERS[server]), "the run started no worker"
    page.get_by_role("button", name="Cancel").click()
    deadline = time.monotonic() + 30
    while workers_of(SERVERS[server]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not workers_of(SERVERS[server]), "a worker outlived the cancelled run"
    page.wait_for_timeout(1000)
    assert page.get_by_text("Running").count() == 0 and page.get_by_text("In brief").count() == 0
    assert not errors, errors
    assert not outside, outside
