"""report.html in a real browser: headless Chromium driven over the DevTools protocol.

The client is a few lines of stdlib: Chromium started with --remote-debugging-pipe reads
NUL-terminated JSON commands on fd 3 and writes responses and events on fd 4 (no port, no
websocket, no extra package). The test loads the page, then asserts no console error, no
network request, every image rendered and every key section present; it saves a full-page
screenshot and prints the page to PDF.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")]

FDS_3_AND_4 = "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); os.execv(sys.argv[3], sys.argv[3:])"
"""Started before Chromium: puts our pipes on the fds the protocol uses (commands in on 3, replies out on 4),
then becomes Chromium. (A shell cannot: dash redirects only fds 0-9; preexec_fn is not safe beside threads.)
The reply pipe is opened second, so its number is above 3 and the first dup2 cannot close it."""

CHECKS = """(async () => {
  const images = [...document.images];
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return {
    images: images.map(img => ({alt: img.alt, width: img.naturalWidth, height: img.naturalHeight})),
    sections: [...document.querySelectorAll("section[id]")].map(s => s.id),
    title: document.title,
    findings: document.querySelectorAll("table.findings tbody tr").length,
  };
})()"""


class Browser:
    """Headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="coopsim-chromium-")
        to_browser, self._send = os.pipe()
        self._receive, from_browser = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", FDS_3_AND_4, str(to_browser), str(from_browser), CHROMIUM,
             "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
             "--mute-audio", "--hide-scrollbars", f"--user-data-dir={self.profile}", "--window-size=1280,900", "about:blank"],
            pass_fds=(to_browser, from_browser), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._receive, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self.messages.put(json.loads(message))

    def _wait(self, match: Any) -> dict[str, Any]:
        """The next message for which `match` is true; events seen meanwhile are kept."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"Chromium said nothing for {self.timeout:g} s (exit code {self.process.poll()})") from None
            if "method" in message:
                self.events.append(message)
            if match(message):
                return message

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send a command (to the page when `session`) and return its result."""
        self._next += 1
        command = {"id": self._next, "method": method, "params": params}
        if session:
            command["sessionId"] = self.session
        os.write(self._send, json.dumps(command).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == command["id"])
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page."""
        return self.call(method, session=True, **params)

    def open(self, path: Path) -> None:
        """Load a file and wait for its load event."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.page(f"{domain}.enable")
        self.page("Page.navigate", url=path.resolve().as_uri())
        if not any(e["method"] == "Page.loadEventFired" for e in self.events):
            self._wait(lambda m: m.get("method") == "Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (a promise is awaited)."""
        result = self.page("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result["result"]["value"]

    def screenshot(self, path: Path, height: int | None = None) -> None:
        """A PNG of the page, 1280 px wide, `height` px tall (default: the whole page)."""
        full = self.page("Page.getLayoutMetrics")["cssContentSize"]["height"]
        self.page("Emulation.setDeviceMetricsOverride", width=1280, height=int(height or full), deviceScaleFactor=1, mobile=False)
        path.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"]))

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, error log entries and network requests seen so far."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                found.append(f"console.{p['type']}: {p['args']}")
            elif e["method"] == "Runtime.exceptionThrown":
                found.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                found.append(f"log: {p['entry']['text']}")
            elif e["method"] == "Network.requestWillBeSent" and not p["request"]["url"].startswith(("file:", "data:")):
                found.append(f"network request: {p['request']['url']}")
        return found

    def close(self) -> None:
        """Close the browser, its pipes and its profile."""
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._send)
        self._reader.join(timeout=10)  # the browser gone, its end of the reply pipe is closed: the reader sees the end
        os.close(self._receive)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Browser()
    yield chromium
    chromium.close()


def test_report_renders_in_chromium(browser: Browser, report_folder: Path, tmp_path: Path) -> None:
    report = report_folder
    browser.open(report / "report.html")
    page = browser.evaluate(CHECKS)
    assert page["title"].startswith("Two hospitals and a scanner")
    assert {"brief", "scenario", "findings", "differences", "occupancy", "waits", "flows", "methods"} <= set(page["sections"])
    assert page["findings"] > 5
    assert len(page["images"]) == len(list((report / "figures").glob("*.png")))
    assert all(img["width"] > 0 and img["height"] > 0 for img in page["images"]), page["images"]
    browser.screenshot(tmp_path / "report.png")
    assert (tmp_path / "report.png").stat().st_size > 10_000
    pdf = base64.b64decode(browser.page("Page.printToPDF", printBackground=True)["data"])
    assert pdf.startswith(b"%PDF")
    assert browser.problems() == []


@pytest.fixture(scope="module")
def french(report_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared results folder with its French report and summary."""
    from sim.report.write import write_report

    folder = tmp_path_factory.mktemp("french") / "results"
    shutil.copytree(report_folder, folder)
    write_report(folder, "fr")
    return folder


@pytest.mark.parametrize("name", ["report.fr.html", "summary.html", "summary.fr.html"])
def test_the_french_report_and_both_summaries_render_and_print(browser: Browser, french: Path, tmp_path: Path, name: str) -> None:
    browser.events.clear()
    browser.open(french / name)
    page = browser.evaluate(CHECKS)
    language = browser.evaluate("document.documentElement.lang")
    assert language == ("fr" if ".fr." in name else "en")
    text = browser.evaluate("document.body.innerText")
    assert "overflow" in text and "base" in text  # every variant is on the page
    if name == "report.fr.html":
        assert {"findings", "agreement", "methods"} <= set(page["sections"]) and "Qui gagne, qui paie" in text
        assert all(img["width"] > 0 for img in page["images"])
    pdf = base64.b64decode(browser.page("Page.printToPDF", printBackground=True, paperWidth=8.27, paperHeight=11.69)["data"])
    assert pdf.startswith(b"%PDF")
    if name.startswith("summary"):
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page
    assert browser.problems() == []
