"""Patients, the random numbers tied to them, and the arrival streams that create them.

Common random numbers: every random quantity a patient may need (each step's duration,
patience, branch draw, attribute) has its own named stream per arrival stream, and patient
i of a stream takes the i-th number of each. Numbers are drawn in numpy batches aligned with
the chunks of arrival times, so the same patient gets the same numbers in every variant
however the simulation unfolds. A step visited again (a loop through `goto`) draws from a
stream keyed by the patient and the visit, which keeps that independent of order too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from heapq import heappush
from typing import Any

import numpy as np
from simpy.core import Environment

from sim.engine import streams
from sim.engine.arrivals import RateProfile, arrival_times
from sim.engine.distributions import Sampler
from sim.engine.events import NORMAL, Wakeup, heap
from sim.engine.records import StreamRecord

BLOCK = 512
"""Patients whose numbers are made at once: few enough that they are still in the processor's
cache when they arrive (the numbers do not depend on it: see `StreamDraws.rows`)."""


class Patient(Wakeup):
    """One patient: who it is, where it is, what it holds, and its own random numbers.

    A patient is also the SimPy event that wakes it up after a timed step: `callbacks` holds
    the step to resume, so a timed step costs one scheduled event and no allocation.
    """

    __slots__ = ("stream", "index", "site", "attrs", "draws", "revisits", "arrival", "counted", "since", "held",
                 "origin", "moves", "travel", "home", "booked", "diverted", "kept", "kept_since", "kept_from", "reserved",
                 "handed_over")

    def __init__(self, stream: int, index: int, site: int, attrs: tuple[Any, ...], draws: list[float | None], arrival: float,
                 counted: bool):
        self.callbacks: list[Callable[[Any], None]] | None = None
        self.stream = stream
        self.index = index
        self.site = site
        self.attrs = attrs
        self.draws = draws
        """Its numbers, one per random quantity of its stream; each is replaced by None once read, so
        that a second read (a return to the step) takes a number keyed by the visit instead."""
        self.revisits: dict[int, int] | None = None
        self.arrival = arrival
        self.counted = counted
        self.since = arrival
        self.held: list[Any] | None = None
        """The units held through a `during`, innermost last (a list from the first)."""
        self.origin = site
        """The site of the patient's stream, where it appeared (flows start there)."""
        self.moves = 0
        self.travel = 0.0
        """Transfers so far and their transport minutes."""
        self.home: int | None = None
        """Where to come back to after an exam at another site's shared calendar."""
        self.booked = site
        """The site of the calendar the patient has an appointment with."""
        self.diverted: Any = None
        """The step that just sent the patient to a partner (not to divert it twice)."""
        self.kept: Any = None
        """The unit the patient keeps after its care there is over (`keep: until_next`), if any."""
        self.kept_since = 0.0
        self.kept_from = 0.0
        """When the care on the kept unit ended, and when the patient took that unit."""
        self.reserved: Any = None
        """A unit held for the patient at a site it is travelling to (a reserving transfer)."""
        self.handed_over = False
        """Whether the patient has left the first unit it kept (its time to handover is recorded)."""


@dataclass(frozen=True)
class DrawKey:
    """One random quantity of a pathway: the step it belongs to and what it is for."""

    step: str
    purpose: str
    sampler: Sampler | None
    """Distribution of the quantity; None for a uniform draw on [0, 1)."""

    def draw(self, generator: np.random.Generator, n: int) -> np.ndarray:
        """n values of this quantity."""
        return generator.random(n) if self.sampler is None else self.sampler.draw(generator, n)


@dataclass(frozen=True)
class AttributeSpec:
    """How one attribute of a stream is drawn: its values and their cumulative probabilities."""

    name: str
    values: tuple[Any, ...]
    cumulative: np.ndarray


