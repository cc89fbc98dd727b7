"""Compiled pathway steps. A patient moves from node to node: `enter` starts a step, and a
timed step puts the patient back on the SimPy schedule with the method that resumes it.

Resources are resolved at the patient's current site (`resources[patient.site]`). Each
random quantity comes from the patient's own numbers (`Context.number`). Cooperation rules
act through two hooks: an `Acquire` step may send the patient to a partner (`overflow`), and
a `Book` step considers every calendar the patient's site may book on (`share_calendar`).
"""

from __future__ import annotations

from typing import Any

from simpy.core import Environment

from sim.cooperation import OverflowPolicy
from sim.engine.calendar import Calendar
from sim.engine.events import NORMAL, Wakeup
from sim.engine.patients import Patient, StreamDraws
from sim.engine.records import EVENT_KINDS, BookingRecord, EventLog, StreamRecord, TransferRecord, WaitRecord
from sim.engine.resources import Resource
from sim.scenario.schema import attribute_key

ARRIVAL, QUEUE, START, END, LEAVE, BOOKED, APPOINTMENT, TRANSFER_OUT, TRANSFER_IN, DEPART = range(len(EVENT_KINDS))


class Context:
    """What every node of one replication shares: the clock, the draws and the records."""

    def __init__(self, env: Environment, draws: list[StreamDraws], stream_records: list[StreamRecord], end: float,
                 transport: list[list[float | None]], transfers: dict[tuple[int, int], TransferRecord]):
        self.env = env
        self.draws = draws
        self.stream_records = stream_records
        self.end = end
        self.transport = transport
        """Minutes to move a patient between two sites, by site index (None: no time known)."""
        self.transfers = transfers
        self.flows: dict[tuple[int, int, int], list[float]] = {}
        """Counted patients that changed site, by (stream, origin site, last site): [patients,
        transfers, transport minutes]. Those that did not are each stream's leavers less these."""
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
        if patient.held:
            self._free(patient)
        if patient.counted:
            record = self.stream_records[patient.stream]
            record.departed += 1
            record.stays.append(self.env.now - patient.arrival)
            self.inside -= 1
            if patient.moves or patient.site != patient.origin:
                self._flow(patient)
        if self.log is not None:
            self.event(patient, 0, 0, DEPART)

    def _flow(self, patient: Patient) -> None:
        """Add a leaving patient that changed site to the flow from its origin to where it ends."""
        flow = self.flows.get((patient.stream, patient.origin, patient.site))
        if flow is None:
            flow = self.flows[(patient.stream, patient.origin, patient.site)] = [0, 0, 0.0]
        flow[0] += 1
        flow[1] += patient.moves
        flow[2] += patient.travel

    def move(self, patient: Patient, destination: int, label: int, then: Any) -> None:
        """Send the patient to another site: it travels for the transport time, then `then(patient)`."""
        origin = patient.site
        duration = self.transport[origin][destination]
        if duration is None:
            raise RuntimeError("no transport time between two sites (the checks should have said so)")
        if origin != destination:
            patient.moves += 1
            patient.travel += duration
            if patient.counted:
                record = self.transfers.get((origin, destination))
                if record is None:
                    record = self.transfers[(origin, destination)] = TransferRecord()
                record.times.append(self.env.now)
                record.durations.append(duration)
        if self.log is not None:
            self.event(patient, label, 0, TRANSFER_OUT)

        def arrived(_: Any) -> None:
            patient.site = destination
            if self.log is not None:
                self.event(patient, label, 0, TRANSFER_IN)
            then(patient)

        patient.callbacks = [arrived]
        self.env.schedule(patient, NORMAL, duration)

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
            if patient.moves or patient.site != patient.origin:
                self._flow(patient)
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


class Timer(Wakeup):
    """A patience deadline: a SimPy event that withdraws a waiting patient from a queue."""

    __slots__ = ("patient", "ticket", "resource", "node")

    def __init__(self, patient: Patient, ticket: list[Any], resource: Resource, node: Acquire):
        self.callbacks = [self.expire]
        self.patient, self.ticket, self.resource, self.node = patient, ticket, resource, node

    def expire(self, _: Any) -> None:
        """Leave unseen, unless served in the meantime."""
        ctx = self.node.ctx
        if self.resource.withdraw(ctx.env.now, self.ticket):
            self.node.record_wait(self.patient, ctx.env.now, left=True)
            ctx.leave_unseen(self.patient)


