"""A replication leaves nothing behind: its model, one large reference cycle, is freed before
`simulate` returns, so a process running many replications does not hold their models."""

from __future__ import annotations

import gc

import pytest

from sim.bench.reference import reference_scenario
from sim.engine import simulate
from sim.engine.context import Context
from sim.engine.resources import Resource

pytestmark = pytest.mark.unit


def alive(kind: type) -> int:
    """How many objects of a type the collector tracks now (without collecting first)."""
    return sum(isinstance(o, kind) for o in gc.get_objects())


def test_no_model_outlives_its_replication() -> None:
    scenario = reference_scenario(3_000)
    gc.collect()
    before = alive(Context), alive(Resource)
    for replication in range(5):
        found = simulate(scenario, replication, 7)
        assert found.patients > 0
        assert (alive(Context), alive(Resource)) == before
