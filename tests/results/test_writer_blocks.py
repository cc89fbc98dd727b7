"""The column-wise CSV writer gives the bytes of the row-wise one, and the light quantiles are scipy.stats' own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.results import writer
from sim.results.quantiles import TABULATED, _table, normal_quantile, t_quantile

pytestmark = pytest.mark.unit

EDGES = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e15, -1e15 + 1, 1e16, 123456.5, 1234567.0, 0.1 + 0.2, 5e-324,
         1.7976931348623157e308, 999999.5, 9999995.0, 1e-5, 0.0001, 2.5e-7, 9.99995e-5, -9.9999949e-5, 0.000099999,
         99999.95, 999.5, -999.5, 499999.99, 500000.4, 0.00010000049, 1e-300, -2.5e-7]


@pytest.mark.parametrize("digits", [None, 6, 3])
def test_blocks_are_written_as_the_same_rows_would_be(digits: int | None) -> None:
    rng = np.random.default_rng(11)
    values = np.concatenate([rng.random(3000), rng.random(500) * 1e-5, np.round(rng.random(500) * 30), EDGES,
                             rng.standard_normal(2000) * 10.0 ** rng.integers(-8, 18, 2000)])
    other = values[::-1].copy()
    names = ["a,b", 'x"y', "plain"]
    blocks, rows = [], []
    for k, name in enumerate(names):
        part = slice(k * len(values) // 3, (k + 1) * len(values) // 3)
        count = len(values[part])
        columns = {"variant": name, "p": 0.25 * k, "hour": np.arange(count), "value": values[part], "other": other[part]}
        if k != 1:
            columns["flag"] = np.full(count, 2.0)
        blocks.append((count, columns))
        rows += [{key: (col[i] if isinstance(col, np.ndarray) else col) for key, col in columns.items()} for i in range(count)]
    head = ["variant", "p", "hour", "value", "other", "flag", "missing"]
    assert writer.csv_blocks(blocks, head, digits) == writer.csv_text(rows, head, digits)


def test_rows_appended_without_a_header_complete_the_table() -> None:
    rows = [{"a": 1.5, "b": "x"}, {"a": float("nan"), "b": "y,z"}]
    assert writer.csv_text(rows[:1], ["a", "b"]) + writer.csv_text(rows[1:], ["a", "b"], header=False) == writer.csv_text(rows, ["a", "b"])


@pytest.mark.parametrize("df", [1, 2, 3, 9, 19, 39, 159, 999, 1e6])
def test_t_and_normal_quantiles_are_scipy_stats_to_the_last_bit(df: float) -> None:
    for q in (0.5, 0.9, 0.95, 0.975, 0.99, 1 - 0.05 / 6, 0.9916666666666667, 0.999):
        assert t_quantile(q, df) == float(stats.t.ppf(q, df))
        assert normal_quantile(q) == float(stats.norm.ppf(q))


def test_the_tabulated_quantiles_of_95_percent_intervals_are_scipy_stats_own() -> None:
    """Every number of the table a run reads instead of importing scipy, against scipy.stats."""
    t, normal = _table()
    df = np.arange(1, len(t) + 1)
    assert len(t) == 10_000 and TABULATED == 0.975
    np.testing.assert_array_equal(t, stats.t.ppf(TABULATED, df))
    assert normal == float(stats.norm.ppf(TABULATED)) == normal_quantile(0.5 + 0.95 / 2)
    for k in (1, 2, 39, 1000, 10_000):
        assert t_quantile(0.5 + 0.95 / 2, k) == float(stats.t.ppf(TABULATED, k)) == t[k - 1]
    assert t_quantile(TABULATED, 10_001) == float(stats.t.ppf(TABULATED, 10_001))  # beyond the table: scipy
