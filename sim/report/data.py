"""A results folder as the report reads it: the manifest, the tidy tables and the scenario as run.

Everything comes from the files of the folder (docs/results.md), never from the scenario file
or the engine, so a report can be made on another machine, long after the run.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.compare import Line, NotAResultsFolder, key_lines, load_results
from sim.units import UnitError, parse_duration

TABLES = ("replications.csv", "occupancy.csv")
"""Tables read besides summary.csv and comparison.csv (which compare.load_results checks)."""


def value(text: str) -> float:
    """A number of a CSV row read as text; an empty cell (a value that does not exist) is NaN."""
    return float(text) if text != "" else math.nan


def read_table(path: Path) -> pd.DataFrame:
    """A tidy CSV of the results folder: only an empty cell is missing (a step may be named `NA`)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"variant": str, "scope": str, "resource": str})


@dataclass(frozen=True)
class Results:
    """The files of one results folder, read once."""

    folder: Path
    manifest: dict[str, Any]
    summary_rows: list[dict[str, str]]
    comparison_rows: list[dict[str, str]]
    scenarios: dict[str, dict[str, Any]]
    """Each variant's scenario as it was run (scenario.resolved.yaml)."""

    @property
    def baseline(self) -> str:
        """The variant the others are compared with."""
        return self.manifest["baseline"]

    @property
    def variants(self) -> list[str]:
        """Every variant run, the baseline among them, in the order of the scenario."""
        return list(self.manifest["variants"])

    @property
    def others(self) -> list[str]:
        """The variants compared with the baseline."""
        return [v for v in self.variants if v != self.baseline]

    @property
    def scenario(self) -> dict[str, Any]:
        """The baseline's scenario: name, description, sites and the rest."""
        return self.scenarios[self.baseline]

    @property
    def warmup(self) -> float:
        """Warm-up in minutes."""
        return parse_duration(self.scenario["run"].get("warmup", "0min"))

    @property
    def horizon(self) -> float:
        """Measured period in minutes."""
        return parse_duration(self.scenario["run"]["horizon"])

    @property
    def start(self) -> dt.datetime | None:
        """Calendar date of time 0, when the scenario names one."""
        value = self.scenario["run"].get("start")
        if value is None:
            return None
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return dt.datetime(day.year, day.month, day.day)

    @cached_property
    def lines(self) -> list[Line]:
        """The key metrics, as the terminal comparison table shows them."""
        return key_lines(self.summary_rows, self.baseline)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """summary.csv."""
        return read_table(self.folder / "summary.csv")

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """comparison.csv."""
        return read_table(self.folder / "comparison.csv")

    @cached_property
    def replications(self) -> pd.DataFrame:
        """replications.csv."""
        return read_table(self.folder / "replications.csv")

    @cached_property
    def occupancy(self) -> pd.DataFrame:
        """occupancy.csv."""
        return read_table(self.folder / "occupancy.csv")

    @cached_property
    def flows(self) -> pd.DataFrame | None:
        """flows.csv (absent from folders written before coopsim had cooperation rules)."""
        path = self.folder / "flows.csv"
        return read_table(path).astype({"stream": str, "origin": str, "site": str}) if path.exists() else None

    @property
    def events_path(self) -> Path | None:
        """events.parquet, when the run logged events."""
        path = self.folder / "events.parquet"
        return path if path.exists() else None

    def site_name(self, site: str) -> str:
        """A site's full name, or its identifier."""
        return str(self.scenario["sites"].get(site, {}).get("name") or site)

    def resource_label(self, scope: str) -> str:
        """`site.role` as a reader says it: "CH Tourcoing: ed box"."""
        site, _, role = scope.partition(".")
        return f"{self.site_name(site)}: {role.replace('_', ' ')}"


def load(folder: Path) -> Results:
    """Read a results folder; NotAResultsFolder when it is not one this coopsim can read."""
    folder = Path(folder)
    manifest, summary, comparison = load_results(folder)
    for name in (*TABLES, "scenario.resolved.yaml"):
        if not (folder / name).exists():
            raise NotAResultsFolder(f"{folder} has no {name}")
    try:
        scenarios = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))["variants"]
        missing = [v for v in manifest["variants"] if v not in scenarios]
    except (yaml.YAMLError, KeyError, TypeError) as err:
        raise NotAResultsFolder(f"{folder / 'scenario.resolved.yaml'} cannot be read: {err}") from None
    if missing or manifest.get("baseline") not in scenarios:
        raise NotAResultsFolder(f"{folder / 'scenario.resolved.yaml'} lacks variant {', '.join(missing or [str(manifest.get('baseline'))])}")
    results = Results(folder, manifest, summary, comparison, scenarios)
    try:  # read the run's times now, so that a damaged run block is bad input, not a crash later
        if results.warmup + results.horizon <= 0:
            raise ValueError("the run has no length")
        _ = results.start
    except (UnitError, KeyError, ValueError) as err:
        raise NotAResultsFolder(f"{folder / 'scenario.resolved.yaml'}: run: {err}") from None
    return results
