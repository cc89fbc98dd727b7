"""Fixtures shared by every folder of tests, and the tiers that every test module declares.

Tiers (markers, `pytest -m theory` runs one): `unit` (one piece, exactly), `theory` (against
queueing theory or exact invariants, with tolerances from confidence intervals),
`reproducibility` (same seed same bytes, any workers, common random numbers, back-tests of the
shipped scenarios), `browser` (a real Chromium), `slow` (statistical, more than a few seconds),
`fault` (killed workers, signals, a full disk, a shared cluster) and `bench` (benchmarks).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TIERS = ("unit", "theory", "reproducibility", "browser", "slow", "fault", "bench")

NEEDED = ("simpy", "numpy", "scipy", "pandas", "pydantic", "yaml", "rich", "matplotlib", "pyarrow", "hypothesis", "openpyxl")
"""What the suite imports beyond the standard library: coopsim's dependencies and its test extra."""


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, with the command that fixes it, when the suite runs without its dependencies
    (rather than one import error per test folder)."""
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise pytest.UsageError(f"the tests need {', '.join(missing)}, missing from this Python ({sys.executable}): install "
                                "coopsim with its test extra first, as the README's second set-up command does "
                                "(pip install -e \".[test]\" in a virtual environment)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that belongs to no tier: each module says which with `pytestmark`."""
    unmarked = sorted({item.nodeid.split("::")[0] for item in items if not any(item.get_closest_marker(t) for t in TIERS)})
    if unmarked:
        raise pytest.UsageError(f"tests without a tier ({', '.join(TIERS)}): {', '.join(unmarked)}")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """Write scenario text into the test's folder; its path (`name` defaults to scenario.yaml)."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
