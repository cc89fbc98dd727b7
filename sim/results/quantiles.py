"""Quantiles of Student's t and of the normal distribution, for confidence intervals.

From `scipy.special` (the functions `scipy.stats` calls for `t.ppf` and `norm.ppf`, so the same
numbers to the last bit): those of 95 % intervals read from a table scipy made, any other imported
when first needed, and remembered: a run asks for the same few quantiles hundreds of times, and
`scipy.special` takes a tenth of a second to import (`scipy.stats` a third), more than most runs
spend on their tables.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

TABLE = Path(__file__).parent / "data" / "quantiles.npz"
"""scipy's quantiles of 95 % intervals, tabulated (data/make_quantiles.py; every number checked
against scipy by tests/results/test_quantiles.py): most runs never import scipy.special."""
TABULATED = 0.5 + 0.95 / 2
"""The quantile a 95 % interval asks for, computed as the intervals compute it."""


@lru_cache(maxsize=1)
def _table() -> tuple[np.ndarray, float]:
    """Student's t quantiles at TABULATED for 1, 2, ... degrees of freedom, and the normal's."""
    with np.load(TABLE) as data:
        return data["t"], float(data["normal"][0])


@lru_cache(maxsize=1024)
def t_quantile(q: float, df: float) -> float:
    """The q-quantile of Student's t with `df` degrees of freedom (`scipy.stats.t.ppf(q, df)`)."""
    t, _ = _table()
    if q == TABULATED and float(df).is_integer() and 1 <= df <= len(t):
        return float(t[int(df) - 1])
    from scipy import special

    return float(special.stdtrit(df, q))


def normal_quantile(q: float) -> float:
    """The q-quantile of the standard normal distribution (`scipy.stats.norm.ppf(q)`)."""
    if q == TABULATED:
        return _table()[1]
    from scipy import special

    return float(special.ndtri(q))
