"""A scenario loaded `confined` reads data files from its own folder only (the what-if page on a
shared server); the command line reads them wherever the file says."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_text

pytestmark = pytest.mark.unit

TEXT = """version: 1
name: Series
run: {{horizon: 2d, replications: 2, seed: 1}}
sites: {{a: {{location: [50.0, 3.0], resources: {{bed: 2}}}}}}
arrivals: [{{name: p, at: a, series: {{file: {file}}}, pathway: stay}}]
pathways: {{stay: [{{use: bed, name: admission, for: 1h}}]}}
"""


def write_series(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("day,per_day\n0,10\n1,12\n", encoding="utf-8")


def test_a_series_inside_the_folder_is_read(tmp_path: Path) -> None:
    write_series(tmp_path / "bundle" / "data" / "series.csv")
    loaded = load_text(TEXT.format(file="data/series.csv"), "s.yaml", base_dir=tmp_path / "bundle", confined=True)
    assert loaded.base.arrivals[0].series.per_day == (10.0, 12.0)


@pytest.mark.parametrize("file", ["../outside.csv", "/etc/passwd", "data/../../outside.csv"])
def test_a_series_outside_the_folder_is_refused_with_its_line(tmp_path: Path, file: str) -> None:
    write_series(tmp_path / "outside.csv")
    (tmp_path / "bundle").mkdir()
    with pytest.raises(ScenarioError) as found:
        load_text(TEXT.format(file=file), "s.yaml", base_dir=tmp_path / "bundle", confined=True)
    assert "s.yaml:5:" in str(found.value) and "outside the scenario's folder" in str(found.value)
    unconfined = load_text(TEXT.format(file="../outside.csv"), "s.yaml", base_dir=tmp_path / "bundle")
    assert unconfined.base.arrivals[0].series.per_day == (10.0, 12.0)


def test_a_link_inside_the_folder_that_points_out_is_refused(tmp_path: Path) -> None:
    write_series(tmp_path / "outside.csv")
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "series.csv").symlink_to(tmp_path / "outside.csv")
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        load_text(TEXT.format(file="series.csv"), "s.yaml", base_dir=tmp_path / "bundle", confined=True)
