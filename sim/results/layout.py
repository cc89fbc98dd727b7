"""What a results folder holds: its files, the format of its manifest, and the alphabet of the
names in its tables (variants, steps, streams, sites, resources)."""

from __future__ import annotations

import re

RESULT_FILES = ("manifest.json", "scenario.resolved.yaml", "replications.csv", "summary.csv", "comparison.csv", "occupancy.csv",
                "flows.csv")
"""Files every results folder has."""


OWNED = (*RESULT_FILES, "events.parquet", "report.html", "results.xlsx", "figures", "summary.html", "summary.md", "report.fr.html",
         "figures.fr", "summary.fr.html", "summary.fr.md", "events_vidigi.csv", "events_vidigi.parquet")
"""Everything coopsim may write into a results folder (`run`, `report`, `export-events`)."""


def report_names(lang: str) -> dict[str, str]:
    """The files the report writes in `lang`: English keeps the plain names, French adds `.fr`."""
    suffix = "" if lang == "en" else f".{lang}"
    return {"report": f"report{suffix}.html", "summary": f"summary{suffix}.html", "markdown": f"summary{suffix}.md",
            "figures": f"figures{suffix}"}


FORMAT_VERSION = 2
"""Version of the results folder layout, recorded in the manifest (2: each file's digest and size)."""


NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=+#-]{0,255}(/[A-Za-z0-9_][A-Za-z0-9_.=+#-]{0,255})?$")
"""Variant names as a results folder may hold them: a declared name, a sweep point, or both
(`VARIANT/POINT`); never a path such as `../x`."""


SCOPE_RE = re.compile(r"^[A-Za-z0-9_.:@>]{1,512}$")
"""Scopes of the tables: step, stream, `site.role`, `name@site`, `key:stream`, `from>to`."""


NAMED_COLUMNS = ("scope", "resource", "stream", "origin", "site")
"""Columns holding names from the scenario, which must be of the safe alphabet."""


TEXT_COLUMNS = frozenset({"variant", "baseline", "metric", "scope", "stat", "unit", "resource", "stream", "origin", "site"})
"""Columns of the tables that hold text; every other one holds numbers (or nothing)."""
