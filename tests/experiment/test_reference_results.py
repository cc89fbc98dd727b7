"""Back-tests: the committed reference results of shipped scenarios are what the engine makes now.

For each scenario below, the first replications of every variant are run again and their rows
of `replications.csv`, formatted as the results folder writes them, must equal the committed
rows byte for byte. A change that silently alters results fails here; a deliberate one
regenerates the reference folder (`coopsim run scenarios/NAME.yaml --force`) in the same commit.
"""

from __future__ import annotations

import csv
import io

import pytest

from sim.experiment.executors import SerialExecutor, run_tasks
from sim.experiment.run import ReplicationText
from sim.scenario.loader import load_file
from tests.paths import ROOT

pytestmark = pytest.mark.reproducibility

CHECKED = {
    "artois_specialist_cooperation": 2,
    "ed_boarding": 2,
    "hainaut_covid_surge": 2,
    "lille_metropole_ed_network": 1,
    "nord_covid_wave2": 2,
    "tourcoing_ed": 2,
    "tourcoing_mri_gie": 2,
    "zoast_tourcoing_mouscron": 2,
}
"""Scenario name to the number of first replications rerun."""


def _committed_rows(name: str, replications: int) -> tuple[list[str], list[str]]:
    text = (ROOT / "results" / name / "replications.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    column = header.split(",").index("replication")
    kept = [row for row in rows if int(next(csv.reader(io.StringIO(row)))[column]) < replications]
    return header.split(","), kept


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_reference_results_are_reproduced(name: str) -> None:
    replications = CHECKED[name]
    loaded = load_file(ROOT / "scenarios" / f"{name}.yaml")
    header, committed = _committed_rows(name, replications)
    results = run_tasks(loaded, loaded.names, range(replications), loaded.base.run.seed, SerialExecutor())
    text = ReplicationText(loaded, loaded.names)  # as `coopsim run` writes replications.csv
    for task, result in reversed(results.items()):  # in any order
        text.add(task, result)
    table, count = text.text(results)
    assert table.split("\n", 1)[0].split(",") == header
    fresh = table.splitlines()[1:]
    assert count == len(fresh)
    assert len(fresh) == len(committed), f"{name}: {len(fresh)} rows now, {len(committed)} committed"
    changed = [(a, b) for a, b in zip(fresh, committed) if a != b]
    assert not changed, f"{name}: {len(changed)} rows differ from results/{name}, first: now {changed[0][0]!r}, committed {changed[0][1]!r}"