class StreamDraws:
    """The named generators of one arrival stream in one replication."""

    def __init__(self, seed: int, replication: int, stream: str, keys: list[DrawKey], attributes: list[AttributeSpec]):
        self.seed, self.replication, self.stream = seed, replication, stream
        self.keys = keys
        self.generators = [streams.generator(seed, replication, "draw", stream, k.step, k.purpose) for k in keys]
        self.attributes = attributes
        self.attribute_generators = [streams.generator(seed, replication, "attribute", stream, a.name) for a in attributes]

    def rows(self, n: int) -> tuple[list[list[float]], list[tuple[Any, ...]]]:
        """The next n patients' numbers (one list per patient) and attribute values."""
        if self.keys:
            columns = [key.draw(g, n) for key, g in zip(self.keys, self.generators)]
            draws = np.column_stack(columns).tolist()
        else:
            draws = [[] for _ in range(n)]
        columns = []
        for spec, g in zip(self.attributes, self.attribute_generators):
            if len(spec.values) == 1:
                columns.append([spec.values[0]] * n)
            else:
                picks = np.searchsorted(spec.cumulative, g.random(n), side="right")
                picks = np.minimum(picks, len(spec.values) - 1)
                columns.append([spec.values[k] for k in picks.tolist()])
        attrs = list(zip(*columns)) if columns else [()] * n
        return draws, attrs

    def revisit(self, slot: int, patient: int, visit: int) -> float:
        """The number of quantity `slot` for a patient's `visit`-th return to the same step."""
        key = self.keys[slot]
        g = streams.generator(self.seed, self.replication, "revisit", self.stream, key.step, key.purpose, patient, visit)
        return float(key.draw(g, 1)[0])


class ArrivalDriver(Wakeup):
    """Creates the patients of one stream at their arrival times and starts their pathway.

    It is a SimPy event too: it wakes itself at each arrival time.
    """

    __slots__ = ("env", "stream", "site", "draws", "start", "warmup", "_chunks", "_chunk", "_times", "_rows", "_attrs", "_pos", "created",
                 "record", "on_arrival", "route", "travel", "_queue", "_eid", "_wake")

    def __init__(self, env: Environment, stream: int, site: int, profile: RateProfile, generator: np.random.Generator,
                 draws: StreamDraws, start: Callable[[Patient], None], warmup: float, record: StreamRecord,
                 on_arrival: Callable[[Patient], None] | None = None):
        self.callbacks: list[Callable[[Any], None]] | None = None
        self.env, self.stream, self.site, self.draws, self.start, self.warmup = env, stream, site, draws, start, warmup
        self.record = record
        """The stream's record, which counts the patients arriving after the warm-up."""
        self.on_arrival = on_arrival
        """Told of each patient as it arrives (the event log), if anything is."""
        self._queue, self._eid = heap(env)
        self._wake = [self._arrive]
        self.route: Callable[[Patient], int] | None = None
        """Chooses the care site at arrival (a `route` rule), if any."""
        self.travel: Callable[[Patient, int], None] | None = None
        """Takes a routed patient to the chosen site (a `route` rule with `travel`), if any."""
        self._chunks: Iterator[np.ndarray] = arrival_times(profile, generator)
        self._chunk = np.empty(0)
        """The arrival times of the current chunk; `_times` is the part of it being used."""
        self._times: list[float] = []
        self._rows: list[list[float]] = []
        self._attrs: list[tuple[Any, ...]] = []
        self._pos = 0
        self.created = 0
        """Patients created so far (the next patient's index)."""
        self._schedule_next()

    def _schedule_next(self) -> None:
        if self._pos == len(self._times):
            if not len(self._chunk):
                chunk = next(self._chunks, None)
                if chunk is None:
                    return
                self._chunk = chunk
            self._times = self._chunk[:BLOCK].tolist()
            self._chunk = self._chunk[BLOCK:]
            self._rows, self._attrs = self.draws.rows(len(self._times))
            self._pos = 0
        self.callbacks = self._wake
        now = self.env._now
        heappush(self._queue, (now + (self._times[self._pos] - now), NORMAL, next(self._eid), self))

    def _arrive(self, _: Any) -> None:
        now = self.env._now
        k = self._pos
        counted = now >= self.warmup
        patient = Patient(self.stream, self.created, self.site, self._attrs[k], self._rows[k], now, counted)
        if counted:
            self.record.arrivals += 1
        self._pos += 1
        self.created += 1
        if self._pos < len(self._times):  # `_schedule_next` within a chunk, inlined: the hot path
            self.callbacks = self._wake
            heappush(self._queue, (now + (self._times[self._pos] - now), NORMAL, next(self._eid), self))
        else:
            self._schedule_next()
        if self.route is not None:
            site = self.route(patient)
            if self.travel is not None and site != patient.site:
                if self.on_arrival is not None:
                    self.on_arrival(patient)
                self.travel(patient, site)
                return
            patient.site = site
        if self.on_arrival is not None:
            self.on_arrival(patient)
        self.start(patient)
