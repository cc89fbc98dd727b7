"""The results folder the report tests share: run once per test session, with its event log
and its report; tests copy it before changing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.report import write_report
from tests.report.two_sites import SCENARIO


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of the two-sites scenario, with events.parquet and report.html."""
    where = tmp_path_factory.mktemp("two_sites")
    (where / "two_sites.yaml").write_text(SCENARIO, encoding="utf-8")
    folder = where / "results"
    assert main(["run", str(where / "two_sites.yaml"), "--out", str(folder), "--events", "--workers", "1", "--quiet"]) == 0
    write_report(folder)
    return folder
