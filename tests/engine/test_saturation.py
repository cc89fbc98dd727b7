"""The saturation measures of a resource with a target, recomputed from the event log: whether
someone waited for it, its hours at full capacity, and the patients who waited beyond the target."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import simulate
from tests.theory import scenario

pytestmark = pytest.mark.unit

TEXT = """
version: 1
name: a ward that sometimes fills
run: {{horizon: 20d, warmup: 2d}}
sites: {{h: {{location: [50.0, 3.0], resources: {{bed: 3, spare: 50}}}}}}
arrivals: [{{name: a, at: h, rate: {rate}/d, pathway: p}}]
pathways: {{p: [{{use: bed, name: admission, for: {{exponential: {{mean: 1d}}}}}}, {{use: spare, for: 1h}}]}}
targets: [{{wait: admission, within: 2h}}]
"""


def replay(log: dict[str, np.ndarray], warmup: float, end: float) -> tuple[float, list[float]]:
    """Hours with all 3 beds busy after the warm-up, and the wait of every patient arrived after it."""
    bed = log["resource"] == "h.bed"
    times, events = log["time"][bed], log["event"][bed]
    busy, last, full = 0, 0.0, 0.0
    for time, event in zip(times.tolist(), events.tolist()):
        if busy >= 3:
            full += max(0.0, min(time, end) - max(last, warmup))
        last = time
        busy += {"start": 1, "end": -1}.get(event, 0)
    if busy >= 3:
        full += max(0.0, end - max(last, warmup))
    arrived = {p: t for p, t, e in zip(log["patient"].tolist(), log["time"].tolist(), log["event"].tolist()) if e == "arrival"}
    waits = [t - arrived[p] for p, t, e, r in zip(log["patient"].tolist(), log["time"].tolist(), log["event"].tolist(),
                                                     log["resource"].tolist()) if e == "start" and r == "h.bed" and arrived[p] >= warmup]
    return full / 60.0, waits


@pytest.mark.parametrize("rate, saturates", [(2.4, True), (0.3, False)])
def test_saturation_measures_are_those_of_the_event_log(rate: float, saturates: bool) -> None:
    result = simulate(scenario(TEXT.format(rate=rate)), 0, 20261201, events=True)
    full_hours, waits = replay(result.event_log.decoded(), 2 * 1440.0, 22 * 1440.0)
    assert result.value("occupancy", "h.bed", "full_hours") == pytest.approx(full_hours, rel=1e-9, abs=1e-9)
    assert result.value("occupancy", "h.bed", "saturated") == (1.0 if saturates else 0.0)
    assert result.value("wait", "admission", "beyond_target") == sum(w > 120.0 for w in waits)
    assert (result.value("wait", "admission", "beyond_target") > 0) == saturates
    assert not [row for row in result.rows if row[1] == "h.spare" and row[2] in ("saturated", "full_hours")]  # no target, no keep
