"""The results folder (SPEC section 6), written atomically.

Everything is written into a temporary folder beside the target, renamed into place only
when complete: an interrupted or failed run leaves no half-written folder. Numbers are
written in Python's shortest round-trip form, so the same results give the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__

RESULT_FILES = ("manifest.json", "scenario.resolved.yaml", "replications.csv", "summary.csv", "comparison.csv", "occupancy.csv",
                "flows.csv")
"""Files every results folder has."""

FORMAT_VERSION = 1
"""Version of the results folder layout, recorded in the manifest."""

DEPENDENCIES = ("simpy", "numpy", "scipy", "pandas", "pydantic", "PyYAML")


class ResultsExist(FileExistsError):
    """The output folder exists and overwriting was not asked for."""


def cell(value: Any, digits: int | None = None) -> str:
    """A CSV cell: shortest exact float (or `digits` significant ones), empty for NaN,
    integers without a decimal point."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return ""
        if digits is not None:
            value = float(f"{value:.{digits}g}")
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def csv_text(rows: Iterable[dict[str, Any]], columns: list[str], digits: int | None = None) -> str:
    """A CSV table with the given columns, LF line ends; floats rounded to `digits` if given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c, ""), digits) for c in columns])
    return buffer.getvalue()


def dependency_versions() -> dict[str, str]:
    """Installed versions of coopsim's main dependencies."""
    found = {}
    for name in DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def manifest(scenario_path: str, sha256: str, seed: int, replications: int, variants: list[str], baseline: str,
             params: dict[str, dict[str, Any]], command: list[str], wall_seconds: float, workers: int) -> dict[str, Any]:
    """The manifest: what was run and with what; `timing` and `host` vary between runs, nothing else does."""
    return {
        "format": FORMAT_VERSION,
        "coopsim": __version__,
        "scenario": {"file": Path(scenario_path).name, "sha256": sha256},
        "seed": seed,
        "replications": replications,
        "variants": variants,
        "baseline": baseline,
        "parameters": params,
        "python": platform.python_version(),
        "dependencies": dependency_versions(),
        "command": command,
        "timing": {"wall_seconds": round(wall_seconds, 3), "workers": workers},
        "host": {"name": platform.node(), "platform": platform.platform(), "cpus": os.cpu_count()},
    }


def resolved_yaml(variants: dict[str, dict[str, Any]]) -> str:
    """Each variant as it was run, after merging."""
    return yaml.safe_dump({"variants": variants}, sort_keys=False, allow_unicode=True, width=100)


def write_folder(target: Path, files: dict[str, str | bytes], force: bool = False) -> Path:
    """Write `files` (name to content) into `target` atomically; refuse an existing target unless `force`."""
    target = Path(target)
    if target.exists() and not force:
        raise ResultsExist(f"{target} exists: choose another --out or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the results folder is an ordinary one
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="\n")
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def command_line() -> list[str]:
    """The command line of this process, program name first."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
