"""The data files of the shipped scenarios are what scenarios/data/make_series.py makes from the copies
of the sources in scenarios/data/source/, byte for byte; nothing reads outside the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.reproducibility

DATA = ROOT / "scenarios" / "data"
SCRIPT = DATA / "make_series.py"


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("series")
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True, cwd=out)
    return out


def test_the_derivation_writes_every_committed_series(derived):
    made = sorted(p.name for p in derived.glob("*.csv"))
    committed = sorted(p.name for p in DATA.glob("*.csv"))
    assert made == committed


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.csv")))
def test_committed_series_are_reproduced_byte_for_byte(derived, name):
    assert (derived / name).read_bytes() == (DATA / name).read_bytes()


def test_sources_are_in_the_repository_with_their_licence():
    source = DATA / "source"
    assert (source / "covid_admissions_nord_pas_de_calais_2020.csv").is_file()
    licence = (source / "LICENCE.md").read_text(encoding="utf-8")
    assert "Santé publique France" in licence and "Etalab" in licence


def test_nothing_reads_the_shared_folder():
    texts = [SCRIPT.read_text(encoding="utf-8"), (DATA / "compare_nord_observed.py").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "scenarios").glob("*.yaml")]
    assert not any("shared" in text and "../" in text for text in texts)


def test_series_cover_the_covid_scenarios():
    from sim.scenario.loader import load_file

    for name in ("nord_covid_wave2.yaml", "hainaut_covid_surge.yaml"):
        scenario = load_file(ROOT / "scenarios" / name).base
        days = (scenario.run.warmup + scenario.run.horizon) / 1440
        for arrival in scenario.arrivals:
            if arrival.series is not None:
                assert len(arrival.series.per_day) >= days, (name, arrival.name)


def test_nord_comparison_table_from_a_results_folder(tmp_path):
    """compare_nord_observed.py reads a results folder and prints one row per observation."""
    out = tmp_path / "nord"
    subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "nord_covid_wave2.yaml"),
                    "--replications", "2", "--variants", "no_cooperation", "--workers", "1", "--quiet",
                    "--out", str(out)], check=True, capture_output=True, cwd=tmp_path)
    printed = subprocess.run([sys.executable, str(DATA / "compare_nord_observed.py"), str(out)],
                             check=True, capture_output=True, text=True).stdout
    rows = [line for line in printed.splitlines() if line.startswith("| 2020-")]
    assert len(rows) == 5
    assert "| 2020-10-30 | all COVID inpatients | 1,396 |" in printed
    for row in rows:
        model = row.split("|")[4].strip()
        mean = float(model.split(" ")[0].replace(",", ""))
        assert 100 < mean < 2000
