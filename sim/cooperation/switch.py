"""When a rule is in force: all the time (no switch), during its periods of the run, or from when
a resource's occupancy crosses a threshold until it falls back below a lower one (hysteresis,
as a "plan blanc" is triggered and lifted).

A `Switch` holds whether its rule is in force now and tells its listeners of each change; the
engine moves it at the period bounds, or when a `Hysteresis` condition has held long enough.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.scenario import schema


class Switch:
    """Whether one rule is in force now, and every time it switched."""

    __slots__ = ("label", "on", "listeners", "times")

    def __init__(self, label: str):
        self.label = label
        """The rule's name, or `cooperation.K` for the K-th rule without one."""
        self.on = False
        self.listeners: list[Callable[[float, bool], None]] = []
        """Told `(now, on)` at each switch."""
        self.times: list[tuple[float, bool]] = []
        """Each switch: (time, in force from then)."""

    def set(self, now: float, on: bool) -> None:
        """Put the rule in force (or out of it) from now; nothing happens if it already is."""
        if on == self.on:
            return
        self.on = on
        self.times.append((now, on))
        for listener in self.listeners:
            listener(now, on)

    def time_on(self, start: float, end: float) -> float:
        """Minutes in force between start and end."""
        total, since = 0.0, None
        for at, on in self.times:
            if on:
                since = at
            elif since is not None:
                total += max(0.0, min(at, end) - max(since, start))
                since = None
        if since is not None:
            total += max(0.0, end - max(since, start))
        return total


class Hysteresis:
    """A state switch's decision: out of force, whether the occupancy is above the share that
    switches the rule on; in force, whether it is below the share that switches it off."""

    __slots__ = ("above", "below", "on_for", "off_for")

    def __init__(self, spec: schema.StateSwitch):
        self.above, self.below = spec.when.occupancy_above, spec.until.occupancy_below
        self.on_for, self.off_for = spec.when.for_, spec.until.for_

    def holds(self, on: bool, busy: int, capacity: int) -> bool:
        """Whether the condition to switch holds now (a closed resource counts as full)."""
        occupancy = busy / capacity if capacity > 0 else math.inf
        return occupancy < self.below if on else occupancy > self.above

    def delay(self, on: bool) -> float:
        """How long the condition must hold without a break before the switch."""
        return self.off_for if on else self.on_for


def merged(periods: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Periods in time order, those that touch joined into one (the checks refuse overlaps)."""
    joined: list[tuple[float, float]] = []
    for start, end in sorted(periods):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def rule_label(index: int, rule: schema.RuleCommon) -> str:
    """How results name a rule: its name, or `cooperation.K` for the K-th rule of the list."""
    return rule.name if rule.name is not None else f"cooperation.{index}"
