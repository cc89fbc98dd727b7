"""The results folder the report tests share: run once per test session, with its event log
and its report; tests copy it before changing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.report.write import write_report
from tests.report.two_sites import SCENARIO


def results_of(tmp_path_factory: pytest.TempPathFactory, name: str, text: str, events: bool = True) -> Path:
    """The results folder of a scenario given as text (with its event log unless told), with its report."""
    where = tmp_path_factory.mktemp(name)
    (where / f"{name}.yaml").write_text(text, encoding="utf-8")
    folder = where / "results"
    assert main(["run", str(where / f"{name}.yaml"), "--out", str(folder), "--workers", "1", "--quiet", *(["--events"] if events else [])]) == 0
    write_report(folder)
    return folder


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of the two-sites scenario, with events.parquet and report.html."""
    return results_of(tmp_path_factory, "two_sites", SCENARIO)
