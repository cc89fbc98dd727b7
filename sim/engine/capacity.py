"""Capacity in force over the run: a weekly timeline in each dated regime of a resource, and the
sessions of staff-sharing rules that lend capacity only while they are in force.

A *plan* is the list of regimes as (start minute of the run, weekly timeline), the first at 0:
without dated changes it has one regime, and the driver walks its weekly timeline week after
week, as a schedule repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simpy.core import Environment

from sim.cooperation import Switch
from sim.engine.events import NORMAL, Wakeup
from sim.engine.resources import MINUTES_PER_WEEK, Resource, Timeline, capacity_at

Plan = list[tuple[float, Timeline]]
"""Dated regimes: (start minute of the run, weekly timeline in force from then), by start."""


def plan_level(plan: Plan, week_offset: float, t: float) -> int:
    """The level a plan sets at time t (time 0 being `week_offset` minutes into the week)."""
    changes = next(changes for start, changes in reversed(plan) if start <= t)
    return capacity_at(changes, week_offset, t)


def changing(plan: Plan) -> bool:
    """Whether a plan ever changes its level (several regimes, or a weekly timeline that varies)."""
    return len(plan) > 1 or len(plan[0][1]) > 1


class CapacityDriver(Wakeup):
    """Applies a plan: a SimPy event waking at each change of the weekly timeline in force, and
    at the start of each regime; `apply(now, level)` sets the new level."""

    __slots__ = ("env", "apply", "plan", "offset", "end", "changes", "_regime", "_stop", "_k", "_week")

    def __init__(self, env: Environment, apply: Callable[[float, int], None], plan: Plan, offset: float, end: float):
        self.env, self.apply, self.plan, self.offset, self.end = env, apply, plan, offset, end
        self.callbacks = None
        self._enter(0, 0.0)
        self._schedule()

    def _enter(self, regime: int, t: float) -> None:
        """Walk regime `regime` from time t: the next weekly change after t comes next."""
        self._regime, self.changes = regime, self.plan[regime][1]
        self._stop = self.plan[regime + 1][0] if regime + 1 < len(self.plan) else self.end
        minute = (self.offset + t) % MINUTES_PER_WEEK
        self._k = sum(1 for start, _ in self.changes if start <= minute)
        self._week = (self.offset + t) // MINUTES_PER_WEEK

    def _schedule(self) -> None:
        if self._k == len(self.changes):
            self._k, self._week = 0, self._week + 1
        at = self._week * MINUTES_PER_WEEK + self.changes[self._k][0] - self.offset
        if at < self._stop:
            self.callbacks = [self._apply]
            self.env.schedule(self, NORMAL, at - self.env.now)
        elif self._stop < self.end:
            self.callbacks = [self._next_regime]
            self.env.schedule(self, NORMAL, self._stop - self.env.now)

    def _apply(self, _: Any) -> None:
        self.apply(self.env.now, self.changes[self._k][1])
        self._k += 1
        self._schedule()

    def _next_regime(self, _: Any) -> None:
        now = self.env.now
        self._enter(self._regime + 1, now)
        self.apply(now, capacity_at(self.changes, self.offset, now))
        self._schedule()


class Lending:
    """A staff-sharing rule with a time in force: its sessions move capacity from the lender to
    the receiver only while the rule is in force (a switch on or off mid-session moves it then)."""

    __slots__ = ("lender", "receiver", "switch", "level", "lent")

    def __init__(self, lender: Resource, receiver: Resource, switch: Switch):
        self.lender, self.receiver, self.switch = lender, receiver, switch
        self.level = 0
        """The capacity the session in progress lends (0 between sessions)."""
        self.lent = 0
        """What is lent now: `level` while the rule is in force, else 0."""
        switch.listeners.append(self.update)

    def session(self, now: float, level: int) -> None:
        """A session starts or ends (the plan of the sessions sets `level`)."""
        self.level = level
        self.update(now, self.switch.on)

    def update(self, now: float, on: bool) -> None:
        """Lend what the session in progress lends while in force, nothing otherwise."""
        wanted = self.level if on else 0
        if wanted != self.lent:
            delta, self.lent = wanted - self.lent, wanted
            self.lender.lend(now, -delta)
            self.receiver.lend(now, delta)
