"""The results folder (SPEC section 6), written atomically.

Everything is written into a temporary folder beside the target, renamed into place only
when complete: an interrupted or failed run leaves no half-written folder. Numbers are
written in Python's shortest round-trip form, so the same results give the same bytes.
An existing folder is replaced only when it is a results folder (it has the manifest and
nothing coopsim did not write), so `--force` can never delete a user's own files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import __version__

RESULT_FILES = ("manifest.json", "scenario.resolved.yaml", "replications.csv", "summary.csv", "comparison.csv", "occupancy.csv",
                "flows.csv")
"""Files every results folder has."""

OWNED = (*RESULT_FILES, "events.parquet", "report.html", "figures", "events_vidigi.csv", "events_vidigi.parquet")
"""Everything coopsim may write into a results folder (`run`, `report`, `export-events`)."""

FORMAT_VERSION = 2
"""Version of the results folder layout, recorded in the manifest (2: each file's digest and size)."""


class BadOutput(ValueError):
    """An output folder that coopsim must not write or replace."""

DEPENDENCIES = ("simpy", "numpy", "scipy", "pandas", "pydantic", "PyYAML")


class ResultsExist(BadOutput):
    """The output folder exists and overwriting was not asked for."""


def is_results_folder(folder: Path) -> bool:
    """Whether a folder has a coopsim manifest (so that it holds results, not a user's files)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(manifest, dict) and "format" in manifest and "coopsim" in manifest


def check_output(target: Path, force: bool) -> None:
    """Refuse, before any work, an output that cannot be written or must not be replaced:
    an empty path, a file, a link, a folder without the manifest or with files coopsim did not
    write, or a place that cannot be written."""
    if not str(target).strip():
        raise BadOutput("--out is empty (name the results folder to write)")
    if target.is_symlink():
        raise BadOutput(f"{target} is a symbolic link: name the folder itself")
    if target.exists():
        if not target.is_dir():
            raise BadOutput(f"{target} exists and is not a folder: coopsim will not replace it")
        if not force:
            raise ResultsExist(f"{target} exists: choose another --out or pass --force to replace it")
        if not is_results_folder(target):
            raise BadOutput(f"{target} is not a coopsim results folder (no readable manifest.json): "
                            "--force replaces only results folders, choose another --out")
        foreign = sorted(p.name for p in target.iterdir() if p.name not in OWNED)
        if foreign:
            raise BadOutput(f"{target} holds files coopsim did not write ({', '.join(foreign[:5])}"
                            f"{', ...' if len(foreign) > 5 else ''}): --force will not delete them, choose another --out")
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise BadOutput(f"cannot create {target}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadOutput(f"cannot create {target}: {parent} is not writable")


def digest(content: str | bytes, rows: int | None = None) -> dict[str, Any]:
    """What the manifest records of a file, to detect a truncated or changed one: its SHA-256,
    its size in bytes and, for a table, its rows (the header aside)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    entry: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if rows is not None:
        entry["rows"] = rows
    return entry


HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that wait while the folder is swapped into place."""


@contextmanager
def signals_held() -> Iterator[None]:
    """Delay SIGINT, SIGTERM and SIGHUP while a few renames must happen together: one received
    meanwhile is raised again, to its own handler, once they are done. (Handlers can be changed
    from the main thread only; elsewhere the renames run as they are.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: received.append(signum)) for signum in HELD}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signal.raise_signal(received[0])


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
    """Write `files` (name to content) into `target` atomically; refuse an existing target unless
    `force`, and any target `check_output` refuses. Nothing is left beside it, whatever happens."""
    target = Path(target)
    check_output(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the results folder is an ordinary one
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="\n")
        with signals_held():
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
                target.rename(old / target.name)
                staging.rename(target)
                shutil.rmtree(old)
            else:
                staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def command_line() -> list[str]:
    """The command line of this process, program name first."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]


class NotAResultsFolder(ValueError):
    """A folder that does not hold intact coopsim results of the current format."""


MANIFEST_LIMIT = 16 * 1024 * 1024
"""Largest manifest.json read, in bytes."""

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=+#-]{0,255}(/[A-Za-z0-9_][A-Za-z0-9_.=+#-]{0,255})?$")
"""Variant names as a results folder may hold them: a declared name, a sweep point, or both
(`VARIANT/POINT`); never a path such as `../x`."""

SCOPE_RE = re.compile(r"^[A-Za-z0-9_.:@>]{1,512}$")
"""Scopes of the tables: step, stream, `site.role`, `name@site`, `key:stream`, `from>to`."""


def _same_file(path: Path, entry: Any) -> str | None:
    """What is wrong with a file of the folder against its manifest entry, if anything."""
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("bytes"), int):
        return "has no valid entry in the manifest"
    if path.is_symlink() or not path.is_file():
        return "is missing" if not path.exists() else "is not a regular file"
    size = path.stat().st_size
    if size != entry["bytes"]:
        return f"has {size:,} bytes, the manifest says {entry['bytes']:,} (truncated or changed)"
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    if hasher.hexdigest() != entry["sha256"]:
        return "does not match its SHA-256 in the manifest (changed after the run)"
    return None


class _Loose(BaseModel):
    """A part of the manifest: the fields coopsim reads must have their type; others may be."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class _ScenarioFile(_Loose):
    file: str
    sha256: str


