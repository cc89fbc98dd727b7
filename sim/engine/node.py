"""A compiled step: the base of every node a patient moves through."""

from __future__ import annotations

from sim.engine.context import Context
from sim.engine.patients import Patient


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
        """The patient's number for a quantity whose slot per stream is `slots` (`Context.number`,
        inlined: the hot path)."""
        slot = slots[patient.stream]
        value = patient.draws[slot]
        if value is None:
            return self.ctx.revisit(patient, slot)
        patient.draws[slot] = None
        return value
