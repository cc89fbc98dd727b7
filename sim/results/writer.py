"""Writing the results folder (SPEC section 6) atomically.

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
import itertools
import json
import math
import os
import platform
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__
from sim.results.layout import FORMAT_VERSION, OWNED


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


def csv_text(rows: Iterable[dict[str, Any]], columns: list[str], digits: int | None = None, header: bool = True) -> str:
    """A CSV table with the given columns, LF line ends; floats rounded to `digits` if given
    (without its header line, rows to append to a table)."""
    blank = itertools.repeat("")  # below, a text is its own cell
    cells = ([value if type(value) is str else cell(value, digits) for value in map(row.get, columns, blank)] for row in rows)
    return csv_rows(itertools.chain([columns] if header else [], cells))


def csv_rows(rows: Iterable[list[str]]) -> str:
    """CSV lines of rows whose cells are already texts (LF line ends, quoted as `csv.writer` quotes)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def csv_blocks(blocks: Iterable[tuple[int, dict[str, Any]]], columns: list[str], digits: int | None = None) -> str:
    """The CSV table `csv_text` writes for the same rows, from blocks of rows given column-wise
    (their number, and per column an array or one value for all): the same bytes, formatted
    an array at a time instead of a Python call per cell."""
    lines = [_line(columns)]
    for count, block in blocks:
        cells = [_column(block.get(c, ""), count, digits) for c in columns]
        lines += map(",".join, zip(*cells))
    return "\n".join(lines) + "\n"


def _column(values: Any, count: int, digits: int | None) -> list[str]:
    """`cell` of each value of a column: an array, or one value repeated."""
    if not isinstance(values, np.ndarray):
        return [_field(cell(values, digits))] * count
    if values.dtype.kind in "iu":
        return list(map(str, values.tolist()))
    if values.dtype.kind != "f":
        return [_field(cell(v, digits)) for v in values.tolist()]
    x = values.astype(float)
    if digits is not None:
        return _rounded(x, digits)
    texts = np.array(list(map(repr, x.tolist())), dtype=object)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(x) & (x == np.floor(x)) & (np.abs(x) < 1e15)
    texts[whole] = list(map(str, x[whole].astype(np.int64).tolist()))
    texts[np.isnan(x)] = ""
    return texts.tolist()


def _rounded(x: np.ndarray, digits: int) -> list[str]:
    """`cell` of each float with `digits` significant digits. Its text of `digits` digits is the
    cell itself (what `cell` reads back and writes again is the same shortest text) except where
    it may be an exponent, "-0" or infinite: those few go through `cell`; NaN is empty."""
    texts = list(map(f"%.{digits}g".__mod__, x.tolist()))
    magnitude = np.abs(x)
    missing = np.isnan(x)
    with np.errstate(invalid="ignore"):
        odd = np.isinf(x) | ((magnitude < 1e-4) & (x != 0)) | (magnitude >= 0.5 * 10.0**digits) | ((x == 0) & np.signbit(x))
    for k in np.flatnonzero(odd).tolist():
        texts[k] = cell(float(x[k]), digits)
    for k in np.flatnonzero(missing).tolist():
        texts[k] = ""
    return texts


def _line(fields: list[str]) -> str:
    """One CSV line of text fields, quoted as `csv.writer` quotes them."""
    return ",".join(_field(f) for f in fields)


def _field(text: str) -> str:
    """A text field quoted as `csv.writer` would (only when it holds a comma, a quote or a line end)."""
    if not any(c in text for c in ',"\r\n'):
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([text])
    return buffer.getvalue()[:-1]


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
