"""Compiled pathway steps. A patient moves from node to node: `enter` starts a step, and a
timed step puts the patient back on the SimPy schedule with the method that resumes it.

Resources are resolved at the patient's current site (`resources[patient.site]`). Each
random quantity comes from the patient's own numbers (`Context.number`).
"""

from __future__ import annotations

from typing import Any

from simpy.core import Environment

from sim.engine.calendar import Calendar
from sim.engine.patients import NORMAL, Patient, StreamDraws
from sim.engine.resources import Resource
from sim.schema import attribute_key
from sim.records import EVENT_KINDS, BookingRecord, EventLog, StreamRecord, TransferRecord, WaitRecord

ARRIVAL, QUEUE, START, END, LEAVE, BOOKED, APPOINTMENT, TRANSFER_OUT, TRANSFER_IN, DEPART = range(len(EVENT_KINDS))


class Context:
    """What every node of one replication shares: the clock, the draws and the records."""

    def __init__(self, env: Environment, draws: list[StreamDraws], stream_records: list[StreamRecord], end: float):
        self.env = env
        self.draws = draws
        self.stream_records = stream_records
        self.end = end
        self.inside = 0
        """Counted patients still in the system."""
        self.log: EventLog | None = None
        """The event log, when events are recorded."""

    def event(self, patient: Patient, label: int, resource: int, kind: int) -> None:
        """Log one event of `patient` now (call only when `log` is set)."""
        self.log.add(patient.index, patient.stream, label, patient.site, resource, kind, self.env.now)

    def number(self, patient: Patient, slot: int) -> float:
        """The patient's value of quantity `slot`: its own on the first visit, a keyed one after."""
        bit = 1 << slot
        if not patient.used & bit:
            patient.used |= bit
            return patient.draws[slot]
        visits = patient.revisits if patient.revisits is not None else {}
        patient.revisits = visits
        visits[slot] = visits.get(slot, 0) + 1
        return self.draws[patient.stream].revisit(slot, patient.index, visits[slot])

    def arrive(self, patient: Patient) -> None:
        """Count a new patient."""
        if patient.counted:
            self.stream_records[patient.stream].arrivals += 1
            self.inside += 1
        if self.log is not None:
            self.event(patient, 0, 0, ARRIVAL)

    def depart(self, patient: Patient) -> None:
        """The patient has finished its pathway (after a goto from inside a `during`, it frees
        what it still holds)."""
        self._free(patient)
        if patient.counted:
            record = self.stream_records[patient.stream]
            record.departed += 1
            record.stays.append(self.env.now - patient.arrival)
            self.inside -= 1
        if self.log is not None:
            self.event(patient, 0, 0, DEPART)

    def _free(self, patient: Patient) -> None:
        """Release every unit the patient still holds."""
        while patient.held:
            resource = patient.held.pop()
            resource.release(self.env.now)
            if self.log is not None:
                self.event(patient, 0, resource.code, END)

    def leave_unseen(self, patient: Patient) -> None:
        """The patient gives up: it frees what it holds and leaves the system."""
        self._free(patient)
        if patient.counted:
            self.stream_records[patient.stream].left_unseen += 1
            self.inside -= 1
        if self.log is not None:
            self.event(patient, 0, 0, LEAVE)


class Node:
    """A compiled step; `next` is where the patient goes when the step is done."""

    __slots__ = ("ctx", "next", "label")

    def __init__(self, ctx: Context, label: int = 0):
        self.ctx = ctx
        self.next: Node | None = None
        self.label = label
        """Code of the step's name in the event log."""

    def enter(self, patient: Patient) -> None:
        """Start this step for `patient`."""
        raise NotImplementedError

    def slot(self, slots: list[int], patient: Patient) -> float:
        """The patient's number for a quantity whose slot per stream is `slots`."""
        return self.ctx.number(patient, slots[patient.stream])


class Exit(Node):
    """The end of the pathway: the patient departs."""

    __slots__ = ()

    def enter(self, patient: Patient) -> None:
        self.ctx.depart(patient)


class Timer:
    """A patience deadline: a SimPy event that withdraws a waiting patient from a queue."""

    __slots__ = ("callbacks", "patient", "ticket", "resource", "node")
    _ok = True

    def __init__(self, patient: Patient, ticket: list[Any], resource: Resource, node: Acquire):
        self.callbacks = [self.expire]
        self.patient, self.ticket, self.resource, self.node = patient, ticket, resource, node

    def expire(self, _: Any) -> None:
        """Leave unseen, unless served in the meantime."""
        ctx = self.node.ctx
        if self.resource.withdraw(ctx.env.now, self.ticket):
            self.node.record_wait(self.patient, ctx.env.now, left=True)
            ctx.leave_unseen(self.patient)


