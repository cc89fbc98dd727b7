"""Exact stationary solution of two loss stations in tandem with blocking after service.

Poisson arrivals (rate `lam`) take one of `c1` units of station 1 or are lost; after an
exponential service (rate `mu1`) a patient moves to one of `c2` units of station 2 or, if all
are busy, stays blocked in its station-1 unit until one frees (FCFS). Station 2 serves at
rate `mu2` per patient and has no waiting room. The continuous-time Markov chain on
(a in service at 1, b blocked at 1, n2 at 2) is small, so its balance equations are solved
directly; the simulator's bed-blocking results are checked against these exact numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

State = tuple[int, int, int]


@dataclass(frozen=True)
class TandemResult:
    """Stationary measures of the tandem; rates per unit of time, counts in patients."""

    loss: float
    throughput: float
    mean_station1: float
    mean_station2: float
    mean_blocked: float
    blocked_share: float
    states: int


def _states(c1: int, c2: int) -> list[State]:
    """All (a, b, n2) with a + b <= c1, n2 <= c2, and b > 0 only when station 2 is full."""
    return [(a, b, n2) for n2 in range(c2 + 1) for a in range(c1 + 1) for b in range(c1 - a + 1 if n2 == c2 else 1)]


def _transitions(s: State, lam: float, mu1: float, mu2: float, c1: int, c2: int) -> list[tuple[State, float]]:
    """Target states and rates out of `s`: an arrival, a station-1 completion, a station-2 completion."""
    a, b, n2 = s
    out = []
    if a + b < c1:
        out.append(((a + 1, b, n2), lam))
    if a > 0:
        out.append(((a - 1, b, n2 + 1) if n2 < c2 else (a - 1, b + 1, n2), a * mu1))
    if n2 > 0:
        out.append(((a, b - 1, n2) if b > 0 else (a, b, n2 - 1), n2 * mu2))
    return out


def tandem_blocking(lam: float, mu1: float, mu2: float, c1: int, c2: int) -> TandemResult:
    """Solve pi Q = 0, sum(pi) = 1 for the tandem and return its loss, throughput and occupancies."""
    if min(lam, mu1, mu2) <= 0 or c1 < 1 or c2 < 1:
        raise ValueError("rates must be positive and both stations need at least one unit")
    states = _states(c1, c2)
    index = {s: i for i, s in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    for i, s in enumerate(states):
        for t, rate in _transitions(s, lam, mu1, mu2, c1, c2):
            q[i, index[t]] += rate
            q[i, i] -= rate
    # The chain is irreducible, so dropping one balance equation for the normalisation is exact.
    lhs = q.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(len(states))
    rhs[-1] = 1.0
    pi = np.linalg.solve(lhs, rhs)
    a, b, n2 = np.array(states, dtype=float).T
    loss = float(pi[a + b == c1].sum())
    mean_blocked = float(pi @ b)
    return TandemResult(
        loss=loss,
        throughput=lam * (1.0 - loss),
        mean_station1=float(pi @ (a + b)),
        mean_station2=float(pi @ n2),
        mean_blocked=mean_blocked,
        blocked_share=mean_blocked / c1,
        states=len(states),
    )
