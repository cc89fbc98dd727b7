"""Compiled pathway steps. A patient moves from node to node: `enter` starts a step, and a
timed step puts the patient back on the SimPy schedule with the method that resumes it.

Resources are resolved at the patient's current site (`resources[patient.site]`). Each
random quantity comes from the patient's own numbers (`Context.number`). Cooperation rules
act through two hooks: an `Acquire` step (`sim.engine.acquire`) may send the patient to a
partner (`overflow`), and a `Book` step considers every calendar the patient's site may book on
(`share_calendar`).
"""

from __future__ import annotations

from typing import Any

from sim.cooperation import Switch
from sim.engine.acquire import UseFor
from sim.engine.calendar import Calendar
from sim.engine.context import APPOINTMENT, BOOKED, QUEUE, Context
from sim.engine.events import NORMAL
from sim.engine.node import Node
from sim.engine.patients import Patient
from sim.engine.records import BookingRecord, WaitRecord
from sim.engine.resources import Resource
from sim.scenario.schema import attribute_key


class Exit(Node):
    """The end of the pathway: the patient departs. Its `enter` is `Context.depart` itself (an
    instance slot over `Node.enter`), so that a departure costs no call of its own."""

    __slots__ = ("enter",)

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.enter = ctx.depart


class Delay(Node):
    """`delay`: time passes."""

    __slots__ = ("duration",)

    def __init__(self, ctx: Context, duration: list[int]):
        super().__init__(ctx)
        self.duration = duration

    def enter(self, patient: Patient) -> None:
        patient.callbacks = [self._done]
        self.ctx.env.schedule(patient, NORMAL, self.slot(self.duration, patient))

    def _done(self, patient: Patient) -> None:
        self.next.enter(patient)


class Branch(Node):
    """`branch`: one uniform draw picks an option among those whose `when` matches."""

    __slots__ = ("draw", "options", "otherwise")

    def __init__(self, ctx: Context, draw: list[int], options: list[tuple[list[tuple[int, frozenset[Any]]], float, Node]], otherwise: Node | None):
        super().__init__(ctx)
        self.draw, self.options, self.otherwise = draw, options, otherwise

    def enter(self, patient: Patient) -> None:
        slot = self.draw[patient.stream]  # `self.slot`, inlined: the hot path
        u = patient.draws[slot]
        if u is None:
            u = self.ctx.revisit(patient, slot)
        else:
            patient.draws[slot] = None
        total, chosen = 0.0, None
        attrs = patient.attrs
        for conditions, p, node in self.options:
            if not conditions or all(attribute_key(attrs[a]) in allowed for a, allowed in conditions):
                total += p
                chosen = node
                if u < total:
                    node.enter(patient)
                    return
        target = self.otherwise or chosen  # rounding: probabilities summing to 1 within 1e-9
        if target is None:
            raise RuntimeError("a patient matched no option of a branch")
        target.enter(patient)


class Jump(Node):
    """The start of a pathway, the target of `goto`."""

    __slots__ = ()

    def enter(self, patient: Patient) -> None:
        self.next.enter(patient)


class TransferReserve(Node):
    """`transfer: SITE` with `reserve: ROLE`: the patient waits where it is (keeping what it keeps)
    until a unit of the role at the destination is theirs, then travels with it held; its next
    node takes that unit at once. Its wait for the unit runs from the request."""

    __slots__ = ("destination", "resource", "blocked")

    def __init__(self, ctx: Context, destination: int, resource: Resource, blocked: WaitRecord | None):
        super().__init__(ctx)
        self.destination, self.resource, self.blocked = destination, resource, blocked

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env.now
        patient.since = now
        if self.resource.try_start(now):
            self._go(patient, self.resource, now)
            return
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, self.resource.code, QUEUE)
        self.resource.enqueue(now, 0.0, patient, self._go)

    def _go(self, patient: Patient, resource: Resource, now: float) -> None:
        patient.reserved = self.resource
        self.ctx.move(patient, self.destination, self.label, self.next.enter, self.blocked)


