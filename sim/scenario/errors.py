"""Problems found in a scenario, located in its file, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario: where it is and what is wrong (and what was expected)."""

    file: str
    line: int
    column: int
    path: str
    message: str
    variant: str | None = None
    warning: bool = False
    """A doubt about the scenario, not an error: it runs, but probably not as meant."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        scope = f"variant '{self.variant}': " if self.variant else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {'warning: ' if self.warning else ''}{scope}{path}{self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be run, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.variant or "", p.line, p.column, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))
