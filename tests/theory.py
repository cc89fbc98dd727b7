"""Queueing theory the simulation is checked against, written from textbook formulas, and the
confidence intervals that turn a handful of replications into a tolerance.

Every formula works in one consistent time unit (the tests use minutes): arrival rates per
unit of time, service moments in that unit. Each function's docstring names its source and
the published numeric example it is checked against in `test_theory.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from sim.engine import ReplicationResult, simulate
from sim.scenario.loader import load_text
from sim.scenario.schema import Scenario


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/G/c/c with offered load `load` = λ E[S] (Erlang's loss formula).

    Erlang (1917); computed with the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))
    (Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed., ch. 2, M/M/c/c).
    The loss probability does not depend on the service distribution beyond its mean
    (Sevastyanov 1957 insensitivity).

    Published check: Erlang B traffic tables give 5.084 erlangs on 10 circuits and 1.361 erlangs
    on 5 circuits for 2 % and 1 % blocking.
    """
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load `load` (Erlang's delay formula).

    C(c, a) = B(c, a) / (1 - ρ (1 - B(c, a))) with ρ = a / c < 1 (Gross et al., ch. 2, M/M/c).

    Published check: the call-centre example of callcentrehelper.com, "Erlang C formula - made
    simple with an easy worked example": 10 erlangs on 11 agents, P(wait) = 68.21 %.
    """
    rho = load / servers
    if rho >= 1:
        raise ValueError("M/M/c is unstable for a load of at least one per server")
    blocking = erlang_b(servers, load)
    return blocking / (1 - rho * (1 - blocking))


def mmc_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue Wq of M/M/c: C(c, a) / (c μ - λ) (Gross et al., ch. 2).

    Published check: the same callcentrehelper.com example, average handling time 180 s:
    average speed of answer 0.6821 × 180 / (11 - 10) = 122.8 s.
    """
    load = arrival_rate * mean_service
    return erlang_c(servers, load) * mean_service / (servers - load)


def mm1_wait(arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue Wq of M/M/1: ρ / (μ - λ) (Gross et al., ch. 2).

    Published check: Kelton, Sadowski & Zupick, *Simulation with Arena*, exercise 2.6.1: mean
    interarrival time 1.25 min and mean service time 1 min give Wq = 4 min (and Lq = 3.2).
    """
    rho = arrival_rate * mean_service
    if rho >= 1:
        raise ValueError("M/M/1 is unstable for ρ >= 1")
    return rho * mean_service / (1 - rho)


def pk_wait(arrival_rate: float, mean_service: float, sd_service: float) -> float:
    """Mean wait in queue of M/G/1 by the Pollaczek-Khinchine formula: λ E[S²] / (2 (1 - ρ)).

    Pollaczek (1930), Khinchine (1932); in the form ρ τ (1 + σ²/τ²) / (2 (1 - ρ)) of Cooper,
    *Introduction to Queueing Theory*, 2nd ed. (1981), p. 189.

    Published check: with constant service (σ = 0) it is the M/D/1 value Wq = ρ / (2 μ (1 - ρ))
    (e.g. the survey "Queueing systems with mathematical models and applications", §4.5), half
    the M/M/1 wait: 2 min in the Kelton et al. example above; with σ = τ it is M/M/1's 4 min.
    """
    rho = arrival_rate * mean_service
    if rho >= 1:
        raise ValueError("M/G/1 is unstable for ρ >= 1")
    second_moment = sd_service**2 + mean_service**2
    return arrival_rate * second_moment / (2 * (1 - rho))


def priority_waits(arrival_rates: Sequence[float], mean_services: Sequence[float],
                   second_moments: Sequence[float]) -> list[float]:
    """Mean wait in queue of each class of a non-preemptive priority M/G/1 queue (class 0 first).

    Cobham (1954), "Priority assignment in waiting line problems", *Operations Research* 2(1):
    W_k = W0 / ((1 - σ_{k-1}) (1 - σ_k)), W0 = Σ λ_i E[S_i²] / 2, σ_k = Σ_{i<=k} ρ_i
    (Gross et al., ch. 3, non-preemptive priorities).

    Published check: the two-class single-machine example built on Prabhu (1981), Table 4.4:
    λ_H = 1/h, λ_L = 9/h, exponential service at 12/h give times in system of 9.545 min (high)
    and 32.27 min (low), i.e. these waits plus the 5 min mean service.
    """
    w0 = sum(lam * m2 for lam, m2 in zip(arrival_rates, second_moments)) / 2
    waits, before = [], 0.0
    for lam, mean in zip(arrival_rates, mean_services):
        after = before + lam * mean
        if after >= 1:
            raise ValueError("the priority queue is unstable")
        waits.append(w0 / ((1 - before) * (1 - after)))
        before = after
    return waits


def md1_balking(arrival_rate: float, service: float, patience: float, step: float = 1e-3) -> tuple[float, float]:
    """M/D/1 where a customer joins only if the workload it finds is at most `patience`:
    (share that balks, mean wait of those that join).

    The workload density solves the level-crossing equation of Brill & Posner (1977, Management
    Science 23(12)) for an M/G/1 queue with workload-dependent balking:
    f(x) = λ P0 (1 − B(x)) + λ ∫₀^{min(x, T)} f(y) (1 − B(x − y)) dy, with 1 − B(u) = 1[u < D]
    for a fixed service D. It is solved forward on a grid and normalised with the atom P0 at 0;
    by PASTA an arrival sees this distribution.
    """
    n, d_steps, t_steps = round((patience + service) / step), round(service / step), round(patience / step)
    x = (np.arange(n) + 0.5) * step
    density, cumulative = np.zeros(n), np.zeros(n + 1)
    empty = 1.0
    for i in range(n):
        low, high = max(0, i - d_steps), min(i, t_steps)
        density[i] = arrival_rate * (empty * (x[i] < service) + (cumulative[high] - cumulative[low] if high > low else 0.0))
        cumulative[i + 1] = cumulative[i] + density[i] * step
    total = empty + density.sum() * step
    joins = x < patience
    join_share = (empty + density[joins].sum() * step) / total
    mean_wait = (density[joins] * x[joins]).sum() * step / total / join_share
    return 1.0 - join_share, float(mean_wait)


def t_interval(values: Sequence[float], level: float = 0.99) -> tuple[float, float]:
    """Mean of per-replication values and the half-width of its Student-t interval at `level`."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(half)


def assert_covers(values: Sequence[float], expected: float, what: str, level: float = 0.99) -> None:
    """Assert that `expected` lies in the Student-t interval of the mean of `values`."""
    mean, half = t_interval(values, level)
    assert abs(mean - expected) <= half, f"{what}: theory {expected:.4g} outside {mean:.4g} ± {half:.3g} ({level:.0%})"


def scenario(text: str, variant: str | None = None) -> Scenario:
    """The validated scenario of YAML text (its first variant, or the one named)."""
    loaded = load_text(text, "test.yaml")
    return (loaded.variant(variant) if variant else loaded.variants[0]).scenario


def replicate(text: str, replications: int, seed: int = 20260105) -> list[ReplicationResult]:
    """Replications 0..n-1 of a scenario given as YAML text."""
    model = scenario(text)
    return [simulate(model, r, seed) for r in range(replications)]


def proportion_interval(successes: int, trials: int, level: float = 0.99) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a binomial proportion at `level`: the β quantiles
    B(α/2; k, n-k+1) and B(1-α/2; k+1, n-k) (Clopper & Pearson 1934, *Biometrika* 26(4))."""
    alpha = 1 - level
    low = stats.beta.ppf(alpha / 2, successes, trials - successes + 1) if successes > 0 else 0.0
    high = stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)
