"""The steps that take a unit of a resource: wait for it (by priority, with patience, or sent
to a partner by an overflow rule), hold it for a duration (`UseFor`) or while nested steps run
(`UseDuring` ... `Release`), and, with `keep: until_next`, keep it after the care until the
next unit is theirs (`UseForKeep`, `ReleaseKeep`): obtaining a unit frees the unit kept."""

from __future__ import annotations

from heapq import heappush
from typing import Any

from sim.cooperation import OverflowPolicy
from sim.engine.context import END, QUEUE, START, Context
from sim.engine.events import NORMAL, Wakeup
from sim.engine.node import Node
from sim.engine.patients import Patient
from sim.engine.records import BUSY_UP, FOLD_LENGTH, WaitRecord
from sim.engine.resources import Resource


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
            self.node.record_left(self.patient, ctx.env.now)
            ctx.leave_unseen(self.patient)


class OverflowCheck(Wakeup):
    """A `wait_above` deadline: a SimPy event that sends a patient still waiting to a partner."""

    __slots__ = ("patient", "ticket", "resource", "node", "policy", "first")

    def __init__(self, patient: Patient, ticket: list[Any], resource: Resource, node: Acquire, policy: OverflowPolicy):
        self.callbacks = [self.expire]
        self.patient, self.ticket, self.resource, self.node, self.policy = patient, ticket, resource, node, policy
        self.first = True

    def expire(self, _: Any) -> None:
        """Leave for a partner with room, unless served in the meantime; with no partner with
        room, check again after the rule's `recheck` while the patient still waits."""
        now = self.node.ctx.env.now
        if self.ticket[3] is None:
            return
        in_force = self.policy.in_force()
        target = self.policy.partner(now) if in_force else None
        if target is not None and self.resource.withdraw(now, self.ticket):
            self.node.send(self.patient, target, self.policy)
            return
        if in_force and target is None and self.first and self.patient.counted:  # refused once per patient
            self.policy.refused += 1
        self.first = False
        self.callbacks = [self.expire]
        self.node.ctx.env.schedule(self, NORMAL, self.policy.recheck)


class Acquire(Node):
    """Wait for a unit of a resource (by priority, with patience), then `started`.

    `overflows[site]` lists the overflow policies of this role at that home site (None where
    there are none); a patient a policy sends away requests the unit again at the partner,
    its wait counted from its first request. For a step naming SITE.ROLE, `elsewhere` is the
    same step with the role resolved at the patient's site: the one a sent patient asks at.
    """

    __slots__ = ("resources", "rank", "rank_attribute", "patience", "waits", "overflows", "elsewhere", "blocked", "given")

    def __init__(self, ctx: Context, resources: list[Resource | None], priority: float | int | None,
                 priority_attribute: bool, patience: list[int] | None, waits: list[WaitRecord | None] | None,
                 overflows: list[list[OverflowPolicy] | None] | None = None, label: int = 0, blocked: WaitRecord | None = None):
        super().__init__(ctx, label)
        self.resources = resources
        self.rank = priority or 0.0
        """A queued patient's priority (smaller first), unless it is its attribute `rank_attribute`."""
        self.rank_attribute = priority if priority_attribute else None
        self.patience = patience
        self.waits = waits
        self.overflows = overflows
        self.elsewhere: Acquire | None = None
        self.blocked = blocked
        """Where the time a patient arriving here was blocked in its kept unit is recorded
        (None: this step does not end a keep, as a booked scanner)."""
        self.given = self.take
        """`take`, bound once: what the queue calls when it gives a waiting patient a unit."""

    def enter(self, patient: Patient) -> None:
        now = self.ctx.env._now
        resource = self.resources[patient.site]
        if patient.diverted is self:
            patient.diverted = None  # arrived at the partner: it asks here, its wait runs on
            if patient.reserved is not None:  # its unit was held for it during the journey
                reserved, patient.reserved = patient.reserved, None
                self.take(patient, reserved, now)
                return
        else:
            patient.since = now
            if self.overflows is not None and self._divert(patient, now):
                return
        if resource.busy < resource.capacity and not resource.waiting:  # `resource.try_start`, inlined: the hot path
            resource.busy += 1
            changes = resource.changes
            changes.append(now)
            changes.append(BUSY_UP)
            if len(changes) >= FOLD_LENGTH:
                resource.log.fold()
            self.take(patient, resource, now)
            return
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, QUEUE)
        limit = self.slot(self.patience, patient) if self.patience is not None else None
        if limit == 0.0:
            self.record_left(patient, now)
            self.ctx.leave_unseen(patient)
            return
        rank = self.rank if self.rank_attribute is None else patient.attrs[self.rank_attribute]
        ticket = resource.enqueue(now, rank, patient, self.given)
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
            if policy.wait_above is None and policy.concerns(patient.stream) and policy.saturated(patient.site) and policy.in_force():
                target = policy.partner(now)
                if target is not None:
                    self.send(patient, target, policy)
                    return True
                policy.refused += patient.counted
        return False

    def send(self, patient: Patient, target: int, policy: OverflowPolicy) -> None:
        """Move the patient to `target`, where it asks for the unit again (of the role there), or
        takes the unit the policy reserved for it there; it frees what it kept as it leaves."""
        node = self.elsewhere or self
        patient.diverted = node
        if patient.counted:
            policy.sent += 1
        if policy.reserve:
            reserved = node.resources[target]
            reserved.take_now(self.ctx.env.now)
            patient.reserved = reserved
        self.ctx.move(patient, target, self.label, node.enter, self.blocked)

    def take(self, patient: Patient, resource: Resource, now: float) -> None:
        """The patient has obtained a unit: its wait ends, a unit it kept is freed, its care starts."""
        self.note(patient, resource, now)
        self.started(patient, resource, now)

    def note(self, patient: Patient, resource: Resource, now: float) -> None:
        """A unit obtained: the wait is recorded, the event logged, a unit the patient kept freed."""
        if self.waits is not None:
            record = self.waits[patient.site]
            if record is not None:
                record.add(now, now - patient.since, patient.counted)
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, START)
        if patient.kept is not None and self.blocked is not None:
            self.ctx.unkeep(patient, now, self.blocked)

    def record_left(self, patient: Patient, now: float) -> None:
        """Keep the wait at a named step of a patient leaving unseen (a wait that ended without care)."""
        record = self.waits[patient.site] if self.waits is not None else None
        if record is not None:
            record.add(now, now - patient.since, patient.counted)
            record.left += patient.counted

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        """The patient holds a unit from `now`."""
        raise NotImplementedError


