"""Targets judged from summary.csv: met when the 95% interval is on the target's side of its level."""

from __future__ import annotations

import pytest

from sim.results.names import Names
from sim.results.targets import describe, interval, verdicts
from tests.theory import scenario

pytestmark = pytest.mark.unit

TEXT = """
version: 1
name: t
run: {horizon: 2d}
sites: {h: {location: [50.0, 3.0], resources: {bed: 2, box: 3}}}
arrivals: [{name: a, at: h, rate: 1/h, pathway: p}]
pathways: {p: [{use: box, name: cubicle, for: 10min}, {use: bed, name: admission, for: 1h}]}
targets:
  - {wait: admission, within: 4h, share: 0.9}
  - {wait: cubicle, within: 1h}
  - {occupancy: bed, below: 0.85, share: 0.8}
"""


def row(variant: str, metric: str, scope: str, stat: str, mean: float, low: float, high: float) -> dict[str, str]:
    return {"variant": variant, "metric": metric, "scope": scope, "stat": stat, "mean": str(mean), "ci_low": str(low), "ci_high": str(high)}


@pytest.mark.parametrize(("low", "high", "met"), [(0.91, 0.95, True), (0.9, 0.95, True), (0.88, 0.93, False), (0.8, 0.85, False)])
def test_a_share_target_is_met_when_its_interval_lies_at_or_above_the_level(low: float, high: float, met: bool) -> None:
    summary = [row("v", "wait", "admission", "within_target", (low + high) / 2, low, high),
               row("v", "wait", "cubicle", "within_target", 0.5, 0.4, 0.6),
               row("v", "occupancy", "h.bed", "within_target", 0.9, 0.85, 0.95), row("v", "occupancy", "h.bed", "mean", 0.7, 0.6, 0.8)]
    judged = {v.criterion.key: v for v in verdicts(summary, {"v": scenario(TEXT)})}
    assert judged[("wait", "admission", "within_target")].met is met
    assert judged[("wait", "cubicle", "within_target")].met is None  # no level: reported, not judged
    assert judged[("occupancy", "h.bed", "within_target")].met is True  # 85 % of the time below 0.85 >= 0.8
    names = Names()
    assert describe(judged[("wait", "admission", "within_target")].criterion, names) == "Wait for admission within 4h for 90 % of patients"
    assert describe(judged[("occupancy", "h.bed", "within_target")].criterion, names) == "h: bed occupied below 85 % for 80 % of the time"


def test_the_interval_is_students_t() -> None:
    mean, low, high = interval([1.0, 2.0, 3.0], 0.95)
    assert mean == 2.0 and high - mean == pytest.approx(4.302652729911275 * 1.0 / 3**0.5)


def test_each_variant_is_judged_on_its_own_targets() -> None:
    """A variant that tightens a target is judged on its target, not the baseline's."""
    tight = scenario(TEXT.replace("{wait: admission, within: 4h, share: 0.9}", "{wait: admission, within: 4h, share: 0.99}"))
    summary = [row(v, "wait", "admission", "within_target", 0.95, 0.93, 0.97) for v in ("base", "tight")]
    judged = {v.variant: v for v in verdicts(summary, {"base": scenario(TEXT), "tight": tight}) if v.criterion.key[1] == "admission"}
    assert judged["base"].met is True and judged["tight"].met is False
    assert judged["tight"].criterion.level == 0.99


def test_a_wait_that_appears_in_a_variant_is_said() -> None:
    from sim.results.headline import headlines
    from sim.results.keys import key_lines
    from sim.results.names import Names

    summary = [row("base", "wait", "cubicle", "mean", 5.0, 4.0, 6.0) | {"unit": "min"},
               row("open", "wait", "cubicle", "mean", 5.0, 4.0, 6.0) | {"unit": "min"},
               row("open", "wait", "admission", "mean", 30.0, 20.0, 40.0) | {"unit": "min"}]
    comparison = [{"variant": "open", "metric": "wait", "scope": "cubicle", "stat": "mean", "diff_mean": "0", "ci_low": "-1", "ci_high": "1"}]
    said = headlines(summary, comparison, key_lines(summary, "base"), "base", ["base", "open"], Names(), {"admission"}, 7)
    assert "a wait for admission appears: 30.0 min on average [20.0, 40.0]" in said["open"]
    assert "any key wait" not in said["open"]


def test_the_sites_a_route_rule_names_are_in_the_agreement() -> None:
    from sim.results.ledger import involved

    text = TEXT.replace("sites: {h: {location: [50.0, 3.0], resources: {bed: 2, box: 3}}}",
                        "sites: {h: {location: [50.0, 3.0], resources: {bed: 2, box: 3}}, b: {location: [50.1, 3.0], resources: {bed: 2, box: 3}}}")
    text += "cooperation: [{route: {arrivals: [a], among: [h, b], choose: {weights: {h: 0.5, b: 0.5}}}}]\n"
    assert involved([], scenario(text), "v") == ["h", "b"]


def test_a_role_labelled_at_one_site_is_named_so_at_the_others() -> None:
    from sim.results.names import names_of

    text = TEXT.replace("sites: {h: {location: [50.0, 3.0], resources: {bed: 2, box: 3}}}",
                        "sites: {h: {location: [50.0, 3.0], resources: {bed: {capacity: 2, label: {en: ward beds, fr: lits}}, box: 3}},"
                        " c: {name: Clinic C, location: [50.1, 3.0], resources: {bed: 2}}}")
    english, french = names_of([scenario(text)]), names_of([scenario(text)], "fr")
    assert english.resource("c.bed") == "Clinic C: ward beds" and french.resource("c.bed") == "Clinic C : lits"
    assert english.resource("h.box") == "h: box"
