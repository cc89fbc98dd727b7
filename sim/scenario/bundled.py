"""The scenarios shipped with coopsim, found by file or by name."""

from __future__ import annotations

from pathlib import Path

import yaml


def scenarios_dir() -> Path:
    """The `scenarios/` folder of the working directory if any, else the one of the source tree."""
    local = Path.cwd() / "scenarios"
    return local if local.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


def bundled() -> list[Path]:
    """Every shipped scenario file, sorted by name."""
    folder = scenarios_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def resolve(name: str) -> Path:
    """A scenario path as given, or the bundled scenario of that name (with or without .yaml)."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") and path.parent != Path("."):
        return path
    candidate = scenarios_dir() / (name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    return candidate if candidate.exists() else path


def summary(path: Path) -> tuple[str, str]:
    """Name and first sentence of the description of a scenario file, without validating it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ("(unreadable)", "")
    description = " ".join(str(data.get("description", "")).split())
    first = description.split(". ")[0].rstrip(".")
    return (str(data.get("name", "")), first + ("." if first else ""))
