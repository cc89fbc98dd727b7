"""Quantiles of Student's t and of the normal distribution, for confidence intervals.

From `scipy.special` (the functions `scipy.stats` calls for `t.ppf` and `norm.ppf`, so the same
numbers to the last bit), imported when first needed, and remembered: a run asks for the same
few quantiles hundreds of times: `scipy.stats` alone takes a third of a
second to import, more than most runs spend on their tables.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)
def t_quantile(q: float, df: float) -> float:
    """The q-quantile of Student's t with `df` degrees of freedom (`scipy.stats.t.ppf(q, df)`)."""
    from scipy import special

    return float(special.stdtrit(df, q))


def normal_quantile(q: float) -> float:
    """The q-quantile of the standard normal distribution (`scipy.stats.norm.ppf(q)`)."""
    from scipy import special

    return float(special.ndtri(q))
