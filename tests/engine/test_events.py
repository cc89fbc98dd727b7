"""SimPy's event protocol as `sim.engine.events` declares it: a Wakeup scheduled with
`env.schedule` is woken at its time through its callbacks, counted by `scheduled` and seen by
`pending` while it waits. A SimPy release that changes any of this fails here first."""

from __future__ import annotations

import pytest
import simpy
from simpy.core import Environment

from sim.engine.events import NORMAL, Wakeup, pending, scheduled

pytestmark = pytest.mark.unit


class Alarm(Wakeup):
    __slots__ = ("rang",)

    def __init__(self) -> None:
        super().__init__()
        self.rang: list[float] = []


def test_a_wakeup_is_woken_at_its_time_with_itself() -> None:
    env = Environment()
    alarm = Alarm()
    alarm.callbacks = [lambda event: event.rang.append(env.now)]
    env.schedule(alarm, NORMAL, 7.5)
    assert list(pending(env)) == [alarm]
    env.run()
    assert alarm.rang == [7.5] and alarm.callbacks is None and list(pending(env)) == []


def test_scheduled_counts_every_event_put_on_the_schedule() -> None:
    env = Environment()
    for delay in (1.0, 2.0, 3.0):
        alarm = Alarm()
        alarm.callbacks = [lambda event: None]
        env.schedule(alarm, NORMAL, delay)
    env.run()
    assert scheduled(env) == 3


def test_the_simpy_the_engine_was_checked_with() -> None:
    major, minor = (int(part) for part in simpy.__version__.split(".")[:2])
    assert (major, minor) == (4, 1), f"SimPy {simpy.__version__}: check sim/engine/events.py against its Environment.step"


def test_a_push_through_heap_is_what_schedule_does() -> None:
    """The hot steps' push onto SimPy's heap: the same entry, the same order, the same count."""
    from heapq import heappush

    from sim.engine.events import heap

    woken: dict[str, list[tuple[str, float]]] = {"schedule": [], "heap": []}
    for way in woken:
        env = Environment()
        queue, eid = heap(env)
        for k, delay in enumerate((3.0, 1.0, 3.0, 0.0, 2.5)):
            alarm = Alarm()
            alarm.callbacks = [lambda event, k=k, way=way, env=env: woken[way].append((k, env.now))]
            if way == "schedule":
                env.schedule(alarm, NORMAL, delay)
            else:
                heappush(queue, (env._now + delay, NORMAL, next(eid), alarm))
        env.run()
        assert scheduled(env) == 5
    assert woken["heap"] == woken["schedule"] == [(3, 0.0), (1, 1.0), (4, 2.5), (0, 3.0), (2, 3.0)]


def test_a_run_collects_rarely_then_restores_the_collector() -> None:
    import gc

    from sim.engine.replication import GC_THRESHOLD, rare_collections

    before = gc.get_threshold()
    with rare_collections():
        assert gc.get_threshold()[0] == GC_THRESHOLD and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