class Transfer(Node):
    """`transfer: SITE`: the patient travels, then continues there."""

    __slots__ = ("destination",)

    def __init__(self, ctx: Context, destination: int):
        super().__init__(ctx)
        self.destination = destination

    def enter(self, patient: Patient) -> None:
        self.ctx.move(patient, self.destination, self.label, self.next.enter)


Option = tuple[Calendar, int, int, dict[Any, int], Switch | None]
"""A calendar a site may book on: the calendar, its site, the quota attribute index (-1: none),
the quota group of each attribute value (by attribute key), and the switch of the sharing rule
when it has a time in force."""


class Book(Node):
    """`book`: take the earliest allowed slot among the calendars the site may book on, wait
    until it, then use the scanner at the calendar's site; or, offered a slot later than the
    patient's patience, go elsewhere."""

    __slots__ = ("calendars", "lead", "urgent", "urgent_draw", "patience", "records", "scan")

    def __init__(self, ctx: Context, calendars: list[list[Option]], lead: list[int] | None,
                 urgent: tuple[float, float] | None, urgent_draw: list[int] | None, patience: list[int] | None,
                 records: BookingRecord | None, scan: UseFor):
        super().__init__(ctx)
        self.calendars, self.lead, self.urgent, self.urgent_draw = calendars, lead, urgent, urgent_draw
        self.patience, self.records, self.scan = patience, records, scan

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env.now
        urgent = self.urgent is not None and self.slot(self.urgent_draw, patient) < self.urgent[0]
        earliest = now if urgent else now + (self.slot(self.lead, patient) if self.lead is not None else 0.0)
        options = self._usable(patient)
        best = None
        for calendar, site, group in options:
            index = calendar.earliest(earliest, now, group)
            if best is None or calendar.times[index] < best[0].times[best[3]]:
                best = (calendar, site, group, index)
        if best is None:  # no calendar in force for this site: the patient goes elsewhere
            if self.records is not None and patient.counted:
                self.records.left += 1
            self.ctx.leave_unseen(patient, elsewhere=True)
            return
        calendar, site, group, index = best
        forced = urgent and calendar.times[index] > now + self.urgent[1]
        if forced:  # squeezed into the first slot of the site's own (or first) calendar, overbooked
            calendar, site, group = options[0]
            index = calendar.first_at_or_after(now)
        elif self.patience is not None and not urgent and calendar.times[index] - now > self.slot(self.patience, patient):
            if self.records is not None and patient.counted:
                self.records.left += 1
            self.ctx.leave_unseen(patient, elsewhere=True)
            return
        start = calendar.take(index, group)
        if self.records is not None and patient.counted:
            self.records.delays.append(start - now)
            self.records.forced += forced
        patient.booked = site
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, self.scan.resources[site].code, BOOKED)
        patient.callbacks = [self._at_slot]
        self.ctx.env.schedule(patient, NORMAL, start - now)

    def _usable(self, patient: Patient) -> list[tuple[Calendar, int, int]]:
        """(calendar, its site, the patient's group) of each calendar the patient may book on now:
        a shared calendar out of its time in force is its own site's alone, quotas aside."""
        usable = []
        for calendar, site, attribute, groups, switch in self.calendars[patient.site]:
            if switch is not None and not switch.on:
                if site == patient.site:
                    usable.append((calendar, site, calendar.pooled))
                continue
            usable.append((calendar, site, 0 if attribute < 0 else groups.get(attribute_key(patient.attrs[attribute]), -1)))
        return usable

    def _at_slot(self, patient: Patient) -> None:
        if patient.booked != patient.site:
            patient.home, patient.site = patient.site, patient.booked
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, self.scan.resources[patient.site].code, APPOINTMENT)
        self.scan.enter(patient)


class ComeBack(Node):
    """After an exam at another site's calendar, the patient is back at its own site."""

    __slots__ = ()

    def enter(self, patient: Patient) -> None:
        if patient.home is not None:
            patient.site, patient.home = patient.home, None
        self.next.enter(patient)
