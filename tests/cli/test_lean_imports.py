"""Commands import only what they need: `--help` and `validate` start without matplotlib, pandas
or scipy, and `run` without matplotlib or pandas, and without scipy at all where no duration is
a truncated normal (its intervals read scipy's quantiles from a table; SPEC: start-up is part of
every run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import SCENARIOS

pytestmark = pytest.mark.unit

HEAVY = ("matplotlib", "pandas", "pyarrow", "scipy.stats")


def loaded_after(arguments: list[str], cwd: Path) -> set[str]:
    """The heavy modules loaded once `coopsim ARGUMENTS` has run in a fresh interpreter."""
    script = ("import json, sys\nfrom sim.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              f"print(json.dumps([m for m in {[*HEAVY, 'scipy']!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, cwd=cwd)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_and_validate_import_no_plotting_table_or_statistics_library(tmp_path: Path) -> None:
    assert loaded_after(["--help"], tmp_path) == set()
    assert loaded_after(["validate", str(SCENARIOS / "tourcoing_ed.yaml")], tmp_path) == set()


def test_a_run_imports_no_plotting_or_table_library(tmp_path: Path) -> None:
    scenario = SCENARIOS / "tourcoing_ed.yaml"
    found = loaded_after(["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(tmp_path / "out")], tmp_path)
    assert (tmp_path / "out" / "replications.csv").exists()
    assert not found & {*HEAVY, "scipy"}, found
