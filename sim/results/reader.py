"""Reading a results folder, and trusting nothing in it: the manifest has the shape coopsim
writes, every file it lists is there with its size and SHA-256, and the tables hold only the
manifest's variants and names of the safe alphabet, so that no name can become a path."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.results.layout import FORMAT_VERSION, NAME_RE, NAMED_COLUMNS, OWNED, RESULT_FILES, SCOPE_RE, TEXT_COLUMNS
from sim.scenario import schema


class NotAResultsFolder(ValueError):
    """A folder that does not hold intact coopsim results of the current format."""


MANIFEST_LIMIT = 16 * 1024 * 1024
"""Largest manifest.json read, in bytes."""


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
    saturation_driven: str | None = None


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


def read_scenarios(folder: Path, manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, schema.Scenario]]:
    """Each variant of scenario.resolved.yaml as written, and as the scenario language reads it
    (NotAResultsFolder if it cannot be read, lacks a variant, or is not a valid scenario)."""
    path = Path(folder) / "scenario.resolved.yaml"
    try:
        documents = yaml.safe_load(path.read_text(encoding="utf-8"))["variants"]
        missing = [v for v in manifest["variants"] if v not in documents]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as err:
        raise NotAResultsFolder(f"{path} cannot be read: {err}") from None
    if missing:
        raise NotAResultsFolder(f"{path} lacks variant {', '.join(missing)}")
    models = {}
    for variant in manifest["variants"]:
        try:  # each variant read as the scenario language defines it, or not at all
            models[variant] = schema.Scenario.model_validate(documents[variant])
        except pydantic.ValidationError as err:
            first = err.errors(include_url=False)[0]
            raise NotAResultsFolder(f"{path}: variant {variant}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return {v: documents[v] for v in manifest["variants"]}, models
