"""Experiments: every (variant, replication) task of a scenario, run by an executor.

A task's result depends only on its variant's scenario, its replication number and the
seed, so results are the same whatever the number of workers and the order in which tasks
finish; they are gathered by task, never by completion order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from sim.engine import ReplicationResult
from sim.experiment.pool import ProcessPool
from sim.experiment.tasks import Task, run_task
from sim.scenario import schema
from sim.scenario.loader import LoadedScenario

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "Task", "default_workers", "executor_for", "run_tasks", "tasks_for"]


class Executor(Protocol):
    """Runs tasks and yields each (task, result) as it finishes, in any order."""

    def run(self, scenarios: dict[str, schema.Scenario], tasks: Sequence[Task], seed: int,
            events: bool = False) -> Iterator[tuple[Task, ReplicationResult]]:
        """Results of `tasks`, as they finish (with event logs if `events`)."""
        ...

    def close(self) -> None:
        """Release what the executor holds (a cluster connection)."""
        ...


class SerialExecutor:
    """Runs every task in this process, one after the other."""

    def run(self, scenarios: dict[str, schema.Scenario], tasks: Sequence[Task], seed: int,
            events: bool = False) -> Iterator[tuple[Task, ReplicationResult]]:
        for task in tasks:
            yield task, run_task(task, scenarios, seed, events)

    def close(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """Runs tasks on this process and `workers - 1` local worker processes (started fresh, not
    forked, and watched: a worker that dies ends the run with an error naming its task)."""

    def __init__(self, workers: int):
        self.workers = workers

    def run(self, scenarios: dict[str, schema.Scenario], tasks: Sequence[Task], seed: int,
            events: bool = False) -> Iterator[tuple[Task, ReplicationResult]]:
        yield from ProcessPool(self.workers, run_task, (scenarios, seed, events)).run(tasks)

    def close(self) -> None:
        """Nothing to release: workers end with each run."""


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def executor_for(workers: int, scheduler: str | None = None) -> Executor:
    """The Dask executor if a scheduler address is given, else the local one for a number of
    workers (1 runs in this process)."""
    if scheduler is not None:
        from sim.experiment.cluster import DaskExecutor

        return DaskExecutor(scheduler)
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)


def tasks_for(variants: Sequence[str], replications: range) -> list[Task]:
    """Every task, replication-major so that early results cover every variant."""
    return [Task(v, r) for r in replications for v in variants]


def run_tasks(loaded: LoadedScenario, variants: Sequence[str], replications: range, seed: int, executor: Executor,
              on_done: Callable[[Task], None] | None = None, events: bool = False,
              on_result: Callable[[Task, ReplicationResult], None] | None = None) -> dict[Task, ReplicationResult]:
    """Run the tasks of the chosen variants and replications; results keyed by task. Each result
    goes to `on_result` as it arrives (to build tables meanwhile), then its task to `on_done`."""
    scenarios = {name: loaded.variant(name).scenario for name in variants}
    results: dict[Task, ReplicationResult] = {}
    for task, result in executor.run(scenarios, tasks_for(variants, replications), seed, events):
        results[task] = result
        if on_result is not None:
            on_result(task, result)
        if on_done is not None:
            on_done(task)
    return dict(sorted(results.items()))