class OverflowCheck(Wakeup):
    """A `wait_above` deadline: a SimPy event that sends a patient still waiting to a partner."""

    __slots__ = ("patient", "ticket", "resource", "node", "policy")

    def __init__(self, patient: Patient, ticket: list[Any], resource: Resource, node: Acquire, policy: OverflowPolicy):
        self.callbacks = [self.expire]
        self.patient, self.ticket, self.resource, self.node, self.policy = patient, ticket, resource, node, policy

    def expire(self, _: Any) -> None:
        """Leave for a partner with room, unless served in the meantime."""
        now = self.node.ctx.env.now
        if self.ticket[3] is None:
            return
        target = self.policy.partner(now)
        if target is not None and self.resource.withdraw(now, self.ticket):
            self.node.send(self.patient, target)


class Acquire(Node):
    """Wait for a unit of a resource (by priority, with patience), then `started`.

    `overflows[site]` lists the overflow policies of this role at that home site (None where
    there are none); a patient a policy sends away requests the unit again at the partner,
    its wait counted from its first request. For a step naming SITE.ROLE, `elsewhere` is the
    same step with the role resolved at the patient's site: the one a sent patient asks at.
    """

    __slots__ = ("resources", "priority", "patience", "waits", "overflows", "elsewhere")

    def __init__(self, ctx: Context, resources: list[Resource | None], priority: float | int | None,
                 priority_attribute: bool, patience: list[int] | None, waits: list[WaitRecord | None] | None,
                 overflows: list[list[OverflowPolicy] | None] | None = None, label: int = 0):
        super().__init__(ctx, label)
        self.resources = resources
        self.priority = (priority, priority_attribute)
        self.patience = patience
        self.waits = waits
        self.overflows = overflows
        self.elsewhere: Acquire | None = None

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env.now
        resource = self.resources[patient.site]
        if patient.diverted is self:
            patient.diverted = None  # arrived at the partner: it asks here, its wait runs on
        else:
            patient.since = now
            if self.overflows is not None and self._divert(patient, now):
                return
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
        if self.overflows is not None and self.overflows[patient.site] is not None:
            for policy in self.overflows[patient.site]:
                if policy.wait_above is not None and policy.concerns(patient.stream):
                    self.ctx.env.schedule(OverflowCheck(patient, ticket, resource, self, policy), NORMAL, policy.wait_above)

    def _divert(self, patient: Patient, now: float) -> bool:
        """Send the patient to a partner if a policy's trigger holds at home and a partner has room."""
        policies = self.overflows[patient.site]
        if policies is None:
            return False
        for policy in policies:
            if policy.wait_above is None and policy.concerns(patient.stream) and policy.saturated(patient.site):
                target = policy.partner(now)
                if target is not None:
                    self.send(patient, target)
                    return True
        return False

    def send(self, patient: Patient, target: int) -> None:
        """Move the patient to `target`, where it asks for the unit again (of the role there)."""
        node = self.elsewhere or self
        patient.diverted = node
        self.ctx.move(patient, target, self.label, node.enter)

    def _served(self, patient: Patient, now: float) -> None:
        self.record_wait(patient, now)
        resource = self.resources[patient.site]
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, START)
        self.started(patient, resource, now)

    def record_wait(self, patient: Patient, now: float, left: bool = False) -> None:
        """Keep the wait at a named step: in the hourly series always, as a wait if counted."""
        if self.waits is None:
            return
        record = self.waits[patient.site]
        if record is not None:
            wait = now - patient.since
            if record.hour_sums is not None:
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

    __slots__ = ("destination",)

    def __init__(self, ctx: Context, destination: int):
        super().__init__(ctx)
        self.destination = destination

    def enter(self, patient: Patient) -> None:
        self.ctx.move(patient, self.destination, self.label, self.next.enter)


Option = tuple[Calendar, int, int, dict[Any, int]]
"""A calendar a site may book on: the calendar, its site, the quota attribute index (-1: none)
and the quota group of each attribute value (by attribute key)."""


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
        options = self.calendars[patient.site]
        urgent = self.urgent is not None and self.slot(self.urgent_draw, patient) < self.urgent[0]
        earliest = now if urgent else now + (self.slot(self.lead, patient) if self.lead is not None else 0.0)
        best = None
        for calendar, site, attribute, groups in options:
            group = 0 if attribute < 0 else groups.get(attribute_key(patient.attrs[attribute]), -1)
            index = calendar.earliest(earliest, now, group)
            if best is None or calendar.times[index] < best[0].times[best[3]]:
                best = (calendar, site, group, index)
        calendar, site, group, index = best
        forced = urgent and calendar.times[index] > now + self.urgent[1]
        if forced:  # squeezed into the first slot of the site's own (or first) calendar, overbooked
            calendar, site, attribute, groups = options[0]
            group = 0 if attribute < 0 else groups.get(attribute_key(patient.attrs[attribute]), -1)
            index = calendar.first_at_or_after(now)
        elif self.patience is not None and not urgent and calendar.times[index] - now > self.slot(self.patience, patient):
            if self.records is not None and patient.counted:
                self.records.left += 1
            self.ctx.leave_unseen(patient)
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
