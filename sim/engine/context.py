"""What every step node of one replication shares: the clock, the patients' numbers, the
records, and what happens to a patient as a whole (arriving, moving between sites, freeing what
it holds, leaving)."""

from __future__ import annotations

import math
from typing import Any

from simpy.core import Environment

from sim.engine.events import NORMAL, heap
from sim.engine.patients import Patient, StreamDraws
from sim.engine.records import EVENT_KINDS, EventLog, StreamRecord, TransferRecord, WaitRecord
from sim.engine.resources import Resource

ARRIVAL, QUEUE, START, END, LEAVE, BOOKED, APPOINTMENT, TRANSFER_OUT, TRANSFER_IN, DEPART, BLOCKED, RULE_ON, RULE_OFF = range(len(EVENT_KINDS))

MIDNIGHT_TO_MORNING = 8 * 60.0
"""A night blocked runs from 00:00 to 08:00: the 'night on a trolley' French emergency physicians count."""
"""The code of each kind of event in the event log."""


class Context:
    """What every node of one replication shares: the clock, the draws and the records."""

    def __init__(self, env: Environment, draws: list[StreamDraws], stream_records: list[StreamRecord], end: float,
                 transport: list[list[float | None]], transfers: dict[tuple[int, int], TransferRecord], warmup: float = 0.0):
        self.env = env
        self.queue, self.eid = heap(env)
        """SimPy's heap and event counter, for the hot steps' wakeups (`events.heap`)."""
        self.warmup = warmup
        self.draws = draws
        self.stream_records = stream_records
        self.end = end
        self.transport = transport
        """Minutes to move a patient between two sites, by site index (None: no time known)."""
        self.transfers = transfers
        self.flows: dict[tuple[int, int, int], list[float]] = {}
        """Counted patients that changed site, by (stream, origin site, last site): [patients,
        transfers, transport minutes]. Those that did not are each stream's leavers less these."""
        self.log: EventLog | None = None
        """The event log, when events are recorded."""

    def event(self, patient: Patient, label: int, resource: int, kind: int) -> None:
        """Log one event of `patient` now (call only when `log` is set)."""
        self.log.add(patient.index, patient.stream, label, patient.site, resource, kind, self.env.now)

    def number(self, patient: Patient, slot: int) -> float:
        """The patient's value of quantity `slot`: its own on the first visit, a keyed one after."""
        value = patient.draws[slot]
        if value is None:
            return self.revisit(patient, slot)
        patient.draws[slot] = None
        return value

    def revisit(self, patient: Patient, slot: int) -> float:
        """The patient's value of quantity `slot` on a return to its step: keyed by the visit."""
        visits = patient.revisits if patient.revisits is not None else {}
        patient.revisits = visits
        visits[slot] = visits.get(slot, 0) + 1
        return self.draws[patient.stream].revisit(slot, patient.index, visits[slot])

    def arrived(self, patient: Patient) -> None:
        """Log a new patient (its stream's driver counts it)."""
        self.event(patient, 0, 0, ARRIVAL)

    def depart(self, patient: Patient) -> None:
        """The patient has finished its pathway (after a goto from inside a `during`, it frees
        what it still holds, and a unit it kept)."""
        if patient.held:
            self._free(patient)
        if patient.kept is not None:
            self.unkeep(patient, self.env.now, None)
        if patient.counted:
            record = self.stream_records[patient.stream]
            record.departed += 1
            record.stays.append(self.env._now - patient.arrival)
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

    def move(self, patient: Patient, destination: int, label: int, then: Any, blocked: WaitRecord | None = None) -> None:
        """Send the patient to another site: it travels for the transport time, then `then(patient)`.
        A unit it kept is freed as it leaves (its blocked time, if `blocked` records it)."""
        origin = patient.site
        if patient.kept is not None:
            self.unkeep(patient, self.env.now, blocked)
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

    def leave_unseen(self, patient: Patient, elsewhere: bool = False) -> None:
        """The patient gives up (`elsewhere`: a request offered no slot it accepts, which books
        with another provider): it frees what it holds and leaves the system."""
        self._free(patient)
        if patient.kept is not None:
            self.unkeep(patient, self.env.now, None)
        if patient.counted:
            record = self.stream_records[patient.stream]
            record.left_unseen += 1
            record.went_elsewhere += elsewhere
            if patient.moves or patient.site != patient.origin:
                self._flow(patient)
        if self.log is not None:
            self.event(patient, 0, 0, LEAVE)

    def keep(self, patient: Patient, resource: Resource, now: float) -> None:
        """The patient's care on a unit is over, but it keeps the unit until its next unit is
        theirs (a patient keeps one unit at most: an earlier one is freed)."""
        if patient.kept is not None:
            self.unkeep(patient, now, None)
        patient.kept, patient.kept_since = resource, now
        resource.blocked += 1
        resource.blocked_log.record(now, resource.blocked, 0, resource.capacity)
        if self.log is not None:
            self.event(patient, 0, resource.code, BLOCKED)

    def unkeep(self, patient: Patient, now: float, blocked: WaitRecord | None) -> None:
        """Free the unit the patient kept: its next unit is theirs, or it leaves. `blocked`
        records the time it was blocked (for a counted patient); its nights blocked are counted."""
        resource = patient.kept
        patient.kept = None
        resource.blocked -= 1
        resource.blocked_log.record(now, resource.blocked, 0, resource.capacity)
        if patient.counted:
            if blocked is not None:
                blocked.waits.append(now - patient.kept_since)
            if not patient.handed_over:
                patient.handed_over = True
                self.stream_records[patient.stream].handovers.append(now - patient.arrival)
        resource.nights += nights_blocked(patient.kept_from, patient.kept_since, now, self.warmup, self.end)
        resource.release(now)
        if self.log is not None:
            self.event(patient, 0, resource.code, END)


def nights_blocked(taken: float, blocked: float, freed: float, warmup: float, end: float) -> int:
    """Nights of the measured period that a patient spends blocked in a unit it took at `taken`,
    was blocked in from `blocked` and left at `freed`: it held the unit at 00:00 (day d) and was
    still blocked in it at 08:00."""
    first = max(math.ceil(taken / 1440.0), math.ceil(warmup / 1440.0), math.ceil((blocked - MIDNIGHT_TO_MORNING) / 1440.0))
    last = min(math.ceil((freed - MIDNIGHT_TO_MORNING) / 1440.0) - 1, math.floor((end - MIDNIGHT_TO_MORNING) / 1440.0))
    return max(0, last - first + 1)
