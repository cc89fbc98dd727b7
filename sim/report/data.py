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

from sim.report.terminal import load_results
from sim.results import NotAResultsFolder
from sim.results.keys import Line, key_lines
from sim.results.layout import NAMED_COLUMNS, TEXT_COLUMNS
from sim.results.names import Names, names_of
from sim.results.reader import check_names, read_scenarios
from sim.scenario import schema


def value(text: str) -> float:
    """A number of a CSV row read as text; an empty cell (a value that does not exist) is NaN."""
    return float(text) if text != "" else math.nan


def read_table(path: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """A tidy CSV of the results folder: only an empty cell is missing (a step may be named `NA`);
    its variants must be the manifest's, its names safe and its other columns numbers."""
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dict.fromkeys(TEXT_COLUMNS, str))
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as err:
        raise NotAResultsFolder(f"{path} cannot be read: {err}") from None
    if "variant" not in table.columns:
        raise NotAResultsFolder(f"{path} lacks the column variant")
    check_names(path, table["variant"].unique(), {c: table[c].unique() for c in NAMED_COLUMNS if c in table.columns}, manifest)
    swept = {path for values in manifest.get("parameters", {}).values() for path in values}
    numbers = [c for c in table.columns if c not in TEXT_COLUMNS and c not in swept]
    wrong = [c for c in numbers if len(table) and not pd.api.types.is_numeric_dtype(table[c])]
    if wrong:
        raise NotAResultsFolder(f"{path}: column {wrong[0]} holds something other than numbers")
    return table


@dataclass(frozen=True)
class Results:
    """The files of one results folder, read once."""

    folder: Path
    manifest: dict[str, Any]
    summary_rows: list[dict[str, str]]
    comparison_rows: list[dict[str, str]]
    scenarios: dict[str, schema.Scenario]
    """Each variant's scenario as it was run, read through the scenario language."""
    documents: dict[str, dict[str, Any]]
    """Each variant as scenario.resolved.yaml writes it, for the differences between variants."""
    lang: str = "en"
    """The language of the report: `en` or `fr`."""

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
    def scenario(self) -> schema.Scenario:
        """The baseline's scenario: name, description, sites and the rest."""
        return self.scenarios[self.baseline]

    @property
    def warmup(self) -> float:
        """Warm-up in minutes."""
        return self.scenario.run.warmup

    @property
    def horizon(self) -> float:
        """Measured period in minutes."""
        return self.scenario.run.horizon

    @property
    def start(self) -> dt.datetime | None:
        """Calendar date of time 0, when the scenario names one."""
        day = self.scenario.run.start
        return None if day is None else dt.datetime(day.year, day.month, day.day)

    @cached_property
    def lines(self) -> list[Line]:
        """The key metrics, as the terminal comparison table shows them."""
        return key_lines(self.summary_rows, self.baseline, self.names)

    @cached_property
    def names(self) -> Names:
        """Steps, resources, streams and sites as people name them, in the report's language."""
        return names_of(list(self.scenarios.values()), self.lang)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """summary.csv."""
        return read_table(self.folder / "summary.csv", self.manifest)

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """comparison.csv."""
        return read_table(self.folder / "comparison.csv", self.manifest)

    @cached_property
    def replications(self) -> pd.DataFrame:
        """replications.csv."""
        return read_table(self.folder / "replications.csv", self.manifest)

    @cached_property
    def occupancy(self) -> pd.DataFrame:
        """occupancy.csv."""
        return read_table(self.folder / "occupancy.csv", self.manifest)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """flows.csv."""
        return read_table(self.folder / "flows.csv", self.manifest)

    @property
    def events_path(self) -> Path | None:
        """events.parquet, when the run logged events."""
        path = self.folder / "events.parquet"
        return path if path.exists() else None

    def site_name(self, site: str) -> str:
        """A site's full name, or its identifier."""
        return self.names.site(site)

    def resource_label(self, scope: str) -> str:
        """`site.role` as a reader says it: "CH Tourcoing: ED cubicles"."""
        return self.names.resource(scope)


def load(folder: Path, lang: str = "en") -> Results:
    """Read a results folder (for a report in `lang`); NotAResultsFolder when it is not one this coopsim can read."""
    folder = Path(folder)
    manifest, summary, comparison = load_results(folder)
    documents, models = read_scenarios(folder, manifest)
    results = Results(folder, manifest, summary, comparison, models, documents, lang)
    for table in ("summary", "comparison", "replications", "occupancy", "flows"):
        getattr(results, table)  # every table read and checked now, so that a damaged one is bad input, not a crash later
    return results
