"""The local pool: this process is one of the workers, a single task starts no process, children
stay ahead, and any failure (a task's exception, a child's death) reaches the caller."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from sim.experiment import pool
from sim.experiment.cluster import batches
from sim.experiment.pool import ProcessPool, WorkerDied
from sim.experiment.tasks import Task

pytestmark = pytest.mark.unit


def where(task: int, scale: int) -> tuple[int, int]:
    """A task that says which process ran it."""
    return task * scale, os.getpid()


def fail_on(task: int, bad: int) -> int:
    """A task that raises on one value."""
    if task == bad:
        raise ValueError(f"task {task} failed")
    return task


def die_on(task: int, bad: int, parent: int) -> int:
    """A task whose process dies on one value, unless it is the parent process."""
    if task == bad and os.getpid() != parent:
        os._exit(3)
    return task


def test_every_task_runs_once_in_this_process_and_one_child() -> None:
    found = dict(ProcessPool(2, where, (10,)).run(range(40)))
    assert sorted(found) == list(range(40)) and all(value == k * 10 for k, (value, _) in found.items())
    pids = {pid for _, pid in found.values()}
    assert os.getpid() in pids and len(pids) == 2


def test_a_single_task_starts_no_process() -> None:
    assert dict(ProcessPool(4, where, (1,)).run([5])) == {5: (5, os.getpid())}


@pytest.mark.parametrize("bad", [0, 1, 7])
def test_an_exception_in_any_task_reaches_the_caller(bad: int) -> None:
    with pytest.raises(ValueError, match=f"task {bad} failed"):
        list(ProcessPool(2, fail_on, (bad,)).run(range(8)))


def test_a_dead_child_names_a_task_it_held() -> None:
    with pytest.raises(WorkerDied, match="exited with code 3"):
        list(ProcessPool(2, die_on, (1, os.getpid())).run(range(4)))  # the child's first tasks are 0 and 1


def early(count: int) -> list[int]:
    """Start `count` children early; their process ids."""
    pool.start_early(count, ("json",))
    return [process.pid for process, _ in pool._early]


def test_a_pool_takes_the_children_started_early_and_ends_them() -> None:
    started = early(1)
    found = dict(ProcessPool(2, where, (10,)).run(range(40)))
    assert {pid for _, pid in found.values()} == {os.getpid(), *started}
    assert not pool._early and not multiprocessing.active_children()


def test_children_started_early_and_not_needed_are_ended() -> None:
    early(2)
    assert dict(ProcessPool(4, where, (1,)).run([5])) == {5: (5, os.getpid())}  # one task: no child
    assert not pool._early and not multiprocessing.active_children()
    early(1)
    pool.end_early()  # the command stopped before its run
    assert not pool._early and not multiprocessing.active_children()


def test_a_child_that_died_waiting_is_replaced() -> None:
    dead, _ = child = pool._start(1, ())[0]
    pool._early.append(child)
    dead.kill()
    dead.join()
    pids = {pid for _, pid in dict(ProcessPool(2, where, (1,)).run(range(10))).values()}
    assert len(pids) == 2 and dead.pid not in pids
    assert not multiprocessing.active_children()


def test_dask_batches_keep_every_task_in_order_and_balance() -> None:
    for count, parts in [(120, 8), (7, 8), (10, 3), (1, 8), (0, 4), (9, 4), (41, 8)]:
        tasks = [Task("v", r) for r in range(count)]
        found = batches(tasks, parts)
        assert [t for batch in found for t in batch] == tasks and len(found) <= parts
        sizes = [len(batch) for batch in found]
        assert not sizes or max(sizes) - min(sizes) <= 1
