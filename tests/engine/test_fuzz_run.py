"""Whatever scenario validates also runs: one value of the spec example at a time is replaced
by an extreme or odd one (0, negative, huge, tiny, empty, a degenerate distribution); the
loader refuses it with ScenarioError, or a short replication of it ends without an exception.
This found a Weibull shape whose mean overflows, and an attribute with no values."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
import yaml

from sim.engine import simulate
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_text
from tests.paths import SPEC_EXAMPLE

pytestmark = pytest.mark.unit

SPEC = yaml.safe_load(SPEC_EXAMPLE.read_text(encoding="utf-8"))

ODD = [0, -1, 2, 10**6, 10**12, 0.0, 1e-300, 1e300, 0.5, "0min", "0.0000001min", "99999d", "0/d", "0.001/h", "1000000/d", "", "x",
       [], {}, None, True, "sun-mon", "00:00", "24:00", [1], {"fixed": "0min"}, {"exponential": {"mean": "0.000001min"}},
       {"lognormal": {"mean": "1min", "sd": "1000d"}}, {"weibull": {"shape": 1e-9, "scale": "1min"}},
       {"weibull": {"shape": 1e9, "scale": "1min"}}, {"gamma": {"mean": "1min", "sd": "0.000001min"}},
       {"normal": {"mean": "0min", "sd": "1min"}}, {"empirical": {"values": ["1min"], "weights": [1e-300]}},
       {"triangular": {"min": "0min", "mode": "0min", "max": "0.000001min"}}]
"""Values that are wrong, or right but extreme, wherever they land."""


def _short(data: dict[str, Any]) -> dict[str, Any]:
    """The spec example over a week (its curve dropped, since it runs past a week)."""
    data = copy.deepcopy(data)
    data["run"].update(horizon="6d", warmup="1d")
    for arrival in data["arrivals"]:
        arrival.pop("curve", None)
    return data


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


BASE = _short(SPEC)
DISTRIBUTIONS = [value for value in ODD if isinstance(value, dict) and value]
DURATIONS = [(path, value) for path in _paths(BASE) if path[-1] in ("for", "patience", "delay", "lead") for value in DISTRIBUTIONS]
"""Every odd distribution at every duration of the example."""
TRIALS = [(path, value) for path in _paths(BASE) for value in random.Random(7).sample(ODD, 2)]
CHOSEN = DURATIONS + random.Random(11).sample(TRIALS, 120)


@pytest.mark.parametrize("path, value", CHOSEN, ids=lambda x: ".".join(map(str, x)) if isinstance(x, tuple) else repr(x)[:30])
def test_an_odd_value_is_refused_or_runs(path: tuple[Any, ...], value: Any) -> None:
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        loaded = load_text(yaml.safe_dump(data, sort_keys=False))
    except ScenarioError:
        return
    for variant in loaded.variants[:2]:
        simulate(variant.scenario, 0, 1)
