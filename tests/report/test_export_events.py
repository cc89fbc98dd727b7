"""The vidigi export: vidigi's columns, an arrival and a departure for every patient, and unit
numbers rebuilt so that no two patients hold one unit at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.report.vidigi import COLUMNS, export_vidigi, units
from sim.results import NotAResultsFolder

pytestmark = pytest.mark.unit

CAPACITY = {"a.bed": 10, "a.box": 8, "a.doctor": 3, "a.mri": 1, "b.bed": 12}
"""The most units each resource of the two-sites scenario ever has."""


@pytest.fixture(scope="module")
def log(report_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = export_vidigi(report_folder, tmp_path_factory.mktemp("vidigi") / "log.csv")
    return pd.read_csv(out, keep_default_na=False, na_values=[""])


def test_columns_are_vidigis(log: pd.DataFrame) -> None:
    assert list(log.columns) == COLUMNS
    assert set(log["event_type"]) == {"arrival_departure", "queue", "resource_use", "resource_use_end"}
    assert set(log.loc[log["event_type"] == "arrival_departure", "event"]) == {"arrival", "depart"}
    used = log["event_type"].isin(["resource_use", "resource_use_end"])
    assert log.loc[used, "resource_id"].notna().all() and log.loc[~used, "resource_id"].isna().all()
    assert (log["pathway"] == log["stream"]).all()
    assert {"exam_wait_begins", "exam_begins", "exam_complete", "mri_access_booked", "admission_transport"} <= set(log["event"])


def test_every_patient_arrives_and_departs_once(log: pd.DataFrame) -> None:
    patients = log.groupby("entity_id")
    assert (patients[["variant", "run_number", "stream", "patient"]].nunique() == 1).all().all()
    assert patients.ngroups == len(log[["variant", "run_number", "stream", "patient"]].drop_duplicates())
    moves = log[log["event_type"] == "arrival_departure"]
    assert (moves.groupby(["entity_id", "event"]).size() == 1).all()
    assert moves.groupby("entity_id").size().eq(2).all()
    first, last = patients["time"].min(), patients["time"].max()
    arrivals = moves[moves["event"] == "arrival"].set_index("entity_id")["time"]
    departures = moves[moves["event"] == "depart"].set_index("entity_id")["time"]
    assert (arrivals == first[arrivals.index]).all() and (departures == last[departures.index]).all()
    assert {"leave", "end_of_run"} <= set(moves["coopsim_event"])
    assert (moves.loc[moves["coopsim_event"] == "end_of_run", "time"] == 8 * 1440).all()


def test_no_unit_is_held_by_two_patients_and_none_exceeds_the_peak(log: pd.DataFrame) -> None:
    used = log[log["event_type"].isin(["resource_use", "resource_use_end"])].copy()
    used["start"] = used["event_type"] == "resource_use"
    for (variant, run, resource), group in used.groupby(["variant", "run_number", "resource"]):
        ordered = group.sort_values(["time", "start"], kind="stable")
        peak = int(np.where(ordered["start"], 1, -1).cumsum().max())
        assert group["resource_id"].max() == peak <= CAPACITY[resource], (variant, run, resource)
        for unit, holds in ordered.groupby("resource_id"):
            kinds = holds["start"].to_numpy()
            holders = holds["entity_id"].to_numpy()
            # one unit: start, end, start, end... each end by the patient that started it (one left at the end at most)
            assert (kinds[::2]).all() and not kinds[1::2].any(), (variant, run, resource, unit)
            assert (holders[1::2] == holders[: len(holders) // 2 * 2 : 2]).all()


def test_units_take_the_lowest_free_one() -> None:
    # group 0: A and B start, A ends, C starts (takes A's unit 1); B ends; D holds for no time (its end sorted first)
    groups = np.zeros(8, dtype=int)
    holders = np.array([1, 2, 1, 3, 2, 4, 4, 3])
    starts = np.array([True, True, False, True, False, False, True, False])
    assert units(groups, holders, starts).tolist() == [1, 2, 1, 1, 2, 2, 2, 1]
    # one patient holding two units frees them last in, first out; a new group starts from unit 1
    assert units(np.array([0, 0, 0, 1]), np.array([5, 5, 5, 6]), np.array([True, True, False, True])).tolist() == [1, 2, 2, 1]


def test_parquet_when_the_name_says_so(report_folder: Path, tmp_path: Path, log: pd.DataFrame) -> None:
    table = pd.read_parquet(export_vidigi(report_folder, tmp_path / "log.parquet"))
    assert list(table.columns) == COLUMNS and len(table) == len(log)
    assert str(table["resource_id"].dtype) == "Int64"


def test_default_file_and_folder_without_events(report_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "results"
    shutil.copytree(report_folder, folder, ignore=shutil.ignore_patterns("figures", "report.html"))
    assert export_vidigi(folder) == folder / "events_vidigi.csv"
    (folder / "events.parquet").unlink()
    with pytest.raises(NotAResultsFolder, match="events.parquet is missing"):
        export_vidigi(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]["events.parquet"]  # as a run without --events writes it
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(NotAResultsFolder, match="--events"):
        export_vidigi(folder)


def test_cli_export_events(report_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "log.parquet"
    assert main(["export-events", str(report_folder), "--format", "vidigi", "--out", str(out)]) == 0
    assert out.exists() and str(out) in capsys.readouterr().out
    assert main(["export-events", str(tmp_path), "--format", "vidigi"]) == 2
    assert "not a coopsim results folder" in capsys.readouterr().err
    assert main(["export-events", str(report_folder), "--out", str(tmp_path / "no" / "such" / "dir.csv")]) == 2
