"""Local worker processes that run tasks and are watched: a worker that dies (killed by the
out-of-memory killer, say) ends the run with an error naming its task, instead of leaving it to
wait forever as `multiprocessing.Pool` does.

With N workers, this process is one of them and N - 1 are started fresh (spawn): they receive
the scenarios once, then run the tasks sent over their own pipe. This process runs a task
whenever no result is waiting, so a child's start (a second of imports) costs no idle core, and
a single task never starts a process; a command can start them earlier still (`start_early`), so
that they import what a task needs while it loads and checks the scenario. Each child is kept
`AHEAD` tasks ahead, so that it finds its next task in its pipe when it sends a result:
per-task overhead is the pickling of a result and nothing more. The parent looks at every pipe and every process at once, so it sees a result
and a death alike. Once every result is in, the children, idle, are ended at once (SIGTERM),
not waited for while their interpreter shuts down.
"""

from __future__ import annotations

import importlib
import multiprocessing
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

AHEAD = 2
"""Tasks sent to a child before its results come back: its next task is always waiting."""

Child = tuple[BaseProcess, Connection]
"""A worker process and this process's end of its pipe."""

_early: list[Child] = []
"""Children started by `start_early`, waiting for this process's next pool."""


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


def _worker(connection: Connection, preload: tuple[str, ...]) -> None:
    """A worker's life: import `preload`, receive the function and its shared arguments, then run
    each task received with them and send the outcome back (from a thread, so that the next task
    starts while a large result is still being read)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and a closed terminal are the parent's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    for module in preload:
        importlib.import_module(module)
    try:
        run, shared = connection.recv()
    except (EOFError, OSError):
        return  # the parent is gone, or needed no worker after all
    outcomes: queue.Queue[tuple[str, Any, Any] | None] = queue.Queue()
    sender = threading.Thread(target=_send_all, args=(connection, outcomes), daemon=True)
    sender.start()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            break  # the parent is gone
        try:
            outcomes.put(("done", task, run(task, *shared)))
        except Exception as err:  # sent back and raised in the parent, where it is reported
            outcomes.put(("failed", task, err))
    outcomes.put(None)
    sender.join()


def _start(count: int, preload: tuple[str, ...]) -> list[Child]:
    """`count` fresh worker processes (spawned, not forked), each importing `preload`."""
    context = multiprocessing.get_context("spawn")
    children = []
    for _ in range(count):
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, preload), daemon=True)
        process.start()
        child.close()
        children.append((process, parent))
    return children


def start_early(count: int, preload: tuple[str, ...]) -> None:
    """Start `count` worker processes now for this process's next pool, each importing the
    modules `preload` names while this process goes on (they are ended with it if unused)."""
    _early.extend(_start(count, preload))


def end_early() -> None:
    """End the children `start_early` started that no pool took (the command stopped before its run)."""
    left = _early[:]
    _early.clear()
    _end(left)


def _send_all(connection: Connection, outcomes: queue.Queue[tuple[str, Any, Any] | None]) -> None:
    """Send each outcome to the parent, in order, until told to stop."""
    while (outcome := outcomes.get()) is not None:
        try:
            connection.send(outcome)
        except (BrokenPipeError, EOFError):
            return  # the parent is gone
        except Exception as err:  # an exception that does not pickle
            connection.send(("failed", outcome[1], RemoteError(f"{type(err).__name__}: {err}")))


class ProcessPool:
    """`workers` processes, this one included, running `run(task, *shared)` for each task."""

    def __init__(self, workers: int, run: Callable[..., Any], shared: tuple[Any, ...]):
        self.workers, self.run_task, self.shared = workers, run, shared

    def run(self, tasks: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        """(task, result) for every task, as they finish; WorkerDied if a worker dies on one."""
        pending = deque(tasks)
        wanted = max(0, min(self.workers, len(pending)) - 1)
        children = [child for child in _early[:wanted] if child[0].is_alive()]
        _early[:] = [child for child in _early if child not in children]
        sent: dict[Connection, deque[Any]] = {}
        try:
            end_early()  # those this run does not take, and any that died waiting
            children += _start(wanted - len(children), (self.run_task.__module__,))
            for process, connection in children:
                try:
                    connection.send((self.run_task, self.shared))
                    sent[connection] = deque()
                    self._feed(connection, sent[connection], pending)
                except (BrokenPipeError, OSError):
                    process.join(1)
                    raise WorkerDied(sent[connection][0] if sent.get(connection) else "its first task", process.exitcode) from None
            while pending or any(sent.values()):
                busy = [c for c, queued in sent.items() if queued]
                watched = busy + [p.sentinel for p, c in children if c in busy]
                ready = set(wait(watched, timeout=0 if pending else None)) if watched else set()
                if not ready:
                    task = pending.popleft()
                    yield task, self.run_task(task, *self.shared)
                    continue
                for process, connection in children:
                    if connection in ready:
                        try:
                            kind, task, value = connection.recv()
                        except (EOFError, OSError):
                            process.join(1)
                            raise WorkerDied(sent[connection][0], process.exitcode) from None
                        if kind == "failed":
                            raise value
                        sent[connection].popleft()
                        self._feed(connection, sent[connection], pending)
                        yield task, value
                    elif sent.get(connection) and process.sentinel in ready:
                        process.join(1)
                        raise WorkerDied(sent[connection][0], process.exitcode)
        finally:
            _end(children)

    @staticmethod
    def _feed(connection: Connection, queued: deque[Any], pending: deque[Any]) -> None:
        """Send a child tasks until it has `AHEAD` of them (or none are left)."""
        while pending and len(queued) < AHEAD:
            queued.append(pending.popleft())
            connection.send(queued[-1])


def _end(children: list[Child]) -> None:
    """End children at once: idle once every result is in (no wait for their interpreters to shut
    down), or stopped early."""
    for process, _ in children:
        if process.is_alive():
            process.terminate()
    for process, connection in children:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        connection.close()
