"""The unit of work of an experiment: one replication of one variant, and how it is run.

A task's result depends only on its variant's scenario, its replication number and the seed,
so every executor (this process, local workers, a Dask cluster) gives the same result for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sim import __version__
from sim.engine import ReplicationResult, simulate
from sim.scenario import schema


@dataclass(frozen=True, order=True)
class Task:
    """One replication of one variant."""

    variant: str
    replication: int

    def __str__(self) -> str:
        return f"replication {self.replication} of variant '{self.variant}'"


def run_task(task: Task, scenarios: dict[str, schema.Scenario], seed: int, events: bool) -> ReplicationResult:
    """Run one task of the given scenarios (by variant) with the root seed."""
    return simulate(scenarios[task.variant], task.replication, seed, events=events)


def scenario_digest(scenario: schema.Scenario) -> str:
    """A digest of a resolved variant and of the coopsim that runs it: two tasks with the same
    digest, replication and seed give the same result, whatever scenario file they came from."""
    text = f"coopsim {__version__}\n{scenario.model_dump_json(warnings=False)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
