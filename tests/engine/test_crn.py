"""Common random numbers: a patient of a given stream and index has the same arrival time,
attributes and sampled durations in every variant of a replication (SPEC section 4), and a
replication is a pure function of the scenario, the replication number and the seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.engine import ReplicationResult, simulate
from sim.engine.build import attribute_names, build
from sim.engine.distributions import sampler
from sim.engine.model import Model
from sim.engine.patients import ArrivalDriver, Patient
from sim.scenario.schema import Scenario
from tests.theory import scenario

pytestmark = pytest.mark.reproducibility

SEED = 20260105

CRN = """
version: 1
name: crn
run: {horizon: 20d, warmup: 2d}
sites:
  h:
    resources: {doctor: 4, room: 500}
arrivals:
  - {name: ed, at: h, rate: 10/h, attributes: {acuity: {1: 0.2, 2: 0.5, 3: 0.3}}, pathway: exam}
  - name: clinic
    at: h
    rate: 3/h
    hourly: [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 2, 2, 3, 3, 3, 2, 1, 0, 0, 0, 0, 0]
    pathway: visit
pathways:
  exam:
    - use: doctor
      name: exam_wait
      priority: acuity
      for: {exponential: {mean: 20min}}
      patience: {exponential: {mean: 2h}}
    - branch:
        - {when: {acuity: 1}, p: 0.5, steps: [{delay: {lognormal: {mean: 3h, sd: 2h}}}]}
        - otherwise: [{delay: {normal: {mean: 30min, sd: 20min}}}]
  visit:
    - {use: room, name: room_wait, for: {exponential: {mean: 45min}}}
    - {delay: {gamma: {mean: 1h, sd: 30min}}}
variants:
  base: {}
  more_doctors: {sites.h.resources.doctor: 5}
  surge: {arrivals.ed.curve: [[0d, 1.0], [10d, 1.5]]}
baseline: base
"""

EXTRA_STREAM = """
  - {name: transfer_in, at: k, rate: 4/h, attributes: {sex: {f: 0.5, m: 0.5}}, pathway: ward}
"""
"""A stream placed first, at another site, with an attribute of its own."""


def with_extra_stream(text: str) -> str:
    """The CRN scenario with `transfer_in` inserted before the other streams, at a new site `k`."""
    text = text.replace("arrivals:\n", "arrivals:" + EXTRA_STREAM, 1)
    text = text.replace("sites:\n", "sites:\n  k:\n    resources: {ward_bed: 3}\n", 1)
    return text.replace("pathways:\n", "pathways:\n  ward:\n    - {use: ward_bed, for: {exponential: {mean: 1h}}}\n", 1)


PatientRecord = tuple[str, int, float, dict[str, Any], tuple[float, ...]]


def run_and_record(model: Model) -> list[PatientRecord]:
    """Run a built model, keeping each patient as it arrives: stream name, index, arrival time,
    attributes by name (those its stream defines) and every number it carries."""
    names = attribute_names(model.scenario)
    own = {a.name: set(a.attributes) for a in model.scenario.arrivals}
    seen: list[PatientRecord] = []

    def keep(patient: Patient, then: Any) -> None:
        stream = model.streams[patient.stream]
        attrs = {n: v for n, v in zip(names, patient.attrs) if n in own[stream]}
        seen.append((stream, patient.index, patient.arrival, attrs, tuple(patient.draws)))
        if then is not None:
            then(patient)

    for driver in model.drivers:
        if isinstance(driver, ArrivalDriver):
            driver.on_arrival = lambda p, then=driver.on_arrival: keep(p, then)
    model.env.run(until=model.end)
    return seen


def comparable(result: ReplicationResult) -> list[tuple[Any, ...]]:
    """Rows with NaN made equal to itself."""
    return [(m, s, st, "nan" if math.isnan(v) else v, u) for m, s, st, v, u in result.rows]


def variants() -> tuple[Scenario, Scenario]:
    """The base scenario and the variant with one more doctor."""
    return scenario(CRN, "base"), scenario(CRN, "more_doctors")


def test_variants_draw_the_same_numbers_for_every_patient() -> None:
    """Fresh builds of two variants give the same arrival-time chunks and per-patient numbers."""
    base, more = variants()
    for replication in range(2):
        a, b = build(base, replication, SEED), build(more, replication, SEED)
        for da, db in zip(a.drivers, b.drivers):
            if not isinstance(da, ArrivalDriver):
                continue
            assert (da._times, da._rows, da._attrs) == (db._times, db._rows, db._attrs)
            assert len(set(da._times)) == len(da._times) > 100
            for _ in range(2):
                ta, tb = next(da._chunks, None), next(db._chunks, None)
                assert (ta is None) == (tb is None) and (ta is None or (ta == tb).all())
        for sa, sb in zip(a.ctx.draws, b.ctx.draws):
            assert sa.rows(500) == sb.rows(500)


def test_variants_give_every_patient_the_same_arrival_attributes_and_durations() -> None:
    """During the runs themselves, across chunk boundaries, although the doctors' queue differs."""
    base, more = variants()
    for replication in range(2):
        seen_base = run_and_record(build(base, replication, SEED))
        seen_more = run_and_record(build(more, replication, SEED))
        assert len(seen_base) > 4096
        assert seen_base == seen_more


