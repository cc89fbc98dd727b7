"""Blocking: a patient keeps its unit after care until its next unit is theirs. Checked per
patient against an independent recursion, against the event log at every moment, and for the
cooperation that rests on it (reserved transfers, travel after a route, wait_above rechecked,
deadlocks). The comparison with the exact Markov chain of two stations in tandem is in
test_blocking_theory.py."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import simulate
from sim.engine.context import nights_blocked
from tests.theory import scenario

pytestmark = pytest.mark.unit

SEED = 20260105


def boarding(box: int, beds: int, rate: str, care: str, stay: str, admitted: float = 1.0, horizon: str = "20d",
             warmup: str = "2d", extra: str = "") -> str:
    """An ED whose admitted patients keep their box until a ward bed is theirs."""
    branch = (f"    - branch:\n        - {{p: {admitted}, steps: [{{use: bed, name: admission, for: {stay}}}]}}\n"
              f"        - otherwise: []\n") if admitted < 1 else f"    - {{use: bed, name: admission, for: {stay}}}\n"
    return f"""
version: 1
name: boarding
run: {{horizon: {horizon}, warmup: {warmup}}}
sites: {{h: {{location: [50.0, 3.0], resources: {{box: {box}, bed: {beds}}}}}}}
arrivals: [{{name: ed, at: h, rate: {rate}, pathway: visit}}]
pathways:
  visit:
    - {{use: box, name: cubicle, for: {care}, keep: until_next}}
{branch}{extra}"""


def events_by_patient(log: dict[str, np.ndarray]) -> dict[int, list[tuple[float, str, str]]]:
    """Each patient's (time, event, resource) in log order."""
    found: dict[int, list[tuple[float, str, str]]] = defaultdict(list)
    for patient, time, event, resource in zip(log["patient"], log["time"], log["event"], log["resource"]):
        found[int(patient)].append((float(time), str(event), str(resource)))
    return found


def test_every_handover_time_is_the_one_a_fifo_recursion_gives() -> None:
    """Ample boxes, one bed, fixed times: care 60 min, stay 180 min. A patient ready at r_i (the end
    of its care) takes the bed at max(r_i, end of the previous stay), in order of readiness, and
    frees its box at that very moment."""
    text = boarding(100, 1, "4/d", "60min", "180min", horizon="10d", warmup="0min")
    result = simulate(scenario(text), 0, SEED, events=True)
    patients = events_by_patient(result.event_log.decoded())
    ready, took, freed = {}, {}, {}
    for p, events in patients.items():
        for time, event, resource in events:
            if event == "blocked" and resource == "h.box":
                ready[p] = time
            elif event == "start" and resource == "h.bed":
                took[p] = time
            elif event == "end" and resource == "h.box":
                freed[p] = time
    assert len(ready) > 20
    previous_end = -math.inf
    for p in sorted(ready, key=lambda q: (ready[q], q)):
        expected = max(ready[p], previous_end)
        if p not in took:  # still blocked at the end of the run
            assert expected + 0 >= 14400 - 180 or previous_end > 14400 - 180 or p not in freed
            break
        assert took[p] == pytest.approx(expected, abs=1e-9)
        assert freed[p] == took[p]
        previous_end = took[p] + 180.0
    blocked = result.value("blocked_time", "admission", "mean")
    measured = [took[p] - ready[p] for p in took if patients[p][0][0] >= 0]
    assert blocked == pytest.approx(float(np.mean(measured)), rel=1e-12)


