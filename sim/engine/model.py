"""The runtime model of one replication: the SimPy environment, the nodes' shared context and
everything that records, as `sim.engine.build` makes it and `sim.engine.metrics` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simpy.core import Environment

from sim.cooperation import Cooperation, OverflowPolicy, Switch
from sim.engine.calendar import Calendar
from sim.engine.context import Context
from sim.engine.records import BookingRecord, TransferRecord, WaitRecord
from sim.engine.resources import Resource
from sim.scenario import schema


@dataclass
class Model:
    """One replication, ready to run: the environment and everything that records."""

    env: Environment
    ctx: Context
    scenario: schema.Scenario
    sites: list[str]
    streams: list[str]
    resources: dict[str, Resource]
    calendars: dict[str, Calendar]
    waits: dict[tuple[str, int], WaitRecord]
    """Waits by step name and site index."""
    bookings: dict[str, BookingRecord]
    transfers: dict[tuple[int, int], TransferRecord]
    warmup: float
    end: float
    drivers: list[Any] = field(default_factory=list)
    cooperation: Cooperation = field(default_factory=Cooperation)
    overflows: dict[tuple[int, str], list[OverflowPolicy]] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    """Every attribute name of every stream: a patient's attribute tuple follows this order."""
    hourly_waits: bool = False
    """Whether named waits keep their hourly sums and counts (for `coopsim warmup`)."""
    blocked: dict[str, WaitRecord] = field(default_factory=dict)
    """Blocked times, by the name (or role) of the `use` step whose unit ended them."""
    keeps: bool = False
    """Whether some step keeps its unit after care (blocking is reported only then)."""
    switches: list[tuple[int, schema.RuleCommon, Switch]] = field(default_factory=list)
    """(index in the list, rule, switch) of every rule with a time in force."""
    watches: list[Any] = field(default_factory=list)
    """What watches a resource to switch a rule on its state."""