def test_unaffected_stream_has_identical_results() -> None:
    """The clinic stream never meets a doctor: its throughput and times are identical in both
    variants, replication by replication, while the ED waits do change."""
    base, more = variants()
    for replication in range(3):
        a, b = simulate(base, replication, SEED), simulate(more, replication, SEED)
        for key in [("throughput", "clinic", "count"), ("time_in_system", "clinic", "mean"),
                    ("time_in_system", "clinic", "p95"), ("patients", "arrivals:clinic", "count"),
                    ("patients", "arrivals:ed", "count"), ("wait", "room_wait", "count")]:
            assert a.value(*key) == b.value(*key), key
        assert a.value("wait", "exam_wait", "mean") > b.value("wait", "exam_wait", "mean")


def test_a_busier_variant_keeps_each_patients_numbers() -> None:
    """More ED arrivals in `surge` cut the arrival chunks differently; patient i of the ED still
    has its attributes and sampled numbers (its arrival time moves, by design), and the clinic
    stream is untouched."""
    def by_index(seen: list[PatientRecord], stream: str) -> dict[int, tuple[Any, ...]]:
        return {p[1]: p[2:] for p in seen if p[0] == stream}

    base = run_and_record(build(scenario(CRN, "base"), 0, SEED))
    surge = run_and_record(build(scenario(CRN, "surge"), 0, SEED))
    ed, ed_surge = by_index(base, "ed"), by_index(surge, "ed")
    assert len(ed_surge) > len(ed) > 4096
    assert [ed[i][1:] for i in ed] == [ed_surge[i][1:] for i in ed]
    assert by_index(base, "clinic") == by_index(surge, "clinic")


def test_replication_is_a_pure_function_of_scenario_replication_and_seed() -> None:
    """Same seed and replication: identical rows; another replication or seed: other rows."""
    base, _ = variants()
    first = simulate(base, 1, SEED)
    again = simulate(base, 1, SEED)
    assert comparable(first) == comparable(again)
    assert all((first.hourly[k].busy == again.hourly[k].busy).all() for k in first.hourly)
    assert comparable(simulate(base, 2, SEED)) != comparable(first)
    assert comparable(simulate(base, 1, SEED + 1)) != comparable(first)


def test_adding_a_stream_changes_no_other_stream() -> None:
    """Streams are keyed by name: a new stream placed first, with its own attribute and site,
    leaves the patients and the results of the others untouched."""
    base = scenario(CRN, "base")
    extended = scenario(with_extra_stream(CRN), "base")
    assert [a.name for a in extended.arrivals] == ["transfer_in", "ed", "clinic"]
    seen = run_and_record(build(base, 0, SEED))
    seen_extended = run_and_record(build(extended, 0, SEED))
    assert [p for p in seen_extended if p[0] != "transfer_in"] == seen
    a, b = simulate(base, 0, SEED), simulate(extended, 0, SEED)
    assert len(rows_of_ed_and_clinic(a)) > 40
    assert rows_of_ed_and_clinic(a) == rows_of_ed_and_clinic(b)


def rows_of_ed_and_clinic(result: ReplicationResult) -> list[tuple[Any, ...]]:
    """The rows about the ed and clinic streams, their named waits and their resources."""
    scopes = ("exam_wait", "room_wait", "ed", "clinic", "h.doctor", "h.room")
    return [row for row in comparable(result) if row[1] in scopes or row[1].endswith((":ed", ":clinic"))]


DISTRIBUTIONS = [
    "{fixed: 30min}",
    "{exponential: {mean: 1h}}",
    "{lognormal: {mean: 1h, sd: 2h}}",
    "{gamma: {mean: 1h, sd: 2h}}",
    "{gamma: {mean: 1h, sd: 20min}}",
    "{normal: {mean: 20min, sd: 30min}}",
    "{triangular: {min: 5min, mode: 10min, max: 1h}}",
    "{uniform: {min: 5min, max: 1h}}",
    "{weibull: {shape: 0.7, scale: 1h}}",
    "{empirical: {values: [5min, 10min, 1h], weights: [1, 2, 3]}}",
]


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_a_batch_is_the_prefix_of_any_longer_batch(dist: str) -> None:
    """Patient i takes the i-th value of its stream however the batches are cut (the last chunk
    of arrivals is shorter when a variant changes the rate or the horizon; numbers are made a
    block of arrivals at a time)."""
    text = CRN.replace("{delay: {gamma: {mean: 1h, sd: 30min}}}", f"{{delay: {dist}}}")
    draw = sampler(scenario(text, "base").pathways["visit"][1].delay).draw
    long = draw(np.random.default_rng(3), 4096)
    short = draw(np.random.default_rng(3), 1000)
    np.testing.assert_array_equal(long[:1000], short)
    generator = np.random.default_rng(3)  # and batches one after the other are the longer batch (patients.BLOCK)
    np.testing.assert_array_equal(np.concatenate([draw(generator, 512), draw(generator, 1000), draw(generator, 2584)]), long)