def replay(log: dict[str, np.ndarray], capacity: dict[str, int], end: float = math.inf) -> dict[str, tuple[float, float]]:
    """Busy and blocked units of each resource replayed from the event log, checking at every
    event that 0 <= blocked <= busy <= capacity; the time integrals of busy and blocked up to `end`."""
    busy: dict[str, int] = defaultdict(int)
    blocked: dict[str, int] = defaultdict(int)
    kept: dict[tuple[int, str], bool] = {}
    area: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    last: dict[str, float] = defaultdict(float)
    rank = np.where(log["event"] == "blocked", 0, np.where(log["event"] == "end", 1, 2))
    order = np.lexsort((rank, log["time"]))  # at one instant: care ends, then the unit is freed, then taken again
    for k in order:
        time, event, resource, patient = float(log["time"][k]), str(log["event"][k]), str(log["resource"][k]), int(log["patient"][k])
        if resource not in capacity:
            continue
        area[resource][0] += busy[resource] * (time - last[resource])
        area[resource][1] += blocked[resource] * (time - last[resource])
        last[resource] = time
        if event == "start":
            busy[resource] += 1
        elif event == "blocked":
            blocked[resource] += 1
            kept[(patient, resource)] = True
        elif event == "end":
            busy[resource] -= 1
            if kept.pop((patient, resource), False):
                blocked[resource] -= 1
        assert 0 <= blocked[resource] <= busy[resource] <= capacity[resource], (resource, time, busy[resource], blocked[resource])
    if math.isfinite(end):
        for resource in area:
            area[resource][0] += busy[resource] * (end - last[resource])
            area[resource][1] += blocked[resource] * (end - last[resource])
    return {r: (a[0], a[1]) for r, a in area.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(box=st.integers(1, 6), beds=st.integers(1, 6), rate=st.integers(5, 60), admitted=st.sampled_from([0.2, 0.5, 1.0]),
       care=st.integers(10, 240), stay=st.integers(60, 2880))
def test_blocked_never_exceeds_busy_nor_busy_capacity_and_patients_are_conserved(box, beds, rate, admitted, care, stay) -> None:
    """Any small ED with boarding: at every event 0 <= blocked <= busy <= capacity (replayed from
    the log), waits and blocked times are >= 0, and simulate's conservation check holds (it
    raises otherwise)."""
    text = boarding(box, beds, f"{rate}/d", f"{{exponential: {{mean: {care}min}}}}", f"{{exponential: {{mean: {stay}min}}}}",
                    admitted, horizon="4d", warmup="0min")
    result = simulate(scenario(text), 0, SEED, events=True)
    replay(result.event_log.decoded(), {"h.box": box, "h.bed": beds})
    for row in result.rows:
        if row[0] in ("wait", "blocked_time") and row[2] in ("mean", "p50", "max") and not math.isnan(row[3]):
            assert row[3] >= 0
    inside = result.value("patients", "still_inside", "count")
    assert result.value("patients", "arrivals", "count") == (result.value("patients", "departed", "count")
                                                               + result.value("patients", "left_unseen", "count") + inside)


def test_the_blocked_occupancy_is_the_time_average_the_event_log_gives() -> None:
    """The blocked share and care share of the box, from the engine's integrals, equal the time
    averages of blocked and busy - blocked units replayed from the event log (no warm-up)."""
    text = boarding(4, 3, "30/d", "{exponential: {mean: 2h}}", "{exponential: {mean: 8h}}", 0.5, horizon="6d", warmup="0min")
    end = 6 * 1440.0
    result = simulate(scenario(text), 1, SEED, events=True)
    busy_area, blocked_area = replay(result.event_log.decoded(), {"h.box": 4, "h.bed": 3}, end)["h.box"]
    assert blocked_area > 0
    assert result.value("occupancy", "h.box", "blocked") == pytest.approx(blocked_area / (4 * end), rel=1e-9)
    assert result.value("occupancy", "h.box", "care") == pytest.approx((busy_area - blocked_area) / (4 * end), rel=1e-9)
    assert result.value("blocked", "h.box", "mean") == pytest.approx(blocked_area / end, rel=1e-9)
    assert result.value("occupancy", "h.box", "care") + result.value("occupancy", "h.box", "blocked") == pytest.approx(
        result.value("occupancy", "h.box", "mean"), rel=1e-12)


def test_nights_blocked_are_counted_as_a_night_by_night_count_would() -> None:
    """Patients present in a box at 00:00 and still blocked in it at 08:00: the engine's count
    equals a count day by day from each patient's times in the event log."""
    text = boarding(6, 2, "12/d", "{exponential: {mean: 4h}}", "{exponential: {mean: 1d}}", horizon="12d", warmup="2d")
    result = simulate(scenario(text), 0, SEED, events=True)
    patients = events_by_patient(result.event_log.decoded())
    warmup, end, count = 2 * 1440.0, 14 * 1440.0, 0
    for events in patients.values():
        took = next((t for t, e, r in events if e == "start" and r == "h.box"), None)
        blocked = next((t for t, e, r in events if e == "blocked" and r == "h.box"), None)
        freed = next((t for t, e, r in events if e == "end" and r == "h.box"), end)
        if took is None or blocked is None:
            continue
        for day in range(0, 15):
            midnight = day * 1440.0
            if midnight >= warmup and midnight + 480 <= end and took <= midnight and blocked <= midnight + 480 < freed:
                count += 1
    assert count > 0
    assert result.value("nights_blocked", "h.box", "count") == count


@pytest.mark.parametrize("taken, blocked, freed, nights", [
    (0, 120, 1440 + 600, 1),           # in at 00:00, blocked from 02:00, gone at 10:00 next day: that night... and the first
    (1200, 1320, 1440 + 470, 0),       # gone at 07:50: not still blocked at 08:00
    (1200, 1440 + 490, 3 * 1440, 1),   # blocked only from 08:10 on the first night, then the second night counts
    (-10, 0, 5 * 1440, 4),             # taken before the warm-up ends: nights of days 1..4 count (day 0 is the warm-up)
])
def test_nights_blocked_by_hand(taken: float, blocked: float, freed: float, nights: int) -> None:
    assert nights_blocked(taken, blocked, freed, 1.0, 10 * 1440.0) == nights


def test_the_same_patients_arrive_with_the_same_needs_whether_or_not_they_keep() -> None:
    """Keeping changes no random number: the care each patient receives in its box is the same
    with and without `keep` (common random numbers)."""
    kept = boarding(4, 4, "20/d", "{exponential: {mean: 2h}}", "{exponential: {mean: 6h}}", 0.3, horizon="5d", warmup="0min")
    free = kept.replace(", keep: until_next", "")
    cares = []
    for text in (kept, free):
        log = simulate(scenario(text), 0, SEED, events=True).event_log.decoded()
        by_patient = events_by_patient(log)
        arrivals = {p: e[0][0] for p, e in by_patient.items()}
        care = {}
        for p, events in by_patient.items():
            start = next((t for t, e, r in events if e == "start" and r == "h.box"), None)
            done = next((t for t, e, r in events if e in ("blocked", "end") and r == "h.box"), None)
            if start is not None and done is not None:
                care[p] = done - start
        cares.append((arrivals, care))
    (arrivals_kept, care_kept), (arrivals_free, care_free) = cares
    assert arrivals_kept == arrivals_free
    common = set(care_kept) & set(care_free)
    assert len(common) > 50 and all(care_kept[p] == pytest.approx(care_free[p], abs=1e-9) for p in common)


def test_without_keep_no_blocking_row_is_written() -> None:
    text = boarding(3, 2, "20/d", "1h", "6h", horizon="3d", warmup="0min").replace(", keep: until_next", "")
    result = simulate(scenario(text), 0, SEED)
    assert not [row for row in result.rows if row[0] in ("blocked_time", "blocked", "nights_blocked") or row[1] == "deadlocked"]
    assert result.hourly["h.box"].blocked is None


def test_a_cycle_of_kept_units_is_reported_as_a_deadlock() -> None:
    """ICU patients keep their ICU bed until a ward bed is theirs, ward patients keep their ward bed
    until an ICU bed is theirs: with one bed each, the two streams jam for good."""
    text = """
version: 1
name: deadlock
run: {horizon: 5d}
sites: {h: {location: [50.0, 3.0], resources: {icu: 1, ward: 1}}}
arrivals:
  - {name: a, at: h, rate: 6/d, pathway: icu_first}
  - {name: b, at: h, rate: 6/d, pathway: ward_first}
pathways:
  icu_first: [{use: icu, for: 2h, keep: until_next}, {use: ward, for: 2h}]
  ward_first: [{use: ward, for: 2h, keep: until_next}, {use: icu, for: 2h}]
"""
    result = simulate(scenario(text), 0, SEED)
    assert result.value("patients", "deadlocked", "count") == 2
    assert result.value("occupancy", "h.icu", "blocked") > 0.5


def test_no_deadlock_is_reported_when_blocking_only_delays() -> None:
    text = boarding(3, 1, "6/d", "1h", "3h", horizon="5d", warmup="0min")
    assert simulate(scenario(text), 0, SEED).value("patients", "deadlocked", "count") == 0


PARTNER = """
version: 1
name: overflow with a reservation
run: {{horizon: 10d}}
sites:
  h: {{location: [50.0, 3.0], resources: {{bed: 0}}}}
  c: {{location: [50.2, 3.0], resources: {{bed: 1}}}}
transport: {{times: {{h-c: 10h}}}}
arrivals: [{{name: ed, at: h, rate: 1/h, pathway: visit}}]
pathways:
  visit: [{{use: bed, name: admission, for: 1min}}]
cooperation: [{{overflow: {{resource: bed, from: h, to: [c], reserve: {reserve}}}}}]
"""


def test_a_reserved_unit_is_held_during_transport_and_a_partner_without_one_is_not_chosen() -> None:
    """No bed at home: a patient goes to the partner's single bed, 10 h away, or waits at home for
    good. Reserved, the bed is held during the journey, so only a patient who asks while it is
    free is sent: about one transfer per 10 h, and the bed busy nearly all the time. Not
    reserved, every patient finds the bed free and goes."""
    reserved = simulate(scenario(PARTNER.format(reserve="true")), 0, SEED)
    free = simulate(scenario(PARTNER.format(reserve="false")), 0, SEED)
    assert reserved.value("transfers", "h>c", "count") <= 10 * 24 / 10 + 1
    assert free.value("transfers", "h>c", "count") > 150
    assert reserved.value("occupancy", "c.bed", "mean") > 0.9  # held through every journey


def test_a_reserving_transfer_waits_for_the_unit_and_takes_it_on_arrival() -> None:
    text = """
version: 1
name: reserved transfer
run: {horizon: 6d}
sites:
  h: {location: [50.0, 3.0], resources: {box: 50}}
  c: {location: [50.2, 3.0], resources: {bed: 1}}
transport: {times: {h-c: 1h}}
arrivals: [{name: ed, at: h, rate: 3/d, pathway: visit}]
pathways:
  visit:
    - {use: box, for: 30min, keep: until_next}
    - {transfer: c, reserve: bed}
    - {use: bed, name: admission, for: 5h}
"""
    log = simulate(scenario(text), 0, SEED, events=True).event_log.decoded()
    holds: list[tuple[float, float]] = []
    for events in events_by_patient(log).values():
        out = next((t for t, e, _ in events if e == "transfer_out"), None)
        arrived = next((t for t, e, _ in events if e == "transfer_in"), None)
        start = next((t for t, e, r in events if e == "start" and r == "c.bed"), None)
        end = next((t for t, e, r in events if e == "end" and r == "c.bed"), None)
        box_end = next((t for t, e, r in events if e == "end" and r == "h.box"), None)
        if out is not None and arrived is not None:
            assert start == arrived and box_end == out  # the bed at once on arrival; the box freed on leaving
            holds.append((out, end if end is not None else math.inf))
    holds.sort()
    assert len(holds) > 5
    assert all(later[0] >= earlier[1] for earlier, later in zip(holds, holds[1:]))  # one bed, held from departure


def test_a_route_with_travel_takes_the_patient_there() -> None:
    text = """
version: 1
name: route with travel
run: {horizon: 3d}
sites:
  h: {location: [50.0, 3.0], resources: {box: 50}}
  b: {location: [50.1, 3.0], resources: {box: 50}}
transport: {times: {h-b: 25min}}
arrivals: [{name: ed, at: h, rate: 10/d, pathway: visit}]
pathways: {visit: [{use: box, for: 1h}]}
cooperation: [{route: {arrivals: [ed], among: [h, b], choose: {weights: {b: 1}}, travel: true}}]
"""
    result = simulate(scenario(text), 0, SEED)
    assert result.value("time_in_system", "ed", "mean") == pytest.approx(85.0, abs=1e-9)
    assert result.value("transfers", "h>b", "count") == result.value("patients", "arrivals", "count")


RECHECK = """
version: 1
name: recheck
run: {horizon: 20d}
sites:
  h: {location: [50.0, 3.0], resources: {bed: 1}}
  c: {location: [50.1, 3.0], resources: {bed: 1}}
transport: {times: {h-c: 10min}}
arrivals: [{name: ed, at: h, rate: 8/d, pathway: visit}]
pathways: {visit: [{use: bed, name: admission, for: {exponential: {mean: 4h}}}]}
cooperation: [{overflow: {resource: bed, from: h, to: [c], when: {wait_above: 1h}, recheck: 30min}}]
"""
"""One bed at home and one at the partner, often busy: patients waiting past 1 h are offered the
partner, checked again every 30 min."""


def test_wait_above_is_checked_again_while_the_patient_waits() -> None:
    """The partner has one bed, often busy: a patient who finds it busy when it has waited 1 h is
    checked again every 30 min, and some go later, at 1 h + k × 30 min (never at other times)."""
    text = RECHECK
    log = simulate(scenario(text), 0, SEED, events=True).event_log.decoded()
    delays = []
    for events in events_by_patient(log).values():
        queued = next((t for t, e, _ in events if e == "queue"), None)
        out = next((t for t, e, _ in events if e == "transfer_out"), None)
        if queued is not None and out is not None:
            delays.append(out - queued)
    assert delays and all(abs((d - 60) / 30 - round((d - 60) / 30)) < 1e-9 and d >= 60 - 1e-9 for d in delays)
    assert any(d > 60 + 1e-9 for d in delays)


def test_time_to_handover_is_arrival_to_leaving_the_kept_box_as_the_event_log_gives() -> None:
    """The ED length of stay: from arrival until the box is freed, the bed theirs (admitted) or
    the patient gone (discharged); counted patients who ever held the box."""
    text = boarding(4, 3, "30/d", "{exponential: {mean: 40min}}", "{exponential: {mean: 8h}}", admitted=0.4)
    result = simulate(scenario(text), 2, SEED, events=True)
    stays = []
    for events in events_by_patient(result.event_log.decoded()).values():
        arrival = events[0][0]
        freed = next((t for t, e, r in events if e == "end" and r == "h.box"), None)
        if arrival >= 2 * 1440 and freed is not None:
            stays.append(freed - arrival)
    assert len(stays) > 300
    assert result.value("time_to_handover", "ed", "count") == len(stays)
    assert result.value("time_to_handover", "ed", "mean") == pytest.approx(float(np.mean(stays)), rel=1e-12)
    assert result.value("time_to_handover", "ed", "mean") < result.value("time_in_system", "ed", "mean")


def test_patients_refused_for_lack_of_room_are_those_whose_first_check_found_the_partner_full() -> None:
    """`transfers refused:h` counts each patient still waiting at home after `wait_above` whose
    first check found no partner with room (sent later at a recheck, or never): read off the log."""
    text = RECHECK
    result = simulate(scenario(text), 0, SEED, events=True)
    end = 20 * 1440
    refused = 0
    for events in events_by_patient(result.event_log.decoded()).values():
        queued = next((t for t, e, _ in events if e == "queue"), None)
        if queued is None or queued + 60 >= end:
            continue
        out = next((t for t, e, _ in events if e == "transfer_out"), None)
        started = next((t for t, e, _ in events if e == "start"), end)
        if out is not None:
            refused += out > queued + 60 + 1e-9
        else:
            refused += started > queued + 60
    assert refused > 10
    assert result.value("transfers", "refused:h", "count") == refused
