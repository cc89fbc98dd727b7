"""Moving the switches of rules with a time in force: at the bounds of their periods, or when a
watched resource's occupancy has crossed a threshold for long enough (`docs/semantics.md`,
Cooperation rules). A switch never happens inside another event: it is its own SimPy event, at
the same instant when the condition asks for no delay.
"""

from __future__ import annotations

from array import array
from typing import Any

from simpy.core import Environment

from sim.cooperation import Hysteresis, Switch, merged
from sim.engine.events import NORMAL, Wakeup
from sim.engine.resources import Resource


class PeriodSwitcher(Wakeup):
    """Puts a rule in force at the start of each of its periods and out of force at their end."""

    __slots__ = ("env", "switch", "bounds", "_k")

    def __init__(self, env: Environment, switch: Switch, periods: list[tuple[float, float]], end: float):
        self.env, self.switch = env, switch
        self.bounds = [(at, on) for start, stop in merged(periods) for at, on in ((start, True), (stop, False)) if at < end]
        self._k = 0
        self.callbacks = None
        if self.bounds and self.bounds[0][0] <= env.now:  # in force from the start
            switch.set(env.now, True)
            self._k = 1
        self._next()

    def _next(self) -> None:
        if self._k < len(self.bounds):
            self.callbacks = [self._flip]
            self.env.schedule(self, NORMAL, self.bounds[self._k][0] - self.env.now)

    def _flip(self, _: Any) -> None:
        self.switch.set(self.env.now, self.bounds[self._k][1])
        self._k += 1
        self._next()


class Deadline(Wakeup):
    """The moment a switch condition will have held long enough, unless it breaks before."""

    __slots__ = ("watch",)

    def __init__(self, watch: StateWatch):
        self.watch = watch
        self.callbacks = [watch.expire]


class StateWatch:
    """Switches a rule on when the watched resource's occupancy has stayed above a share for
    long enough, and off again when it has stayed below a lower share for long enough."""

    __slots__ = ("env", "switch", "decide", "resource", "pending")

    def __init__(self, env: Environment, switch: Switch, decide: Hysteresis, resource: Resource):
        self.env, self.switch, self.decide, self.resource = env, switch, decide, resource
        self.pending: Deadline | None = None
        """The deadline of the condition holding now, if it holds."""
        if not isinstance(resource.changes, WatchedChanges):
            watched = WatchedChanges(resource.changes)
            watched.resource, watched.watches = resource, []
            resource.changes = resource.log.changes = watched
        resource.changes.watches.append(self)
        self.observe(env.now, resource.busy, resource.capacity)

    def observe(self, now: float, busy: int, capacity: int) -> None:
        """After each change of the watched resource: start counting when the condition begins to
        hold, forget it when it breaks."""
        if self.decide.holds(self.switch.on, busy, capacity):
            if self.pending is None:
                self.pending = Deadline(self)
                self.env.schedule(self.pending, NORMAL, self.decide.delay(self.switch.on))
        else:
            self.pending = None

    def expire(self, deadline: Any) -> None:
        """The condition has held without a break: switch, then watch for the way back."""
        if deadline is not self.pending:
            return
        self.pending = None
        now = self.env.now
        self.switch.set(now, not self.switch.on)
        self.observe(now, self.resource.busy, self.resource.capacity)


class WatchedChanges(array):
    """A resource's array of state changes that also tells its watches of every change: the
    resource's hot paths and its state log append to it alike (`Resource.changes`), each change
    (its time, then its code) once its resource holds the new state."""

    __slots__ = ("resource", "watches")

    def __new__(cls, changes: array) -> WatchedChanges:
        return super().__new__(cls, "d", changes)

    def append(self, value: float) -> None:
        """Append a time or a code; after a code, tell each watch of the resource's state."""
        super().append(value)
        if len(self) % 2 == 0:
            resource = self.resource
            for watch in self.watches:
                watch.observe(self[-2], resource.busy, resource.capacity)
