"""`coopsim run --uncertainty N`: the key results when inputs are known only as a range.

N parameter sets are drawn from the scenario's `uncertain:` block by Latin hypercube (each range
cut into N equal-probability strata, one draw in each, uniform or triangular); each set runs as a
variant with the scenario's replications and the same random patients. The spread of a key mean
across the sets mixes two things, which the report separates: how much the inputs move it
(parameter uncertainty) and run-to-run noise. Per set, the replications' variance estimates the
noise; the variance of the set means, less the noise left in a mean of R replications, estimates
the parameter part (method of moments, at least 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from sim.experiment.sensitivity import BASE, Input, SensitivityOptions, described, execute, number, prepare, study, with_variants
from sim.scenario.limits import MAX_VARIANTS

SEED_OFFSET = 7919
"""Added to the run's seed for the Latin hypercube, so that the draws do not reuse the patients' streams."""


def draws(found: list[Input], n: int, seed: int) -> np.ndarray:
    """N Latin-hypercube points of the inputs' ranges, in their base units (one row per draw)."""
    unit = qmc.LatinHypercube(d=len(found), seed=seed + SEED_OFFSET).random(n)
    columns = []
    for j, item in enumerate(found):
        low, high = item.bounds
        if item.spec.mode is None:
            columns.append(low + unit[:, j] * (high - low))
        else:
            mode = (number(item.spec.mode) - low) / (high - low)
            columns.append(stats.triang.ppf(unit[:, j], mode, loc=low, scale=high - low))
    return np.column_stack(columns)


@dataclass(frozen=True)
class Spread:
    """One key mean across the draws: the draws' means, and its variance split into the part the
    inputs make and the run-to-run noise of one replication."""

    means: np.ndarray
    parameter_variance: float
    noise_variance: float

    @property
    def parameter_share(self) -> float:
        """The inputs' share of a replication's variance (NaN when there is none)."""
        total = self.parameter_variance + self.noise_variance
        return self.parameter_variance / total if total > 0 else float("nan")


def spread(values_by_draw: list[list[float]]) -> Spread:
    """Split the variance of a key mean over draws (rows: draws, columns: replications)."""
    x = np.asarray(values_by_draw, dtype=float)
    means = np.nanmean(x, axis=1)
    replications = x.shape[1]
    noise = float(np.nanmean(np.nanvar(x, axis=1, ddof=1))) if replications > 1 else float("nan")
    between = float(np.var(means, ddof=1)) if len(means) > 1 else 0.0
    parameter = max(0.0, between - (noise / replications if replications > 1 else 0.0))
    return Spread(means, parameter, noise)


def run(path: Path, n: int, options: SensitivityOptions, on_start: Callable[[int, float], None] | None = None,
        on_done: Callable[[Any], None] | None = None) -> Path:
    """Run the baseline and N draws of the uncertain inputs; write the results folder."""
    path = Path(path)
    base, found, data = prepare(path, options)
    seed = options.seed if options.seed is not None else base.base.run.seed
    points = draws(found, min(n, MAX_VARIANTS - 1), seed)
    values = {f"draw{k}": {item.path: item.written(x) for item, x in zip(found, row)} for k, row in enumerate(points, 1)}
    plan = study(path, base, with_variants(path, data, {BASE: {}, **values}, base.sha256), options, options.replications, "uncertainty")
    folder, _ = execute(plan, options, "uncertainty", lambda _: {"method": "Latin hypercube", "draws": len(points), "baseline": BASE,
                                                                 "seed": seed + SEED_OFFSET, "inputs": [described(i) for i in found],
                                                                 "values": values}, on_start=on_start, on_done=on_done)
    return folder