class Acquire(Node):
    """Wait for a unit of a resource (by priority, with patience), then `started`."""

    __slots__ = ("resources", "priority", "patience", "waits")

    def __init__(self, ctx: Context, resources: list[Resource | None], priority: float | int | None,
                 priority_attribute: bool, patience: list[int] | None, waits: WaitRecord | None, label: int = 0):
        super().__init__(ctx, label)
        self.resources = resources
        self.priority = (priority, priority_attribute)
        self.patience = patience
        self.waits = waits

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env.now
        resource = self.resources[patient.site]
        patient.since = now
        if resource.try_start(now):
            self.record_wait(patient, now)
            if self.ctx.log is not None:
                self.ctx.event(patient, self.label, resource.code, START)
            self.started(patient, resource, now)
            return
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, QUEUE)
        limit = self.slot(self.patience, patient) if self.patience is not None else None
        if limit == 0.0:
            self.record_wait(patient, now, left=True)
            self.ctx.leave_unseen(patient)
            return
        value, from_attribute = self.priority
        rank = patient.attrs[value] if from_attribute else (value or 0.0)
        ticket = resource.enqueue(now, rank, patient, self._served)
        if limit is not None:
            self.ctx.env.schedule(Timer(patient, ticket, resource, self), NORMAL, limit)

    def _served(self, patient: Patient, now: float) -> None:
        self.record_wait(patient, now)
        resource = self.resources[patient.site]
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, START)
        self.started(patient, resource, now)

    def record_wait(self, patient: Patient, now: float, left: bool = False) -> None:
        """Keep the wait at a named step: in the hourly series always, as a wait if counted."""
        record = self.waits
        if record is not None:
            wait = now - patient.since
            hour = int(now // 60)
            record.hour_sums[hour] += wait
            record.hour_counts[hour] += 1
            if patient.counted:
                record.waits.append(wait)
                record.left += left

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        """The patient holds a unit from `now`."""
        raise NotImplementedError


class UseFor(Acquire):
    """`use: ROLE` with `for`: hold a unit for a duration, then free it.

    The duration is the patient's number for `duration`, or, for a booked scanner used for
    one slot, the slot length of the site's calendar (`per_site`).
    """

    __slots__ = ("duration", "per_site")

    def __init__(self, ctx: Context, duration: list[int] | None, per_site: list[float] | None = None, **kw: Any):
        super().__init__(ctx, **kw)
        self.duration, self.per_site = duration, per_site

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        patient.callbacks = [self._done]
        length = self.slot(self.duration, patient) if self.duration is not None else self.per_site[patient.site]
        self.ctx.env.schedule(patient, NORMAL, length)

    def _done(self, patient: Patient) -> None:
        resource = self.resources[patient.site]
        resource.release(self.ctx.env.now)
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, END)
        self.next.enter(patient)


class UseDuring(Acquire):
    """`use: ROLE` with `during`: hold a unit while the nested steps run (see Release)."""

    __slots__ = ("body",)

    def __init__(self, ctx: Context, **kw: Any):
        super().__init__(ctx, **kw)
        self.body: Node | None = None

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        patient.held.append(resource)
        self.body.enter(patient)


class Release(Node):
    """The end of a `during`: free the unit taken last."""

    __slots__ = ()

    def enter(self, patient: Patient) -> None:
        resource = patient.held.pop()
        resource.release(self.ctx.env.now)
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, END)
        self.next.enter(patient)


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
        u = self.slot(self.draw, patient)
        total, chosen = 0.0, None
        attrs = patient.attrs
        for conditions, p, node in self.options:
            if all(attribute_key(attrs[a]) in allowed for a, allowed in conditions):
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


class Transfer(Node):
    """`transfer: SITE`: the patient travels, then continues there."""

    __slots__ = ("destination", "times", "records")

    def __init__(self, ctx: Context, destination: int, times: list[list[float | None]], records: dict[tuple[int, int], TransferRecord]):
        super().__init__(ctx)
        self.destination, self.times, self.records = destination, times, records

    def enter(self, patient: Patient) -> None:
        origin = patient.site
        duration = self.times[origin][self.destination]
        if duration is None:
            raise RuntimeError("no transport time between two sites (the checks should have said so)")
        if patient.counted and origin != self.destination:
            record = self.records.setdefault((origin, self.destination), TransferRecord())
            record.times.append(self.ctx.env.now)
            record.durations.append(duration)
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, 0, TRANSFER_OUT)
        patient.callbacks = [self._arrived]
        self.ctx.env.schedule(patient, NORMAL, duration)

    def _arrived(self, patient: Patient) -> None:
        patient.site = self.destination
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, 0, TRANSFER_IN)
        self.next.enter(patient)


class Book(Node):
    """`book`: take the earliest allowed slot, wait until it, then use the scanner."""

    __slots__ = ("calendars", "lead", "urgent", "urgent_draw", "records", "scan")

    def __init__(self, ctx: Context, calendars: list[Calendar | None], lead: list[int] | None,
                 urgent: tuple[float, float] | None, urgent_draw: list[int] | None, records: BookingRecord | None, scan: UseFor):
        super().__init__(ctx)
        self.calendars, self.lead, self.urgent, self.urgent_draw = calendars, lead, urgent, urgent_draw
        self.records, self.scan = records, scan

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env.now
        calendar = self.calendars[patient.site]
        forced = False
        if self.urgent is not None and self.slot(self.urgent_draw, patient) < self.urgent[0]:
            index = calendar.earliest(now)
            if calendar.times[index] > now + self.urgent[1]:
                index, forced = calendar.first_at_or_after(now), True
        else:
            lead = self.slot(self.lead, patient) if self.lead is not None else 0.0
            index = calendar.earliest(now + lead)
        start = calendar.take(index)
        if self.records is not None and patient.counted:
            self.records.delays.append(start - now)
            self.records.forced += forced
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, self.scan.resources[patient.site].code, BOOKED)
        patient.callbacks = [self._at_slot]
        self.ctx.env.schedule(patient, NORMAL, start - now)

    def _at_slot(self, patient: Patient) -> None:
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, self.scan.resources[patient.site].code, APPOINTMENT)
        self.scan.enter(patient)
