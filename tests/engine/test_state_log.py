"""A resource's state log, coded as the hot paths write it (a time and a code per usual change, the
whole state otherwise), folds into the integrals of the step function the resource went through.

The resource is driven at random through every way its state changes (a unit taken at once, a
patient queued, a unit freed with or without a patient waiting, a patient withdrawn, a
reservation, a capacity that rises or falls), across several folds; after each operation the
state it holds is noted, and the integrals are recomputed here from those notes, hour by hour,
with exact sums in plain Python."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from sim.engine.records import FOLD_EVERY, SIGNALS, StateLog
from sim.engine.resources import Resource

pytestmark = pytest.mark.unit

THRESHOLD = 0.75


def drive(seed: int, operations: int, end: float) -> tuple[Resource, list[tuple[float, int, int, int]]]:
    """Random operations at increasing times; the resource and its state after each, with the start."""
    rng = random.Random(seed)
    log = StateLog(0.0, end, 0, 0, 3, (THRESHOLD,))
    resource = Resource("h.bed", 3, log)
    tickets: list[list] = []
    notes = [(0.0, 0, 0, 3)]
    t = 0.0
    for _ in range(operations):
        t = min(end, t + rng.expovariate(1.0) * end / operations)
        roll = rng.random()
        if roll < 0.004:
            resource.set_capacity(t, rng.choice([0, 1, 2, 3, 5]))
        elif roll < 0.01:
            resource.take_now(t)
        elif roll < 0.05 and tickets:
            resource.withdraw(t, tickets.pop(rng.randrange(len(tickets))))
        elif roll < 0.5 and resource.busy > 0:
            resource.release(t)
        elif not resource.try_start(t):
            tickets.append(resource.enqueue(t, rng.random(), None, lambda *_: None))
        notes.append((t, resource.busy, resource.waiting, resource.capacity))
    log.close()
    return resource, notes


def integrals(notes: list[tuple[float, int, int, int]], t0: float, t1: float) -> list[float]:
    """Integrals of each signal of SIGNALS (then the threshold's) from t0 to t1, summed exactly."""
    terms: list[list[float]] = [[] for _ in range(len(SIGNALS) + 1)]
    for (t, busy, queue, cap), following in zip(notes, notes[1:] + [(math.inf, 0, 0, 0)]):
        length = min(following[0], t1) - max(t, t0)
        if length <= 0:
            continue
        ratio = busy / cap if cap > 0 else 0.0
        values = (busy, cap, ratio, cap > 0, cap > 0 and busy >= cap, queue, cap > 0 and ratio < THRESHOLD)
        for term, value in zip(terms, values):
            term.append(float(value) * length)
    return [math.fsum(term) for term in terms]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_folded_integrals_are_those_of_the_state_the_resource_went_through(seed: int) -> None:
    end = 3000.0
    resource, notes = drive(seed, 3 * FOLD_EVERY, end)
    assert len(notes) > 2 * FOLD_EVERY  # several folds
    assert np.allclose(resource.log.integral(0.0, end), integrals(notes, 0.0, end), rtol=1e-11, atol=1e-9)
    hourly = resource.log.hourly()
    assert hourly.shape == (50, len(SIGNALS) + 1)
    for hour in (0, 17, 49):
        assert np.allclose(hourly[hour], integrals(notes, hour * 60.0, hour * 60.0 + 60.0), rtol=1e-11, atol=1e-9)
    lasting = [note for note, following in zip(notes, notes[1:] + [(end, 0, 0, 0)]) if following[0] > note[0]]
    assert resource.log.peak == max(busy for _, busy, _, _ in lasting)
    assert resource.log.queue_max == max(queue for _, _, queue, _ in lasting)
