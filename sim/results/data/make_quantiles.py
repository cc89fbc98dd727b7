#!/usr/bin/env python3
"""Write quantiles.npz beside this file: the quantiles of 95 % confidence intervals, from scipy.

`t`: Student's t quantile at 0.5 + 0.95 / 2 for 1 to 10,000 degrees of freedom
(`scipy.special.stdtrit`, what `scipy.stats.t.ppf` calls); `normal`: the standard normal's
(`scipy.special.ndtri`). A run reads them instead of importing scipy.special (a tenth of a second
at the end of every run); tests/results/test_quantiles.py checks every number against scipy.

    python sim/results/data/make_quantiles.py
"""

from pathlib import Path

import numpy as np
from scipy import special

Q = 0.5 + 0.95 / 2
DEGREES = 10_000

if __name__ == "__main__":
    df = np.arange(1, DEGREES + 1, dtype=float)
    np.savez(Path(__file__).with_name("quantiles.npz"), t=special.stdtrit(df, Q), normal=np.array([special.ndtri(Q)]))
