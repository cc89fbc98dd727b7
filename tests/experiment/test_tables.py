"""Tables of results: the vectorised column percentile agrees with numpy's, and hourly rows that repeat are kept once."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import ReplicationResult
from sim.engine.stats import HourlyOccupancy
from sim.experiment.executors import Task
from sim.experiment.tables import SharedHours, column_percentile

pytestmark = pytest.mark.unit


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 30), st.floats(0, 100), st.integers(0, 2**31 - 1), st.floats(0, 0.9))
def test_column_percentile_matches_nanpercentile(rows, columns, q, seed, missing):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, columns))
    values[rng.random(values.shape) < missing] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        expected = np.nanpercentile(values, q, axis=0)
    np.testing.assert_allclose(column_percentile(values, q), expected, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_a_transfer_route_missing_from_a_replication_counts_as_zero():
    """A route that only some replications used averages over all of them, not only those."""
    from sim.engine import ReplicationResult
    from sim.experiment.tables import values

    rows = [("transfers", "a>b", "count", 4.0, "patients"), ("transfers", "a>b", "transport_mean", 20.0, "min")]
    table = values([ReplicationResult(0, rows), ReplicationResult(1, [])])
    assert table[("transfers", "a>b", "count", "patients")] == [4.0, 0.0]
    assert np.isnan(table[("transfers", "a>b", "transport_mean", "min")][1])


def test_hourly_rows_that_repeat_are_kept_once_and_only_those() -> None:
    """A capacity that follows a timetable is the same array in every replication; rows that
    differ, even by the sign of a zero, stay their own."""
    shared = SharedHours()
    capacity, zeros = np.array([2.0, 2.0, 3.0, np.nan]), np.zeros(4)
    first = ReplicationResult(0, [], {"h.bed": HourlyOccupancy(np.array([1.0, 2.0, 0.5, 0.0]), capacity, zeros)})
    second = ReplicationResult(1, [], {"h.bed": HourlyOccupancy(np.array([1.5, 2.0, 0.5, 0.0]), capacity.copy(), -zeros)})
    third = ReplicationResult(0, [], {"h.bed": HourlyOccupancy(np.array([1.5, 2.0, 0.5, 0.0]), capacity.copy(), None)})
    shared.add(Task("base", 0), first)
    shared.add(Task("base", 1), second)
    shared.add(Task("more", 0), third)
    kept = second.hourly["h.bed"]
    assert kept.capacity is first.hourly["h.bed"].capacity  # NaN included: the same bytes
    assert kept.busy is not first.hourly["h.bed"].busy and kept.blocked is not zeros and np.signbit(kept.blocked).all()
    assert third.hourly["h.bed"].capacity is not capacity  # another variant: its own rows