class _AdviceMetric(_Loose):
    variant: str
    metric: str
    scope: str
    stat: str
    unit: str = ""
    mean: float
    half_width: float | None = None
    relative_half_width: float | None = None
    precise: bool = False
    replications_needed: int | None = None


class _Advice(_Loose):
    precision: float
    absolute_tolerance: dict[str, float] = Field(default_factory=dict)
    metrics: list[_AdviceMetric] = Field(default_factory=list)


class _Manifest(_Loose):
    """The shape of manifest.json that the readers of a results folder rely on."""

    format: int
    coopsim: str
    scenario: _ScenarioFile
    seed: int
    replications: Annotated[int, Field(ge=1)]
    variants: Annotated[list[Annotated[str, Field(pattern=NAME_RE.pattern)]], Field(min_length=1)]
    baseline: str
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    python: str = ""
    dependencies: dict[str, str] = Field(default_factory=dict)
    command: list[str] = Field(default_factory=list)
    timing: dict[str, Any] = Field(default_factory=dict)
    host: dict[str, Any] = Field(default_factory=dict)
    replication_advice: _Advice | None = None
    files: dict[str, dict[str, Any]]


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an intact results folder, every file checked against it (presence, size,
    SHA-256) and every variant name against the safe alphabet; NotAResultsFolder otherwise."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not folder.is_dir() or not path.exists():
        raise NotAResultsFolder(f"{folder} is not a coopsim results folder (no manifest.json)")
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MANIFEST_LIMIT:
            raise ValueError("not a regular file of at most 16 MiB")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise NotAResultsFolder(f"{path} cannot be read: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise NotAResultsFolder(f"{folder} was written by an incompatible coopsim (results format {found!r}, expected "
                                f"{FORMAT_VERSION}): run the scenario again")
    try:
        _Manifest.model_validate(manifest)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise NotAResultsFolder(f"{path}: {where}: {first['msg']}") from None
    files = manifest.get("files")
    if not isinstance(files, dict) or not set(RESULT_FILES[1:]) <= set(files) or not set(files) <= set(OWNED):
        raise NotAResultsFolder(f"{path} does not list the folder's files as coopsim writes them")
    for name, entry in files.items():
        problem = _same_file(folder / name, entry)
        if problem:
            raise NotAResultsFolder(f"{folder / name} {problem}")
    variants, baseline = manifest.get("variants"), manifest.get("baseline")
    if (not isinstance(variants, list) or not variants or not all(isinstance(v, str) and NAME_RE.match(v) for v in variants)
            or baseline not in variants or not isinstance(manifest.get("replications"), int)):
        raise NotAResultsFolder(f"{path} has invalid variants, baseline or replications")
    return manifest


NAMED_COLUMNS = ("scope", "resource", "stream", "origin", "site")
"""Columns holding names from the scenario, which must be of the safe alphabet."""


def read_rows(folder: Path, name: str, manifest: dict[str, Any], columns: Iterable[str]) -> list[dict[str, str]]:
    """The rows of a table of an intact results folder (see `read_manifest`), as strings, once
    the header has `columns`, every variant is one of the manifest's and every name is safe."""
    path = Path(folder) / name
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise NotAResultsFolder(f"{path} cannot be read: {err}") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise NotAResultsFolder(f"{path} lacks the column(s) {', '.join(missing)}")
    for column in (c for c in columns if c not in TEXT_COLUMNS):
        for k, row in enumerate(rows):
            if not _number_or_empty(row.get(column)):
                raise NotAResultsFolder(f"{path} row {k + 2}: {column} {str(row.get(column))[:80]!r} is not a number")
    check_names(path, [row.get("variant") for row in rows], {c: [row.get(c) for row in rows] for c in NAMED_COLUMNS if c in header},
                manifest)
    return rows


TEXT_COLUMNS = frozenset({"variant", "baseline", "metric", "scope", "stat", "unit", "resource", "stream", "origin", "site"})
"""Columns of the tables that hold text; every other one holds numbers (or nothing)."""


def _number_or_empty(text: Any) -> bool:
    """Whether a cell reads as a number, or is empty (a value that does not exist)."""
    if text == "":
        return True
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def check_names(path: Path, variants: Iterable[Any], named: dict[str, Iterable[Any]], manifest: dict[str, Any]) -> None:
    """NotAResultsFolder unless every variant is one of the manifest's and every name is safe."""
    known = set(manifest["variants"])
    for k, variant in enumerate(variants):
        if variant not in known:
            raise NotAResultsFolder(f"{path} row {k + 2}: variant {str(variant)[:80]!r} is not one of the manifest's")
    for column, values in named.items():
        for k, value in enumerate(values):
            if not isinstance(value, str) or not SCOPE_RE.match(value):
                raise NotAResultsFolder(f"{path} row {k + 2}: {column} {str(value)[:80]!r} is not a name coopsim writes")
