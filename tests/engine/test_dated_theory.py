"""An M/M/c queue whose number of servers changes on a date reaches, in each regime, the Erlang C
steady state: the mean wait of the patients served in each regime (after a settling time) covers
the textbook value within the 99 % interval of the replications, and the mean busy servers the
offered load."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import simulate
from tests.theory import assert_covers, mmc_wait, scenario

pytestmark = pytest.mark.theory

RATE = 6 / 60.0
"""Arrivals per minute (6 an hour)."""
SERVICE = 12.0
"""Mean service, minutes: an offered load of 1.2 erlangs."""
CHANGE = 40 * 1440
"""Minute of the change, from 3 servers to 2."""
SETTLE = 2 * 1440
"""Minutes left out after the start and after the change (many relaxation times at these loads)."""
END = 80 * 1440

TEXT = f"""
version: 1
name: servers change on a date
run: {{horizon: {END}min, start: 2021-03-01}}
sites: {{s: {{resources: {{server: {{capacity: 3, changes: [{{from: 2021-04-10, capacity: 2}}]}}}}}}}}
arrivals: [{{name: a, at: s, rate: 6/h, pathway: p}}]
pathways: {{p: [{{use: server, name: w, for: {{exponential: {{mean: 12min}}}}}}]}}
"""


def test_each_regime_reaches_its_erlang_c_steady_state() -> None:
    model = scenario(TEXT)
    first, second, busy_first, busy_second = [], [], [], []
    for replication in range(30):
        result = simulate(model, replication, 20261201, hourly_waits=True)
        sums, counts = result.hourly_waits["w"]
        hours = np.arange(len(sums)) * 60.0
        a = (hours >= SETTLE) & (hours < CHANGE)
        b = hours >= CHANGE + SETTLE
        first.append(sums[a].sum() / counts[a].sum())
        second.append(sums[b].sum() / counts[b].sum())
        busy = result.hourly["s.server"].busy
        busy_first.append(busy[a[: len(busy)]].mean())
        busy_second.append(busy[b[: len(busy)]].mean())
    assert_covers(first, mmc_wait(3, RATE, SERVICE), "mean wait with 3 servers")
    assert_covers(second, mmc_wait(2, RATE, SERVICE), "mean wait with 2 servers")
    assert_covers(busy_first, RATE * SERVICE, "busy servers with 3")
    assert_covers(busy_second, RATE * SERVICE, "busy servers with 2")
    assert np.mean(second) > 3 * np.mean(first)
