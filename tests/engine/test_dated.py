"""Dated changes and rules in force for a time: the capacity in force is what the scenario
declares at every minute, recomputed here from the declaration alone; rules switch at the exact
instants their periods or their state conditions say, checked against a replay of the event
log; a patient is the same in every variant whatever the rules' times in force."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from sim.engine import simulate
from tests.theory import scenario

pytestmark = pytest.mark.unit

SEED = 20261201
START = datetime.date(2020, 10, 5)  # a Monday


def declared_capacity(minute: int) -> int:
    """The capacity the scenario below declares, by direct reading: 5 beds, 8 on weekdays from
    08:00 to 18:00; from 2020-10-09 00:00 the base is 7; from 2020-10-13 12:30 no weekday window."""
    moment = datetime.datetime.combine(START, datetime.time()) + datetime.timedelta(minutes=minute)
    base = 7 if moment >= datetime.datetime(2020, 10, 9) else 5
    windows = moment < datetime.datetime(2020, 10, 13, 12, 30)
    if windows and moment.weekday() < 5 and 8 * 60 <= moment.hour * 60 + moment.minute < 18 * 60:
        return 8
    return base


DATED = f"""
version: 1
name: dated capacity
run: {{horizon: 14d, start: {START.isoformat()}}}
sites:
  h:
    location: [50.0, 3.0]
    resources:
      bed:
        capacity: 5
        schedule: [{{days: mon-fri, from: "08:00", to: "18:00", capacity: 8}}]
        changes:
          - {{from: 2020-10-09, capacity: 7}}
          - {{from: "2020-10-13 12:30", schedule: []}}
arrivals: [{{name: a, at: h, rate: 2/h, pathway: p}}]
pathways: {{p: [{{use: bed, for: {{exponential: {{mean: 3h}}}}}}]}}
"""


def test_the_capacity_in_force_is_the_declared_one_at_every_minute() -> None:
    result = simulate(scenario(DATED), 0, SEED)
    hourly = result.hourly["h.bed"].capacity
    minutes = np.array([declared_capacity(m) for m in range(14 * 1440)], dtype=float)
    assert np.allclose(hourly, minutes.reshape(-1, 60).mean(axis=1), atol=1e-12)
    assert set(np.unique(hourly)) >= {5.0, 7.0, 8.0}
    assert result.hourly["h.bed"].busy.max() <= 8 + 1e-9


def test_a_capacity_drop_lets_patients_in_service_finish() -> None:
    """A drop from 20 to 1 on day 3: patients in service finish, so busy exceeds the capacity for
    a while, and then never again."""
    text = DATED.replace("""        capacity: 5
        schedule: [{days: mon-fri, from: "08:00", to: "18:00", capacity: 8}]
        changes:
          - {from: 2020-10-09, capacity: 7}
          - {from: "2020-10-13 12:30", schedule: []}""", """        capacity: 20
        changes: [{from: 3d, capacity: 1}]""")
    hourly = simulate(scenario(text), 0, SEED).hourly["h.bed"]
    after = hourly.busy[72:]
    assert hourly.busy[70] > 1 and after[-24 * 5:].max() <= 1 + 1e-9


SESSIONS = """
version: 1
name: lent for a time
run: {horizon: 21d}
sites:
  a: {location: [50.0, 3.0], resources: {doctor: 4}}
  b: {location: [50.1, 3.0], resources: {doctor: 1}}
arrivals: [{name: x, at: b, rate: 1/h, pathway: p}]
pathways: {p: [{use: doctor, for: 20min}]}
cooperation:
  - share_staff: {name: lend, resource: doctor, from: a, to: b, in_force: {from: 7d, to: 14d},
                  sessions: [{days: mon-sun, from: "08:00", to: "12:00", capacity: 2}]}
"""


def test_sessions_lend_only_while_their_rule_is_in_force() -> None:
    result = simulate(scenario(SESSIONS), 0, SEED)
    lender, receiver = result.hourly["a.doctor"].capacity, result.hourly["b.doctor"].capacity
    hours = np.arange(21 * 24)
    lent = (hours >= 7 * 24) & (hours < 14 * 24) & (hours % 24 >= 8) & (hours % 24 < 12)
    assert np.allclose(receiver, np.where(lent, 3.0, 1.0), rtol=0, atol=1e-9)
    assert np.allclose(lender, np.where(lent, 2.0, 4.0), rtol=0, atol=1e-9)
    assert result.value("rule", "lend", "in_force_share") == pytest.approx(1 / 3)
    assert result.value("rule", "lend", "switched_on") == 1


def switches(result) -> list[tuple[float, str]]:
    """(time, rule_on or rule_off) of every switch in the event log."""
    log = result.event_log.decoded()
    chosen = np.isin(log["event"], ["rule_on", "rule_off"])
    assert (log["patient"][chosen] == -1).all()
    return list(zip(log["time"][chosen].tolist(), log["event"][chosen].tolist()))


OVERFLOW = """
version: 1
name: overflow in force for a time
run: {{horizon: 20d, warmup: 2d}}
sites:
  h: {{location: [50.0, 3.0], resources: {{bed: 2, icu: {{capacity: 2, changes: {changes}}}}}}}
  c: {{location: [50.1, 3.0], resources: {{bed: 50}}}}
transport: {{times: {{h-c: 30min}}}}
arrivals: [{{name: a, at: h, rate: 1/h, pathway: p}}]
pathways: {{p: [{{use: bed, name: admission, for: {{exponential: {{mean: 3h}}}}}}]}}
cooperation:
  - overflow: {{name: clinic, resource: bed, from: h, to: [c], in_force: {in_force}}}
