"""Local worker processes that run tasks one at a time and are watched: a worker that dies
(killed by the out-of-memory killer, say) ends the run with an error naming its task, instead
of leaving it to wait forever as `multiprocessing.Pool` does.

Each worker is started fresh (spawn), receives the scenarios once, then runs the tasks the
parent sends it over its own pipe. The parent waits on every pipe and on every process at
once, so it sees a result and a death alike.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

STOP = None
"""What the parent sends a worker when there is nothing left to do."""


class WorkerDied(RuntimeError):
    """A worker process ended while it ran a task."""

    def __init__(self, task: Any, exitcode: int | None):
        self.task, self.exitcode = task, exitcode
        if exitcode is not None and exitcode < 0:
            name = signal.Signals(-exitcode).name if -exitcode in signal.Signals._value2member_map_ else f"signal {-exitcode}"
            how = f"was killed by {name}" + (" (the system may have run out of memory)" if name == "SIGKILL" else "")
        else:
            how = f"exited with code {exitcode}"
        super().__init__(f"the worker running {task} {how}")


class RemoteError(RuntimeError):
    """An exception raised in a worker that could not be sent back as itself."""


def _worker(connection: Connection, run: Callable[..., Any], shared: tuple[Any, ...]) -> None:
    """A worker's life: run each task received with the shared arguments, send the outcome back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and a closed terminal are the parent's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is STOP:
            return
        try:
            outcome = ("done", task, run(task, *shared))
        except Exception as err:  # sent back and raised in the parent, where it is reported
            outcome = ("failed", task, err)
        try:
            connection.send(outcome)
        except Exception as err:  # an exception that does not pickle
            connection.send(("failed", task, RemoteError(f"{type(err).__name__}: {err}")))


class ProcessPool:
    """`workers` watched processes running `run(task, *shared)` for each task."""

    def __init__(self, workers: int, run: Callable[..., Any], shared: tuple[Any, ...]):
        self.workers, self.run_task, self.shared = workers, run, shared

    def run(self, tasks: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        """(task, result) for every task, as they finish; WorkerDied if a worker dies on one."""
        context = multiprocessing.get_context("spawn")
        pending = deque(tasks)
        processes, busy = [], {}
        try:
            for _ in range(min(self.workers, len(pending))):
                parent, child = context.Pipe()
                process = context.Process(target=_worker, args=(child, self.run_task, self.shared), daemon=True)
                process.start()
                child.close()
                processes.append((process, parent))
                busy[parent] = pending.popleft()
                parent.send(busy[parent])
            while busy:
                ready = set(wait(list(busy) + [p.sentinel for p, c in processes if c in busy]))
                for process, connection in processes:
                    if connection in busy and connection in ready:
                        try:
                            kind, task, value = connection.recv()
                        except (EOFError, OSError):
                            process.join(1)
                            raise WorkerDied(busy[connection], process.exitcode) from None
                        if kind == "failed":
                            raise value
                        yield task, value
                        busy.pop(connection)
                        if pending:
                            busy[connection] = pending.popleft()
                            connection.send(busy[connection])
                        else:
                            connection.send(STOP)
                    elif connection in busy and process.sentinel in ready:
                        process.join(1)
                        raise WorkerDied(busy[connection], process.exitcode)
        finally:
            for process, _ in processes:
                if process.is_alive():
                    process.terminate()
            for process, connection in processes:
                process.join(5)
                if process.is_alive():
                    process.kill()
                    process.join()
                connection.close()
