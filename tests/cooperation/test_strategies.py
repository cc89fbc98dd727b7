"""Cooperation strategies are resolved from one registry: every word the scenario language allows
has a strategy, every kind of rule has its checks and its policy, and anything else fails loudly
instead of validating and then doing nothing."""

from __future__ import annotations

from typing import Literal, get_args, get_origin

import pytest

from sim.cooperation import Cooperation
from sim.cooperation.strategies import CHOOSERS, TRIGGERS, Full, chooser, trigger
from sim.cooperation.view import SiteView
from sim.scenario import schema
from sim.scenario.checks.cooperation import _RULE_CHECKS

pytestmark = pytest.mark.unit


def _words(annotation: object) -> set[str]:
    """Every literal word an annotation allows, through unions and Annotated."""
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return {word for arg in get_args(annotation) for word in _words(arg)}


class _State:
    def __init__(self, busy: int, capacity: int, waiting: int):
        self.busy, self.capacity, self.waiting = busy, capacity, waiting


VIEW = SiteView.__new__(SiteView)
VIEW.sites, VIEW.index = ["a", "b", "c"], {"a": 0, "b": 1, "c": 2}
VIEW._resources = {(0, "bed"): _State(3, 4, 0), (1, "bed"): _State(1, 4, 2), (2, "bed"): _State(1, 4, 0)}
VIEW._distance = [[0, 5, 2], [5, 0, 3], [2, 3, 0]]


def test_every_choose_word_of_the_language_has_a_chooser() -> None:
    words = _words(schema.OverflowRule.model_fields["choose"].annotation) | _words(schema.RouteRule.model_fields["choose"].annotation)
    assert words == set(CHOOSERS)
    for word in words:
        assert chooser(word, VIEW, "bed", 0, [1, 2]).choose([1, 2], 0.5) in (1, 2)


@pytest.mark.parametrize("word, expected", [("nearest", 2), ("least_occupied", 1), ("shortest_queue", 2), ("in_order", 1)])
def test_choosers_rank_as_documented(word: str, expected: int) -> None:
    """From a: c is nearest (2 km), b and c are equally occupied (b listed first), c has no queue."""
    assert chooser(word, VIEW, "bed", 0, [1, 2]).choose([1, 2], 0.0) == expected


def test_weights_draw_with_the_patients_number() -> None:
    weighted = chooser(schema.Weights(weights={"b": 1, "c": 3}), VIEW, None, 0, [1, 2])
    assert weighted.draws and [weighted.choose([1, 2], u) for u in (0.0, 0.24, 0.25, 0.99)] == [1, 1, 2, 2]


def test_every_trigger_of_the_language_has_a_strategy() -> None:
    kinds = set(get_args(get_args(schema.Trigger)[0]))
    assert len(TRIGGERS) == len(kinds) == 4
    assert isinstance(trigger("full"), Full)
    assert trigger(schema.OccupancyAbove(occupancy_above=0.7)).holds(_State(3, 4, 0))
    assert not trigger(schema.QueueAbove(queue_above=2)).holds(_State(4, 4, 2))
    assert trigger(schema.WaitAbove(wait_above="1h")).wait_above == 60.0


def test_an_unknown_word_fails_loudly() -> None:
    with pytest.raises(TypeError, match="no chooser"):
        chooser("fastest", VIEW, "bed", 0, [1, 2])
    with pytest.raises(TypeError, match="no trigger"):
        trigger("empty")  # type: ignore[arg-type]


def test_every_kind_of_rule_has_checks_and_a_policy() -> None:
    assert set(_RULE_CHECKS) == set(schema.RULE_KINDS)

    class Unknown(schema.Strict):
        lend_beds: int = 1

    with pytest.raises(TypeError, match="no cooperation policy"):
        Cooperation.of(schema.Scenario.model_construct(cooperation=(Unknown(),)))
