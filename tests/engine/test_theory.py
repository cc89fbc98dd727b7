"""The engine against queueing theory: M/M/1, M/M/c (Erlang C), Erlang B, Pollaczek-Khinchine,
Cobham's priority queue and Little's law.

Each check runs R independent replications, takes one value per replication (a mean over
the patients or the time of that replication) and asserts that the theoretical value lies in
the Student-t 99 % confidence interval of their mean. Warm-ups are several relaxation times
of the queue, so the initial-transient bias is far below the interval's half-width, as is the
bias of leaving out the few patients still waiting at the end (of some 10^4 per replication).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine import ReplicationResult
from sim.engine.distributions import sampler
from tests.theory import (
    assert_covers,
    erlang_b,
    erlang_c,
    mm1_wait,
    mmc_wait,
    pk_wait,
    priority_waits,
    replicate,
    scenario,
)

pytestmark = pytest.mark.theory

MEAN_SERVICE = 12.0
"""Mean service time of every queue here, in minutes."""


def queue(rate_per_hour: float, servers: int, service: str, horizon: str, warmup: str = "5d", extra: str = "") -> str:
    """One site, one resource `server`, one stream `a` whose single step is a use named `w`."""
    return f"""
version: 1
name: queue
run: {{horizon: {horizon}, warmup: {warmup}}}
sites:
  s:
    resources: {{server: {servers}}}
arrivals:
  - {{name: a, at: s, rate: {rate_per_hour}/h, pathway: p}}
pathways:
  p:
    - {{use: server, name: w, for: {service}{extra}}}
"""


def values(results: list[ReplicationResult], metric: str, scope: str, stat: str) -> list[float]:
    """One statistic of every replication."""
    return [r.value(metric, scope, stat) for r in results]


def test_formulas_reproduce_published_examples() -> None:
    """Each formula against the numeric example named in its docstring."""
    assert erlang_b(10, 5.084) == pytest.approx(0.02, abs=5e-5)
    assert erlang_b(5, 1.361) == pytest.approx(0.01, abs=5e-5)
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)
    assert mmc_wait(11, 200 / 3600, 180.0) == pytest.approx(122.8, abs=0.05)
    assert mm1_wait(1 / 1.25, 1.0) == pytest.approx(4.0)
    assert pk_wait(1 / 1.25, 1.0, 0.0) == pytest.approx(2.0)
    assert pk_wait(1 / 1.25, 1.0, 1.0) == pytest.approx(mm1_wait(1 / 1.25, 1.0))
    assert mmc_wait(1, 0.8, 1.0) == pytest.approx(mm1_wait(0.8, 1.0))
    high, low = priority_waits([1 / 60, 9 / 60], [5.0, 5.0], [50.0, 50.0])
    assert high + 5 == pytest.approx(9.545, abs=5e-4)
    assert low + 5 == pytest.approx(32.27, abs=5e-3)


@pytest.fixture(scope="module")
def mm1() -> list[ReplicationResult]:
    """M/M/1 at ρ = 0.8: 4/h, exponential service of 12 min."""
    return replicate(queue(4, 1, "{exponential: {mean: 12min}}", "100d"), 30)


@pytest.fixture(scope="module")
def mm3() -> list[ReplicationResult]:
    """M/M/3 at ρ = 0.8: 12/h, exponential service of 12 min."""
    return replicate(queue(12, 3, "{exponential: {mean: 12min}}", "40d"), 30)


def test_mm1_mean_wait(mm1: list[ReplicationResult]) -> None:
    assert_covers(values(mm1, "wait", "w", "mean"), mm1_wait(4 / 60, MEAN_SERVICE), "M/M/1 Wq")


def test_mm1_arrivals_follow_the_rate(mm1: list[ReplicationResult]) -> None:
    """Counted arrivals: rate × horizon (patients arriving in the warm-up are not counted)."""
    assert_covers(values(mm1, "patients", "arrivals", "count"), 4 / 60 * 100 * 1440, "arrivals")


def test_mmc_mean_wait_is_erlang_c(mm3: list[ReplicationResult]) -> None:
    assert_covers(values(mm3, "wait", "w", "mean"), mmc_wait(3, 12 / 60, MEAN_SERVICE), "M/M/3 Wq")


def test_littles_law(mm3: list[ReplicationResult]) -> None:
    """Busy units = λ E[S]; mean queue = λ Wq; mean number inside = λ × mean time in system."""
    rate = 12 / 60
    busy = [3 * r.value("occupancy", "s.server", "mean") for r in mm3]
    assert_covers(busy, rate * MEAN_SERVICE, "busy servers")
    utilisation = [3 * u for u in values(mm3, "utilisation", "s.server", "mean")]
    assert_covers(utilisation, rate * MEAN_SERVICE, "utilisation × c")
    queue_gap = [r.value("queue", "s.server", "mean") - rate * r.value("wait", "w", "mean") for r in mm3]
    assert_covers(queue_gap, 0.0, "Lq - λ Wq")
    inside_gap = [b + r.value("queue", "s.server", "mean") - rate * r.value("time_in_system", "a", "mean")
                  for b, r in zip(busy, mm3)]
    assert_covers(inside_gap, 0.0, "L - λ W")


@pytest.mark.parametrize("service", ["{exponential: {mean: 12min}}", "{lognormal: {mean: 12min, sd: 20min}}"],
                         ids=["exponential", "lognormal"])
def test_zero_patience_loss_is_erlang_b(service: str) -> None:
    """With `patience: 0min`, an arrival finding all 4 servers busy leaves: B(4, a) whatever the
    service distribution (insensitivity of the loss formula)."""
    results = replicate(queue(15, 4, service, "20d", "1d", extra=", patience: 0min"), 20)
    shares = [r.value("patients", "left_unseen", "count") / r.value("patients", "arrivals", "count") for r in results]
    assert_covers(shares, erlang_b(4, 15 / 60 * MEAN_SERVICE), "Erlang B loss")
    for r in results:
        assert r.value("wait", "w", "left_unseen") == r.value("patients", "left_unseen", "count")
        assert r.value("patients", "left_waiting", "count") == r.value("patients", "left_unseen", "count")  # none went elsewhere
        assert r.value("wait", "w", "max") == 0.0


@pytest.mark.parametrize("sd", [6.0, 20.0])
def test_mg1_mean_wait_is_pollaczek_khinchine(sd: float) -> None:
    """Lognormal service of mean 12 min, coefficient of variation 0.5 and 1.67, at ρ = 0.75."""
    service = f"{{lognormal: {{mean: 12min, sd: {sd:g}min}}}}"
    results = replicate(queue(3.75, 1, service, "100d"), 30)
    assert_covers(values(results, "wait", "w", "mean"), pk_wait(3.75 / 60, MEAN_SERVICE, sd), f"M/G/1 Wq (sd {sd:g})")


PRIORITY = """
version: 1
name: priority
run: {horizon: 100d, warmup: 5d}
sites:
  s:
    resources: {server: 1}
