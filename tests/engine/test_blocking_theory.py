"""Blocking against theory nobody here wrote the engine for: two stations in tandem with blocking
after service, Poisson arrivals lost when station 1 is full (in service or blocked), solved
exactly as a continuous-time Markov chain (tandem_ctmc.py). Throughput, loss probability, the
mean number at each station and the blocked share of station 1 must lie inside the 99 %
Student-t intervals of the replications."""

from __future__ import annotations

import pytest

from tests.engine.tandem_ctmc import tandem_blocking
from tests.theory import assert_covers, erlang_b, replicate

pytestmark = pytest.mark.theory

CASES = [
    (0.1, 1 / 15, 1 / 20, 3, 2),   # a small ED and a smaller ward: a fifth of the ED held by blocked patients
    (0.5, 0.2, 0.1, 5, 3),         # the ward is the bottleneck: most of station 1 blocked
    (2.0, 1.0, 0.3, 4, 4),         # heavy load on both
]
"""(arrivals per minute, service rate at station 1, at station 2, units of each)."""


def tandem(lam: float, mu1: float, mu2: float, c1: int, c2: int) -> str:
    horizon = round(25_000 / lam)  # about 25,000 arrivals per replication
    return f"""
version: 1
name: tandem with blocking after service
run: {{horizon: {horizon}min, warmup: {horizon // 20}min}}
sites: {{h: {{location: [50.0, 3.0], resources: {{s1: {c1}, s2: {c2}}}}}}}
arrivals: [{{name: a, at: h, rate: {lam}/min, pathway: p}}]
pathways:
  p:
    - {{use: s1, name: first, for: {{exponential: {{mean: {1 / mu1}min}}}}, patience: 0min, keep: until_next}}
    - {{use: s2, name: second, for: {{exponential: {{mean: {1 / mu2}min}}}}}}
"""


def test_the_chain_reduces_to_erlang_b_when_station_2_never_blocks() -> None:
    """The chain solved here, checked against the textbook where it must agree with it."""
    exact = tandem_blocking(0.1, 1 / 15, 1e6, 3, 2)
    assert exact.loss == pytest.approx(erlang_b(3, 1.5), rel=1e-9) and exact.mean_blocked < 1e-12


@pytest.mark.parametrize("lam, mu1, mu2, c1, c2", CASES)
def test_tandem_with_blocking_matches_the_exact_chain(lam: float, mu1: float, mu2: float, c1: int, c2: int) -> None:
    exact = tandem_blocking(lam, mu1, mu2, c1, c2)
    text = tandem(lam, mu1, mu2, c1, c2)
    horizon = round(25_000 / lam)
    results = replicate(text, 15)
    arrivals = [r.value("patients", "arrivals", "count") for r in results]
    lost = [r.value("patients", "left_unseen", "count") for r in results]
    assert_covers([lo / a for lo, a in zip(lost, arrivals)], exact.loss, "loss probability")
    assert_covers([(a - lo) / horizon for lo, a in zip(lost, arrivals)], exact.throughput, "throughput per minute")
    assert_covers([r.value("occupancy", "h.s1", "mean") * c1 for r in results], exact.mean_station1, "mean at station 1")
    assert_covers([r.value("occupancy", "h.s2", "mean") * c2 for r in results], exact.mean_station2, "mean at station 2")
    assert_covers([r.value("occupancy", "h.s1", "blocked") for r in results], exact.blocked_share, "blocked share of station 1")
    assert exact.blocked_share > 0.05  # blocking is not negligible in these cases