class UseFor(Acquire):
    """`use: ROLE` with `for`: hold a unit for a duration, then free it.

    The duration is the patient's number for `duration`, or, for a booked scanner used for
    one slot, the slot length of the site's calendar (`per_site`).
    """

    __slots__ = ("duration", "per_site", "wake", "quick")

    def __init__(self, ctx: Context, duration: list[int] | None, per_site: list[float] | None = None, **kw: Any):
        super().__init__(ctx, **kw)
        self.duration, self.per_site = duration, per_site
        self.wake = [self._done]
        """The patient's callbacks while it holds the unit: SimPy only reads them, so one list serves all."""
        self.quick = ctx.log is None
        """Whether `take` may do without `note` for a counted patient that keeps no unit (no event
        log, and the step does not keep its unit: see UseForKeep)."""

    def take(self, patient: Patient, resource: Resource, now: float) -> None:
        """`Acquire.take` in one call, the hot path: the usual case of `note` inlined (a counted
        patient's wait appended), then the care started: the patient wakes after its duration."""
        record = self.waits[patient.site] if self.waits is not None else None
        if self.quick and patient.counted and patient.kept is None and (record is None or record.hour_sums is None):
            if record is not None:
                record.waits.append(now - patient.since)
        else:
            self.note(patient, resource, now)
        patient.callbacks = self.wake
        if self.duration is None:
            length = self.per_site[patient.site]
        else:  # `self.slot`, inlined
            slot = self.duration[patient.stream]
            length = patient.draws[slot]
            if length is None:
                length = self.ctx.revisit(patient, slot)
            else:
                patient.draws[slot] = None
        ctx = self.ctx
        heappush(ctx.queue, (now + length, NORMAL, next(ctx.eid), patient))

    def _done(self, patient: Patient) -> None:
        resource = self.resources[patient.site]
        resource.release(self.ctx.env._now)
        if self.ctx.log is not None:
            self.ctx.event(patient, self.label, resource.code, END)
        self.next.enter(patient)


class UseForKeep(UseFor):
    """`use: ROLE` with `for` and `keep: until_next`: after the duration the patient keeps the unit."""

    __slots__ = ()

    def __init__(self, ctx: Context, **kw: Any):
        super().__init__(ctx, **kw)
        self.quick = False

    def note(self, patient: Patient, resource: Resource, now: float) -> None:
        """`Acquire.note`, then the unit is the patient's from now (freeing a unit it kept read the earlier time)."""
        super().note(patient, resource, now)
        patient.kept_from = now

    def _done(self, patient: Patient) -> None:
        resource = self.resources[patient.site]
        self.ctx.keep(patient, resource, self.ctx.env.now)
        self.next.enter(patient)


class UseDuring(Acquire):
    """`use: ROLE` with `during`: hold a unit while the nested steps run (see Release)."""

    __slots__ = ("body",)

    def __init__(self, ctx: Context, **kw: Any):
        super().__init__(ctx, **kw)
        self.body: Node | None = None

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        if patient.held is None:
            patient.held = [resource]
        else:
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


class UseDuringKeep(UseDuring):
    """`use: ROLE` with `during` and `keep: until_next`: its `ReleaseKeep` keeps the unit."""

    __slots__ = ()

    def started(self, patient: Patient, resource: Resource, now: float) -> None:
        patient.kept_from = now
        super().started(patient, resource, now)


class ReleaseKeep(Node):
    """The end of a `during` whose unit is kept: the care is over, the patient keeps the unit."""

    __slots__ = ()

    def enter(self, patient: Patient) -> None:
        self.ctx.keep(patient, patient.held.pop(), self.ctx.env.now)
        self.next.enter(patient)


class TakeReserved(Node):
    """After a reserving transfer: the patient takes, at once, the unit held for it."""

    __slots__ = ("use",)

    def __init__(self, ctx: Context, use: Acquire):
        super().__init__(ctx)
        self.use = use

    def enter(self, patient: Patient) -> None:
        reserved, patient.reserved = patient.reserved, None
        self.use.take(patient, reserved, self.ctx.env.now)
