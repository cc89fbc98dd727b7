"""SimPy's event protocol as the engine relies on it, declared in one place.

The engine runs on SimPy's `Environment` but schedules its own light objects instead of
`simpy.Event`s, so that a patient's timed step costs one heap entry and no allocation. This
leans on four things SimPy does (read in `simpy/core.py`, `Environment.step` and `schedule`),
tested with SimPy 4.1.1 and 4.1.2:

- `env.schedule(event, priority, delay)` pushes `(now + delay, priority, next(env._eid), event)`
  onto `env._queue`, a heap;
- `Environment.step` pops the earliest entry, sets `event.callbacks` to None and calls each of
  its former callbacks with the event;
- it then reads `event._ok`, and only a falsy one (a failed event) needs anything more;
- `env._eid` is the counter that numbers scheduled events;
- `env._now` is the clock that `env.now` returns.

`Wakeup` is the base of every such object. Besides `scheduled`, `pending` and `heap`, only the
hot steps (a timed step, an arrival, a unit freed) read SimPy's private fields: they read the
clock as `env._now` and push onto the heap exactly the entry `schedule` would, without the call. A new SimPy release is checked against this module by
`tests/engine/test_events.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from simpy.core import Environment

NORMAL = 1
"""SimPy's priority for ordinary events."""


class Wakeup:
    """Something the engine puts on SimPy's schedule: SimPy calls its `callbacks` when its time
    comes (each with the object itself), having first set them to None."""

    __slots__ = ("callbacks",)
    _ok = True
    """SimPy's mark of an event that succeeded: these never fail."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = None

    def wake(self, env: Environment, delay: float, callback: Callable[[Any], None]) -> None:
        """Be woken after `delay` minutes by `callback(self)`."""
        self.callbacks = [callback]
        env.schedule(self, NORMAL, delay)


def heap(env: Environment) -> tuple[list[tuple[float, int, int, Any]], Iterator[int]]:
    """SimPy's heap and event counter: `heappush(queue, (env._now + delay, NORMAL, next(eid), x))`
    is `env.schedule(x, NORMAL, delay)` without the call."""
    return env._queue, env._eid


def scheduled(env: Environment) -> int:
    """How many events have been scheduled so far (SimPy numbers them from 0)."""
    return next(env._eid)


def pending(env: Environment) -> Iterator[Any]:
    """The objects still on the schedule, in no particular order."""
    return (entry[3] for entry in env._queue)