"""


def test_a_rule_switches_at_its_period_bounds_and_acts_only_then() -> None:
    text = OVERFLOW.format(changes="[]", in_force="[{from: 5d, to: 8d}, {from: 12d}]")
    result = simulate(scenario(text), 0, SEED, events=True)
    assert switches(result) == [(5 * 1440.0, "rule_on"), (8 * 1440.0, "rule_off"), (12 * 1440.0, "rule_on")]
    log = result.event_log.decoded()
    out = log["time"][log["event"] == "transfer_out"]
    assert len(out) > 20
    assert all(5 * 1440 <= t < 8 * 1440 or t >= 12 * 1440 for t in out)
    assert result.value("rule", "clinic", "in_force_share") == pytest.approx((3 + 10) / 20)
    assert result.value("transfers", "rule:clinic", "count") == result.value("transfers", "h>c", "count")


def test_a_state_switch_flips_exactly_when_its_condition_has_held_long_enough() -> None:
    """An ICU nobody uses closes (capacity 0 counts as full) on day 3 for 5 h, too short for the 6 h
    asked, then on day 4 for 10 h: the rule comes into force 6 h after that, and out of force 2 h
    after the ICU reopens (empty: below the share)."""
    text = OVERFLOW.format(changes="[{from: 3d, capacity: 0}, {from: 4620min, capacity: 2}, {from: 4d, capacity: 0}, "
                                   "{from: 6360min, capacity: 2}]",
                           in_force="{when: {of: h.icu, occupancy_above: 0.9, for: 6h}, until: {occupancy_below: 0.5, for: 2h}}")
    result = simulate(scenario(text), 0, SEED, events=True)
    assert switches(result) == [(4 * 1440.0 + 360.0, "rule_on"), (6360.0 + 120.0, "rule_off")]


def replay_switches(log: dict[str, np.ndarray], capacity: int, above: float, below: float, on_for: float, off_for: float,
                    end: float) -> list[tuple[float, str]]:
    """The switches a hysteresis rule on h.bed must make, from the bed's starts and ends alone: busy
    after every event, the conditions' intervals, each switch when one has held long enough."""
    rows = np.isin(log["event"], ["start", "end"]) & (log["resource"] == "h.bed")
    times, kinds = log["time"][rows], log["event"][rows]
    steps = np.where(kinds == "start", 1, -1)
    busy_after = np.cumsum(steps)
    changes = [(0.0, 0)] + [(float(t), int(b)) for t, b in zip(times, busy_after)]
    state, since, found = False, None, []
    k = 0
    t = 0.0
    while k < len(changes):
        t, busy = changes[k]
        while k + 1 < len(changes) and changes[k + 1][0] == t:  # the state after every event at this instant
            k += 1
            busy = changes[k][1]
        next_t = changes[k + 1][0] if k + 1 < len(changes) else end
        holds = busy / capacity < below if state else busy / capacity > above
        if holds and since is None:
            since = t
        elif not holds:
            since = None
        while since is not None and since + (off_for if state else on_for) < next_t:
            at = since + (off_for if state else on_for)
            state = not state
            found.append((at, "rule_on" if state else "rule_off"))
            holds = busy / capacity < below if state else busy / capacity > above
            since = at if holds else None
        k += 1
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_state_switches_follow_the_occupancy_the_event_log_shows(seed: int) -> None:
    text = OVERFLOW.format(changes="[]", in_force="{when: {of: h.bed, occupancy_above: 0.9, for: 2h}, until: {occupancy_below: 0.6, for: 3h}}")
    text = text.replace("bed: 2,", "bed: 4,").replace("rate: 1/h", "rate: 1.3/h")
    result = simulate(scenario(text), 0, seed, events=True)
    found = switches(result)
    assert len(found) >= 4
    expected = replay_switches(result.event_log.decoded(), 4, 0.9, 0.6, 120.0, 180.0, 22 * 1440.0)
    assert found == [(pytest.approx(t), e) for t, e in expected]


def test_the_same_patients_arrive_whatever_the_rules_time_in_force() -> None:
    """Each patient arrives at the same instant and stays as long in care whether the rule is in
    force all the time or from day 10: rules draw no random number of their own."""
    logs = [simulate(scenario(OVERFLOW.format(changes="[]", in_force=spec)), 0, SEED, events=True)
            for spec in ("{from: 0d}", "{from: 10d}")]
    arrivals, care = [], []
    for result in logs:
        log = result.event_log.decoded()
        chosen = log["event"] == "arrival"
        arrivals.append(dict(zip(log["patient"][chosen].tolist(), log["time"][chosen].tolist())))
        began: dict[int, float] = {}
        lasted: dict[int, float] = {}
        for patient, event, time in zip(log["patient"].tolist(), log["event"].tolist(), log["time"].tolist()):
            if event == "start":
                began[patient] = time
            elif event == "end":
                lasted[patient] = time - began[patient]
        care.append(lasted)
    assert arrivals[0] == arrivals[1] and len(arrivals[0]) > 400
    both = care[0].keys() & care[1].keys()
    assert len(both) > 400 and all(care[0][p] == pytest.approx(care[1][p], abs=1e-6) for p in both)
    assert logs[0].value("transfers", "h>c", "count") > logs[1].value("transfers", "h>c", "count") > 0
