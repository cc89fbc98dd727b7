"""The benchmark's reference model written the textbook SimPy way.

One `env.process` per patient, started by an arrival generator; `with resource.request()`
blocks; draws from a seeded `random.Random`. It records the same named waits as the
engine (the wait ends when the unit is granted) and counts its SimPy events like
`sim.engine.simulate` does. This is the yardstick the engine's speed is measured against.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from sim.bench import reference as ref

EXAM_MU, EXAM_SIGMA = ref.lognormal_params(ref.EXAM_MEAN, ref.EXAM_SD)
STAY_MU, STAY_SIGMA = ref.lognormal_params(ref.STAY_MEAN, ref.STAY_SD)


@dataclass(frozen=True)
class IdiomaticResult:
    """What one run of the idiomatic model found."""

    waits: dict[str, list[float]]
    """Waits (minutes) per named step, in the order they ended."""
    patients: int
    """Patients created."""
    events: int
    """SimPy events scheduled during the run."""


def _patient(env: simpy.Environment, rng: random.Random, nurses: simpy.Resource, doctors: simpy.Resource,
             beds: simpy.Resource, waits: dict[str, list[float]]) -> Generator[simpy.Event, Any, None]:
    queued = env.now
    with nurses.request() as req:
        yield req
        waits["triage"].append(env.now - queued)
        yield env.timeout(rng.expovariate(1.0 / ref.TRIAGE_MEAN))
    queued = env.now
    with doctors.request() as req:
        yield req
        waits["exam"].append(env.now - queued)
        yield env.timeout(rng.lognormvariate(EXAM_MU, EXAM_SIGMA))
    if rng.random() < ref.ADMITTED:
        queued = env.now
        with beds.request() as req:
            yield req
            waits["ward"].append(env.now - queued)
            yield env.timeout(rng.lognormvariate(STAY_MU, STAY_SIGMA))


def _arrivals(env: simpy.Environment, rng: random.Random, resources: tuple[simpy.Resource, ...],
              waits: dict[str, list[float]], created: list[int]) -> Generator[simpy.Event, Any, None]:
    rate = ref.RATE_PER_HOUR / 60.0
    while True:
        yield env.timeout(rng.expovariate(rate))
        created[0] += 1
        env.process(_patient(env, rng, *resources, waits))


def run(patients: int, seed: int = ref.DEFAULT_SEED) -> IdiomaticResult:
    """Simulate the reference model over the horizon of `patients` arrivals."""
    env = simpy.Environment()
    rng = random.Random(seed)
    resources = (simpy.Resource(env, ref.NURSES), simpy.Resource(env, ref.DOCTORS), simpy.Resource(env, ref.BEDS))
    waits: dict[str, list[float]] = {name: [] for name in ref.WAITS}
    created = [0]
    env.process(_arrivals(env, rng, resources, waits, created))
    env.run(until=ref.horizon_minutes(patients))
    return IdiomaticResult(waits, created[0], next(env._eid))
