"""Where the tests find the repository's files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository."""

SCENARIOS = ROOT / "scenarios"
"""The shipped scenarios."""

RESULTS = ROOT / "results"
"""The committed reference results of the shipped scenarios."""

SPEC_EXAMPLE = ROOT / "tests" / "scenario" / "data" / "spec_example.yaml"
"""The example scenario of the product specification."""

INVALID = ROOT / "tests" / "scenario" / "invalid"
"""The corpus of invalid and hostile scenario files."""
