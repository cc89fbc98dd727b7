"""The engine and the idiomatic SimPy model of the bench simulate the same system.

Both run the reference model (triage, exam, 30 % to the ward, each at a utilisation of 0.9)
for a few independent replications; the mean wait at each step and the admitted share
agree within a 99 % Welch interval of their difference. The triage queue is M/M/3, so both
must also find Erlang C's mean wait.
"""

from __future__ import annotations

import math
import statistics

import pytest
from scipy import stats

from sim.bench import idiomatic
from sim.bench import reference as ref
from sim.engine import simulate

PATIENTS = 40_000
REPLICATIONS = 8
METRICS = (*ref.WAITS, "admitted")

pytestmark = [pytest.mark.slow, pytest.mark.theory]


def _engine() -> dict[str, list[float]]:
    scenario = ref.reference_scenario(PATIENTS)
    found: dict[str, list[float]] = {m: [] for m in METRICS}
    for r in range(REPLICATIONS):
        result = simulate(scenario, r, ref.DEFAULT_SEED)
        for name in ref.WAITS:
            found[name].append(result.value("wait", name, "mean"))
        found["admitted"].append(result.value("wait", "ward", "count") / result.value("wait", "exam", "count"))
    return found


def _idiomatic() -> dict[str, list[float]]:
    found: dict[str, list[float]] = {m: [] for m in METRICS}
    for r in range(REPLICATIONS):
        result = idiomatic.run(PATIENTS, seed=r + 1)
        for name in ref.WAITS:
            found[name].append(statistics.fmean(result.waits[name]))
        found["admitted"].append(len(result.waits["ward"]) / len(result.waits["exam"]))
    return found


@pytest.fixture(scope="module")
def samples() -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    return _engine(), _idiomatic()


def _welch(a: list[float], b: list[float], level: float = 0.99) -> tuple[float, float]:
    """Interval of mean(a) - mean(b) at `level`, Welch-Satterthwaite degrees of freedom."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(va + vb)
    diff = statistics.fmean(a) - statistics.fmean(b)
    return diff - half, diff + half


def _interval(x: list[float], level: float = 0.99) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * statistics.stdev(x) / math.sqrt(len(x))
    return statistics.fmean(x) - half, statistics.fmean(x) + half


def _erlang_c_wait(rate: float, mean: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue."""
    a = rate * mean
    top = a**servers / math.factorial(servers) / (1 - a / servers)
    waiting = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return waiting * mean / (servers - a)


@pytest.mark.parametrize("metric", METRICS)
def test_engine_and_idiomatic_agree(samples, metric):
    engine, textbook = samples
    low, high = _welch(engine[metric], textbook[metric])
    assert low <= 0.0 <= high, f"{metric}: engine - idiomatic in [{low:.3f}, {high:.3f}]"
    scale = statistics.fmean(engine[metric] + textbook[metric])
    assert high - low < (0.05 if metric == "admitted" else 1.0) * scale  # narrow enough to tell a wrong model


def test_admitted_share_is_the_branch_probability(samples):
    for found in samples:
        low, high = _interval(found["admitted"])
        assert low <= ref.ADMITTED <= high


def test_triage_matches_erlang_c(samples):
    expected = _erlang_c_wait(ref.RATE_PER_HOUR / 60.0, ref.TRIAGE_MEAN, ref.NURSES)
    for found in samples:
        low, high = _interval(found["triage"])
        assert low <= expected <= high, f"triage wait {low:.2f}-{high:.2f} min, Erlang C {expected:.2f} min"