arrivals:
  - {name: a, at: s, rate: 4/h, attributes: {cls: {1: 0.3, 2: 0.7}}, pathway: p}
pathways:
  p:
    - branch:
        - when: {cls: 1}
          steps:
            - {use: server, name: w1, priority: cls, for: {exponential: {mean: 12min}}}
        - otherwise:
            - {use: server, name: w2, priority: cls, for: {exponential: {mean: 12min}}}
"""


def test_non_preemptive_priority_waits_are_cobham() -> None:
    """Two classes sharing one server, class 1 first (30 % of 4/h), exponential 12 min service.

    The overall mean wait stays the FCFS M/M/1 value (Kleinrock's conservation law)."""
    results = replicate(PRIORITY, 30)
    rates = [0.3 * 4 / 60, 0.7 * 4 / 60]
    theory = priority_waits(rates, [MEAN_SERVICE] * 2, [2 * MEAN_SERVICE**2] * 2)
    assert_covers(values(results, "wait", "w1", "mean"), theory[0], "class 1 wait")
    assert_covers(values(results, "wait", "w2", "mean"), theory[1], "class 2 wait")
    overall = [(r.value("wait", "w1", "mean") * r.value("wait", "w1", "count")
                + r.value("wait", "w2", "mean") * r.value("wait", "w2", "count"))
               / (r.value("wait", "w1", "count") + r.value("wait", "w2", "count")) for r in results]
    assert_covers(overall, mm1_wait(4 / 60, MEAN_SERVICE), "overall wait")


@pytest.mark.parametrize(("mean", "sd"), [(30.0, 20.0), (10.0, 40.0)])
def test_truncated_normal_is_scipys_truncnorm(mean: float, sd: float) -> None:
    """`normal: {mean, sd}` truncated at 0: the sampler's moments and draws against
    scipy.stats.truncnorm (Kolmogorov-Smirnov, p > 0.001)."""
    text = queue(1, 1, f"{{normal: {{mean: {mean:g}min, sd: {sd:g}min}}}}", "1d", "0d")
    normal = sampler(scenario(text).pathways["p"][0].for_)
    reference = stats.truncnorm(-mean / sd, np.inf, loc=mean, scale=sd)
    assert (normal.mean, normal.sd) == pytest.approx((reference.mean(), reference.std()), rel=1e-9)
    draws = normal.draw(np.random.default_rng(5), 20_000)
    assert draws.min() >= 0
    assert stats.kstest(draws, reference.cdf).pvalue > 0.001
