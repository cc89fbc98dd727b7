"""Tables of results: the vectorised column percentile agrees with numpy's."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.tables import column_percentile


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
