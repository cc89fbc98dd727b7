"""Cooperation rules (SPEC section 3) against queueing theory and exact invariants.

- `route: shortest_queue` over two identical M/M/c sites: the mean wait sits near the pooled
  M/M/2c (Erlang C) and well below two separate M/M/c; `weights` splits like a binomial draw.
- `overflow` from a loss-like primary (`when: full`, partner with ample room): the primary is an
  Erlang loss system, so a share B(c, a) of arrivals overflows, at rate λ B(c, a); patients are
  conserved, transfers follow declared partners, transport is part of the time in system.
- `overflow` options, `choose`, `max_per_day`, `arrivals`, no room: exact, with patients placed
  at chosen times (the Poisson arrivals are silenced).
- `share_staff`: capacity in force = base ± sessions at every minute, constant total.
- `share_calendar`: quotas hold to within one entry under saturation, pooling shortens access
  delays (paired, common random numbers), `release_unused` raises slot use, partners without a
  calendar are examined at the calendar's site and come back.

Statistical checks take one value per replication and assert the theoretical value lies in the
Student-t 99 % interval (one fixed seed, never tuned); proportions use the exact
Clopper-Pearson interval.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pytest

from sim.engine import ReplicationResult, simulate
from sim.engine.build import build
from sim.engine.context import APPOINTMENT, START
from sim.engine.metrics import replication_rows
from sim.engine.model import Model
from sim.engine.patients import ArrivalDriver, Patient
from sim.engine.replication import event_columns
from sim.engine.resources import capacity_at, timeline
from sim.engine.stats import Row
from tests.theory import assert_covers, erlang_b, mmc_wait, proportion_interval, replicate, scenario, t_interval

pytestmark = pytest.mark.theory

SEED = 20260105
DAY, WEEK = 1440.0, 10080.0


def values(results: list[ReplicationResult], metric: str, scope: str, stat: str) -> list[float]:
    """One statistic of every replication."""
    return [r.value(metric, scope, stat) for r in results]


def rows_of(results: ReplicationResult | list[Row], metric: str) -> dict[tuple[str, str], float]:
    """Every (scope, stat) of one metric."""
    rows = results.rows if isinstance(results, ReplicationResult) else results
    return {(scope, stat): value for m, scope, stat, value, _ in rows if m == metric}


def variant_runs(text: str, variant: str, replications: int) -> list[ReplicationResult]:
    """Replications 0..n-1 of one variant (the same seed for every variant: common random numbers)."""
    model = scenario(text, variant)
    return [simulate(model, r, SEED) for r in range(replications)]


# --- route ---------------------------------------------------------------------------------------

MEAN_SERVICE = 12.0


def two_sites(servers: int, rate_per_hour: float, choose: str, horizon: str,
              service: str = f"{{exponential: {{mean: {MEAN_SERVICE:g}min}}}}") -> str:
    """Stream `x` appears at `a` and is routed among the identical sites `a` and `b`."""
    return f"""
version: 1
name: route
run: {{horizon: {horizon}, warmup: 2d}}
sites:
  a: {{resources: {{server: {servers}}}}}
  b: {{resources: {{server: {servers}}}}}
arrivals:
  - {{name: x, at: a, rate: {rate_per_hour:g}/h, pathway: p}}
pathways:
  p:
    - {{use: server, name: w, for: {service}}}
cooperation:
  - route: {{arrivals: [x], among: [a, b], resource: server, choose: {choose}}}
"""


def test_shortest_queue_is_nearly_the_pooled_queue() -> None:
    """Join-the-shortest-queue over two M/M/2 sites at ρ = 0.8: the pooled M/M/4 (Erlang C,
    Wq = C(4, a) / (4μ - λ)) is a lower bound, two separate M/M/2 (each at λ/2) the value
    without cooperation. The simulated interval lies below the separate value and within a
    quarter of the gap from the pooled one ("much closer to pooled than to separate")."""
    servers, rho = 2, 0.8
    rate = 2 * servers * rho / MEAN_SERVICE  # per minute, all patients
    results = replicate(two_sites(servers, rate * 60, "shortest_queue", "30d"), 20, SEED)
    mean, half = t_interval(values(results, "wait", "w", "mean"))
    pooled = mmc_wait(2 * servers, rate, MEAN_SERVICE)
    separate = mmc_wait(servers, rate / 2, MEAN_SERVICE)
    assert mean + half < separate, f"JSQ {mean:.3g} ± {half:.2g} not below separate M/M/{servers} {separate:.4g}"
    assert mean + half >= pooled, f"JSQ {mean:.3g} ± {half:.2g} beats the pooled M/M/{2 * servers} {pooled:.4g}"
    assert max(abs(mean - half - pooled), abs(mean + half - pooled)) <= 0.25 * (separate - pooled), (
        f"JSQ {mean:.3g} ± {half:.2g}: pooled {pooled:.4g}, separate {separate:.4g}")
    for r in results:  # both sites serve; a route is no transfer
        assert r.value("flows", "x:a>a", "patients") > 0 and r.value("flows", "x:a>b", "patients") > 0
        assert r.value("transfers", "all", "count") == 0
        assert r.value("flows", "x:a>b", "transport_hours") == 0


def test_shortest_queue_joins_the_fewest_waiting_then_the_least_occupied() -> None:
    """One server per site, 10 h stays, patients at 0, 10, ..., 40 min: a (tie, first listed),
    b (a busy), a (no queue anywhere, equal occupancy: first listed), b (a has 1 waiting), a."""
    model = placed(two_sites(1, 1, "shortest_queue", "3d", "10h"), {"x": [0.0, 10.0, 20.0, 30.0, 40.0]})
    assert [site for site, _ in starts(model, "x").values()] == ["a", "b", "a", "b", "a"]
    assert (model.resources["a.server"].waiting, model.resources["b.server"].waiting) == (0, 0)
    assert moves(model) == []


def test_clopper_pearson_interval_closed_forms() -> None:
    """With no success the exact upper bound is 1 - (α/2)^(1/n); with all, the lower is (α/2)^(1/n)."""
    assert proportion_interval(0, 10, 0.95) == pytest.approx((0.0, 1 - 0.025 ** 0.1), abs=1e-12)
    assert proportion_interval(10, 10, 0.95) == pytest.approx((0.025 ** 0.1, 1.0), abs=1e-12)


def test_route_weights_reproduce_the_split() -> None:
    """`weights: {a: 1, b: 3}`: each patient goes to b with probability 3/4, independently, so
    the patients at b among all are Binomial(n, 3/4); 3/4 lies in the 99 % Clopper-Pearson
    interval of the pooled count."""
    results = replicate(two_sites(4, 6, "{weights: {a: 1, b: 3}}", "10d"), 10, SEED)
    at_b = sum(values(results, "flows", "x:a>b", "patients"))
    total = at_b + sum(values(results, "flows", "x:a>a", "patients"))
    low, high = proportion_interval(int(at_b), int(total))
    assert low <= 0.75 <= high, f"share at b {at_b / total:.4f}, interval [{low:.4f}, {high:.4f}]"
    for r in results:
        assert r.value("flows", "x:a>a", "patients") + r.value("flows", "x:a>b", "patients") == (
            r.value("patients", "departed", "count") + r.value("patients", "left_unseen", "count"))


# --- overflow from a loss-like primary -------------------------------------------------------------

LOSS_SERVERS, LOSS_RATE, LOSS_SERVICE, LOSS_TRANSPORT = 4, 3.0, 60.0, 20.0
"""Primary group: 4 beds, 3 arrivals/h, fixed 60 min stay (a = 3 erlangs); 15 min + 5 min handover to the partner."""

LOSS = f"""
version: 1
name: overflow
run: {{horizon: 30d, warmup: 1d}}
sites:
  h: {{resources: {{bed: {LOSS_SERVERS}}}}}
  p: {{resources: {{bed: 30}}}}
  q: {{resources: {{bed: 30}}}}
transport: {{handover: 5min, times: {{h-p: 15min, h-q: 1min, p-q: 1min}}}}
arrivals:
  - {{name: x, at: h, rate: {LOSS_RATE:g}/h, pathway: stay}}
  - {{name: z, at: q, rate: 1/h, pathway: stay}}
pathways:
  stay:
    - {{use: bed, name: w, for: {LOSS_SERVICE:g}min}}
cooperation:
  - overflow: {{resource: bed, from: h, to: [p], when: full}}
"""


@pytest.fixture(scope="module")
def loss() -> list[ReplicationResult]:
    """30 replications of the loss-like primary with overflow to an ample partner."""
    return replicate(LOSS, 30, SEED)


def test_overflow_share_and_rate_are_erlang_b(loss: list[ReplicationResult]) -> None:
    """A patient finding all c primary beds busy is sent on and never queues there, so the
    primary is M/D/c/c: the overflowing share is B(c, a), whatever the service distribution
    (insensitivity), and the overflow rate λ B(c, a). The partner (30 beds for 0.6 erlangs of
    overflow) always has room, so nobody queues: the only wait is the transport of those sent on
    (a wait runs from the first request, docs of `Acquire`)."""
    blocking = erlang_b(LOSS_SERVERS, LOSS_RATE * LOSS_SERVICE / 60)
    shares = [r.value("transfers", "h>p", "count") / r.value("patients", "arrivals:x", "count") for r in loss]
    assert_covers(shares, blocking, "overflow share B(c, a)")
    minutes = 30 * DAY
    rates = [r.value("transfers", "h>p", "count") / minutes for r in loss]
    assert_covers(rates, LOSS_RATE / 60 * blocking, "overflow rate λ B(c, a)")
    for r in loss:
        assert r.value("wait", "w", "max") == pytest.approx(LOSS_TRANSPORT, abs=1e-9) and r.value("wait", "w", "p50") == 0.0
        assert r.value("transfers", "h>p", "transport_mean") == pytest.approx(LOSS_TRANSPORT, rel=1e-12)


def test_overflow_conserves_patients_and_follows_partners(loss: list[ReplicationResult]) -> None:
    """arrivals = departed + left unseen + still inside, stream by stream; the flows (origin >
    last site) add up to the patients that left; every transfer is h>p, the declared pair, and
    each transferred patient that left carries exactly one transfer of 20 min."""
    for r in loss:
        patients = rows_of(r, "patients")
        for stream in ("x", "z"):
            assert patients[(f"arrivals:{stream}", "count")] == sum(
                patients[(f"{k}:{stream}", "count")] for k in ("departed", "left_unseen", "still_inside"))
        flows = rows_of(r, "flows")
        left = sum(v for (scope, stat), v in flows.items() if stat == "patients")
        assert left == patients[("departed", "count")] + patients[("left_unseen", "count")]
        assert {scope for scope, _ in rows_of(r, "transfers")} == {"h>p", "all", "refused:h"}
        assert {scope for scope, _ in flows} == {"x:h>h", "x:h>p", "z:q>q"}
        moved = flows[("x:h>p", "patients")]
        assert flows[("x:h>p", "transfers")] == moved and flows[("x:h>h", "transfers")] == 0
        assert flows[("x:h>p", "transport_hours")] == pytest.approx(moved * LOSS_TRANSPORT / 60, rel=1e-12)
        # transfers recorded at departure time of counted patients: those still travelling or inside are the difference
        assert 0 <= r.value("transfers", "h>p", "count") - moved <= patients[("still_inside:x", "count")]


def test_overflow_decision_and_pathway_time_per_patient() -> None:
    """From the event log of one replication, patient by patient: a home arrival is sent on
    exactly when the c home beds are all busy (replayed from start and end events), at its
    arrival time, and its time in system is transport + service = 80 min exactly (60 min at
    home)."""
    model = build(scenario(LOSS), 0, SEED, events=True)
    model.env.run(until=model.end)
    log = event_columns(model).decoded()
    busy = 0
    first: dict[Any, str] = {}
    arrived: dict[Any, float] = {}
    decisions: Counter[str] = Counter()
    for patient, stream, site, resource, kind, t in zip(log["patient"], log["stream"], log["site"], log["resource"],
                                                          log["event"], log["time"]):
        key = (stream, patient)
        if kind == "arrival":
            arrived[key] = t
            continue
        if stream == "x" and key in arrived and key not in first:
            first[key] = kind
            assert kind in ("transfer_out", "start"), (key, kind)
            assert t == arrived[key]
            assert (kind == "transfer_out") == (busy == LOSS_SERVERS), (key, kind, busy)
            decisions[kind] += 1
        if resource == "h.bed":
            busy += {"start": 1, "end": -1}.get(kind, 0)
            assert 0 <= busy <= LOSS_SERVERS
        if kind == "depart" and key in arrived:
            moved = first.get(key) == "transfer_out"
            assert t - arrived[key] == pytest.approx(LOSS_SERVICE + (LOSS_TRANSPORT if moved else 0.0), abs=1e-9)
            assert site == ("p" if moved else "h") or stream == "z"
    assert decisions["transfer_out"] > 50 and decisions["start"] > 500


# --- overflow options, with patients placed at chosen times ----------------------------------------


def placed(text: str, patients: dict[str, list[float]]) -> Model:
    """Replication 0 of a scenario with its Poisson arrivals silenced and, instead, patient k of
    each named stream arriving at the k-th given time; run to the end with an event log."""
    model = build(scenario(text), 0, SEED, events=True)
    drivers = {model.streams[d.stream]: d for d in model.drivers if isinstance(d, ArrivalDriver)}
    for driver in drivers.values():
        driver.callbacks = []  # its first Poisson arrival is on the schedule: make it a no-op

    def arrive(driver: ArrivalDriver, patient: Patient) -> None:
        if driver.route is not None:
            patient.site = driver.route(patient)
        driver.record.arrivals += patient.counted
        model.ctx.arrived(patient)
        driver.start(patient)

    for name, times in patients.items():
        driver = drivers[name]
        numbers, attrs = driver.draws.rows(len(times))
        for k, t in enumerate(times):
            patient = Patient(driver.stream, k, driver.site, attrs[k], numbers[k], t, t >= model.warmup)
            model.env.timeout(t).callbacks.append(lambda _, d=driver, p=patient: arrive(d, p))
    model.env.run(until=model.end)
    for resource in model.resources.values():
        resource.log.close()
    replication_rows(model)  # checks conservation
    return model


def moves(model: Model) -> list[tuple[float, str, str]]:
    """Every recorded transfer: (time, from, to), in time order."""
    return sorted((t, model.sites[a], model.sites[b]) for (a, b), record in model.transfers.items() for t in record.times)


def starts(model: Model, stream: str) -> dict[int, tuple[str, float]]:
    """Where and when each patient of a stream started its (last) use of a resource."""
    log = model.ctx.log
    names = model.streams
    found = {}
    for patient, s, site, kind, t in zip(log.patient, log.stream, log.site, log.kind, log.time):
        if names[s] == stream and kind == START:
            found[patient] = (model.sites[site], t)
    return found


SITES = """
sites:
  h:     {location: [50.00, 3.0], resources: {bed: %(h)s}}
  mid:   {location: [50.05, 3.0], resources: {bed: %(mid)s}}
  far:   {location: [50.30, 3.0], resources: {bed: %(far)s}}
  near:  {location: [50.10, 3.0], resources: {bed: %(near)s}}
  other: {location: [50.60, 3.0], resources: {bed: %(other)s}}
transport: {times: {h-mid: 5min, h-far: 5min, h-near: 5min, h-other: 5min}}
"""
"""Partners at 5.6 km (mid), 11 km (near), 33 km (far) and 67 km (other) from home h; 5 min transport."""


def options_scenario(rule: str, beds: dict[str, int] | None = None, stay: str = "10h", extra_streams: str = "") -> str:
    """Stream `x` at h and one local stream per partner (`at_<site>`), every patient in a bed for `stay`."""
    sizes = {"h": 1, "mid": 1, "far": 1, "near": 1, "other": 1} | (beds or {})
    locals_ = "".join(f"  - {{name: at_{s}, at: {s}, rate: 1/d, pathway: p}}\n" for s in ("mid", "far", "near", "other"))
    return f"""
version: 1
name: options
run: {{horizon: 3d, warmup: 0d}}
{SITES % sizes}
arrivals:
  - {{name: x, at: h, rate: 1/d, pathway: p}}
{locals_}{extra_streams}
pathways:
  p:
    - {{use: bed, name: w, for: {stay}}}
cooperation:
  - overflow: {rule}
"""


def test_queue_above_sends_once_more_than_n_wait() -> None:
    """`queue_above: 1`, one home bed: the 1st starts, the 2nd and 3rd queue (0 then 1 waiting,
    not above 1), the 4th and 5th find 2 waiting and are sent to the partner with room."""
    model = placed(options_scenario("{resource: bed, from: h, to: [near], when: {queue_above: 1}}", {"near": 5}),
                   {"x": [0, 10, 20, 30, 40]})
    assert moves(model) == [(30.0, "h", "near"), (40.0, "h", "near")]
    where = starts(model, "x")
    assert [where[k][0] for k in range(5)] == ["h", "h", "h", "near", "near"]
    assert where[3][1] == 35.0 and where[1][1] == 600.0 and where[2][1] == 1200.0


def test_occupancy_above_sends_above_the_share_and_needs_room() -> None:
    """`occupancy_above: 0.5`, 4 beds at home and at the partner: the first three start at home
    (occupancy 0, 1/4, 2/4 is not above 1/2); the next three find 3/4 and are sent on while the
    partner's occupancy is not above 1/2 (0, 1/4, 2/4); the 7th finds the partner at 3/4, no
    room, so it stays home, where a bed is free: it starts at once."""
    model = placed(options_scenario("{resource: bed, from: h, to: [near], when: {occupancy_above: 0.5}}", {"h": 4, "near": 4}),
                   {"x": [0, 10, 20, 30, 40, 50, 60]})
    assert moves(model) == [(30.0, "h", "near"), (40.0, "h", "near"), (50.0, "h", "near")]
    where = starts(model, "x")
    assert [where[k] for k in range(7)] == [("h", 0.0), ("h", 10.0), ("h", 20.0), ("near", 35.0), ("near", 45.0),
                                            ("near", 55.0), ("h", 60.0)]


def test_wait_above_sends_a_patient_still_waiting() -> None:
    """`wait_above: 30min`, one bed at home and at the partner: the 2nd patient (queued at 10)
    is still waiting at 40 and the partner has a free bed: it leaves at 40, starts there at 45,
    its wait counted from its first request (35 min). The 3rd (queued at 20) is checked at 50:
    the partner's bed is taken, no room, it waits at home and starts when the bed frees (600)."""
    model = placed(options_scenario("{resource: bed, from: h, to: [near], when: {wait_above: 30min}}"),
                   {"x": [0, 10, 20]})
    assert moves(model) == [(40.0, "h", "near")]
    where = starts(model, "x")
    assert [where[k] for k in range(3)] == [("h", 0.0), ("near", 45.0), ("h", 600.0)]
    near, home = model.sites.index("near"), model.sites.index("h")
    assert list(model.waits[("w", near)].waits) == [35.0]
    assert sorted(model.waits[("w", home)].waits) == [0.0, 580.0]


@pytest.mark.parametrize(("choose", "chosen"), [("in_order", "far"), ("nearest", "near"), ("least_occupied", "other")])
def test_choose_picks_the_right_partner_among_those_with_room(choose: str, chosen: str) -> None:
    """Partners listed [mid, far, near, other], each with one local patient in bed: mid (nearest,
    1 bed) is full, so has no room; far 1/4 busy, near 1/2, other 1/10. `in_order` takes the
    first listed with room (far), `nearest` the closest with room (near), `least_occupied` the
    lowest busy/capacity (other)."""
    rule = f"{{resource: bed, from: h, to: [mid, far, near, other], when: full, choose: {choose}}}"
    local = {f"at_{s}": [0.0] for s in ("mid", "far", "near", "other")}
    model = placed(options_scenario(rule, {"far": 4, "near": 2, "other": 10}), {"x": [10, 20]} | local)
    assert moves(model) == [(20.0, "h", chosen)]
    assert starts(model, "x")[1] == (chosen, 25.0)


def test_max_per_day_caps_transfers_each_day() -> None:
    """`max_per_day: 2`: a first patient holds the one home bed for three days; of the six that
    arrive each day, the first two are sent on and the other four wait at home, every day."""
    times = [day * DAY + 60.0 * (k + 1) for day in range(3) for k in range(6)]
    model = placed(options_scenario("{resource: bed, from: h, to: [near], max_per_day: 2}", {"near": 50}, stay="3d"),
                   {"x": [0.0, *times]})
    expected = [(day * DAY + 60.0 * (k + 1), "h", "near") for day in range(3) for k in range(2)]
    assert moves(model) == expected
    per_day = Counter(int(t // DAY) for t, _, _ in moves(model))
    assert per_day == {0: 2, 1: 2, 2: 2}
    assert model.resources["h.bed"].waiting == 12


def test_arrivals_limits_the_streams_concerned() -> None:
    """`arrivals: [x]`: with the home bed full, a patient of x is sent on and one of y (same
    site, same role) waits at home."""
    extra = "  - {name: y, at: h, rate: 1/d, pathway: p}\n"
    model = placed(options_scenario("{resource: bed, from: h, to: [near], arrivals: [x]}", {"near": 5}, extra_streams=extra),
                   {"y": [0.0, 20.0], "x": [10.0]})
    assert moves(model) == [(10.0, "h", "near")]
    assert starts(model, "x")[0] == ("near", 15.0)
    assert starts(model, "y") == {0: ("h", 0.0), 1: ("h", 600.0)}


@pytest.mark.parametrize("step", ["{use: h.bed, name: w, for: 10h}", "{use: h.bed, name: w, during: [{delay: 10h}]}"],
                         ids=["for", "during"])
def test_overflow_from_a_named_site_role_uses_the_partners_unit(step: str) -> None:
    """A step naming `use: h.bed` (SITE.ROLE) under an overflow from h: a patient sent to the
    partner takes the partner's bed there (it continues its pathway there), not h's bed."""
    text = options_scenario("{resource: bed, from: h, to: [near]}", {"near": 3}).replace("{use: bed, name: w, for: 10h}", step)
    model = placed(text, {"x": [0.0, 10.0, 20.0]})
    assert moves(model) == [(10.0, "h", "near"), (20.0, "h", "near")]
    assert starts(model, "x") == {0: ("h", 0.0), 1: ("near", 15.0), 2: ("near", 25.0)}
    assert model.resources["near.bed"].log.peak == 2


def test_no_partner_with_room_means_waiting_at_home() -> None:
    """Home and both partners full: the patient queues at home (nobody disappears) and starts
    there when the home bed frees; no transfer is recorded."""
    local = {"at_near": [0.0], "at_far": [0.0]}
    model = placed(options_scenario("{resource: bed, from: h, to: [near, far]}"), {"x": [1.0, 10.0]} | local)
    assert moves(model) == []
    assert starts(model, "x") == {0: ("h", 1.0), 1: ("h", 601.0)}
    assert model.transfers == {}


# --- share_staff ----------------------------------------------------------------------------------

STAFF = """
version: 1
name: staff
run: {horizon: %(horizon)s, warmup: 0d%(start)s}
sites:
  a: {resources: {doc: 5}}
  b: {resources: {doc: 2}}
arrivals:
  - {name: xa, at: a, rate: %(rate_a)s/h, pathway: p}
  - {name: xb, at: b, rate: %(rate_b)s/h, pathway: p}
pathways:
  p:
    - {use: doc, name: w, for: {exponential: {mean: 60min}}}
variants:
  shared:
    cooperation:
      - share_staff:
          resource: doc
          from: a
          to: b
          sessions:
            - {days: mon-fri, from: "08:00", to: "12:00", capacity: 2}
            - {days: wed, from: "22:00", to: "02:00", capacity: 1}
            - {days: sun, from: "22:00", to: "06:00", capacity: 1}
      - share_staff:
          resource: doc
          from: b
          to: a
          sessions:
            - {days: sat, from: "10:00", to: "14:00", capacity: 1}
  alone: {}
"""
BASE = {"a.doc": 5, "b.doc": 2}
LENT = [  # (weekday, start, length in minutes, capacity moved from a to b; negative: from b to a)
    *[(d, 8 * 60, 4 * 60, 2) for d in range(5)],
    (2, 22 * 60, 4 * 60, 1),   # Wednesday night into Thursday
    (6, 22 * 60, 8 * 60, 1),   # Sunday night into Monday morning
    (5, 10 * 60, 4 * 60, -1),  # Saturday, lent back the other way
]


def lent_to_b(week_minute: float) -> int:
    """Capacity moved from a to b at a minute of the week, from the sessions as written
    (a session covers [start, start + length), wrapping past Sunday midnight)."""
    return sum(c for day, start, length, c in LENT if (week_minute - (day * DAY + start)) % WEEK < length)


@pytest.mark.parametrize("start", [None, "2026-01-07"], ids=["monday", "wednesday"])
def test_share_staff_moves_capacity_by_sessions_exactly(start: str | None) -> None:
    """Capacity in force = base - lent at a, base + lent at b, and a + b = 7, at every minute of
    the week (the weekly timeline) and in the running model at probes one minute either side
    of every half hour over two weeks (the capacity drivers), with time 0 a Monday or a
    Wednesday (`run.start`)."""
    text = STAFF % {"start": f", start: {start}" if start else "", "rate_a": 1, "rate_b": 1, "horizon": "15d"}
    model = build(scenario(text, "shared"), 0, SEED)
    offset = 2 * DAY if start else 0.0
    changes = {key: timeline(BASE[key], model.cooperation.capacity[key]) for key in BASE}
    for minute in np.arange(0.5, WEEK, 1.0):
        lent = lent_to_b(minute)
        assert capacity_at(changes["a.doc"], 0.0, minute) == 5 - lent, minute
        assert capacity_at(changes["b.doc"], 0.0, minute) == 2 + lent, minute
    probes = sorted({t for k in range(1, int(2 * WEEK / 30)) for t in (30.0 * k - 1, 30.0 * k + 1)})
    a, b = model.resources["a.doc"], model.resources["b.doc"]
    assert (a.capacity, b.capacity) == (5 - lent_to_b(offset), 2 + lent_to_b(offset))
    for t in probes:
        model.env.run(until=t)
        lent = lent_to_b((offset + t) % WEEK)
        assert (a.capacity, b.capacity) == (5 - lent, 2 + lent), (t, a.capacity, b.capacity)
        assert a.capacity + b.capacity == 7
    assert min(lent_to_b(m) for m in np.arange(0.5, WEEK)) == -1 and max(lent_to_b(m) for m in np.arange(0.5, WEEK)) == 2


def test_lent_staff_shortens_waits_where_it_goes() -> None:
    """b (2 doctors, 1.6 erlangs) receives 1 or 2 doctors from a (5 doctors, 2.5 erlangs) in
    weekday mornings and some nights, and lends 1 on Saturday mornings. With common random
    numbers, the paired difference of mean waits (shared - alone) is negative at b and
    positive at a, with 99 % confidence."""
    text = STAFF % {"start": "", "rate_a": 2.5, "rate_b": 1.6, "horizon": "60d"}
    shared, alone = variant_runs(text, "shared", 10), variant_runs(text, "alone", 10)
    at_b = [s.value("wait", "w@b", "mean") - n.value("wait", "w@b", "mean") for s, n in zip(shared, alone)]
    at_a = [s.value("wait", "w@a", "mean") - n.value("wait", "w@a", "mean") for s, n in zip(shared, alone)]
    mean_b, half_b = t_interval(at_b)
    mean_a, half_a = t_interval(at_a)
    assert mean_b + half_b < 0, f"wait at b changes by {mean_b:.3g} ± {half_b:.2g} min"
    assert mean_a - half_a > 0, f"wait at a changes by {mean_a:.3g} ± {half_a:.2g} min"
    for s, n in zip(shared, alone):  # the same patients: sharing moves capacity, not patients
        assert values([s], "patients", "arrivals", "count") == values([n], "patients", "arrivals", "count")
        assert s.value("transfers", "all", "count") == 0


# --- share_calendar -------------------------------------------------------------------------------

MRI = "{calendar: {slot: 30min, scanners: %d, open: {mon-fri: \"08:00-18:00\"}}}"
"""20 slots a day per scanner, weekdays: 100 appointments a week per scanner."""


def calendar_scenario(rules: str, rate_a: float, rate_b: float, own_b: bool = False, scanners: int = 1,
                      b_attributes: str = "{prescriber: private}", horizon: str = "4w", variants: str = "") -> str:
    """The calendar a.mri; stream `pub` at a and `priv` at b book `mri`, then see a desk at their own site."""
    b_mri = f", mri: {MRI % 1}" if own_b else ""
    return f"""
version: 1
name: calendar
run: {{horizon: {horizon}, warmup: 1w}}
sites:
  a: {{resources: {{mri: {MRI % scanners}, desk: 5}}}}
  b: {{resources: {{desk: 5{b_mri}}}}}
arrivals:
  - {{name: pub, at: a, rate: {rate_a:g}/w, attributes: {{prescriber: public}}, pathway: exam}}
  - {{name: priv, at: b, rate: {rate_b:g}/w, attributes: {b_attributes}, pathway: exam}}
pathways:
  exam:
    - {{book: mri, name: access, for: 30min}}
    - {{use: desk, name: report, for: 5min}}
cooperation: {rules}
{variants}
"""


QUOTA_RULE = "[{share_calendar: {calendar: a.mri, partners: [a, b], quotas: {by: prescriber, shares: %s}%s}}]"


@pytest.mark.parametrize(("shares", "b_attributes"), [
    ({"public": 0.6, "private": 0.4}, "{prescriber: private}"),
    ({"public": 0.5, "private": 0.3, "foreign": 0.2}, "{prescriber: {private: 0.6, foreign: 0.4}}"),
], ids=["60-40", "50-30-20"])
def test_quotas_hold_under_saturation(shares: dict[str, float], b_attributes: str) -> None:
    """Demand at three times the calendar's 100 appointments a week, from every group beyond
    its quota: every entry of the measured weeks is booked (used share 1) and each group's
    booked count is its share of the entries offered to within one entry (reserved in turn,
    smooth weighted round-robin), in every replication."""
    text_shares = "{" + ", ".join(f"{k}: {v:g}" for k, v in shares.items()) + "}"
    text = calendar_scenario(QUOTA_RULE % (text_shares, ""), 150, 150, b_attributes=b_attributes)
    for r in replicate(text, 3, SEED):
        offered = r.value("slots", "a.mri", "offered")
        assert offered == 4 * 100
        assert r.value("slots", "a.mri", "used_share") == 1.0
        for group, share in shares.items():
            booked = r.value("slots", "a.mri", f"booked_share:{group}") * offered
            assert abs(booked - share * offered) <= 1 + 1e-9, (group, booked, share * offered)


def test_full_pooling_shortens_access_delays() -> None:
    """Two sites with one scanner each and 90 requests a week each (ρ = 0.9), separately, or
    one calendar with both scanners shared by both sites (same total capacity). With common
    random numbers the paired difference of mean access delays (pooled - separate) is at most
    0 with 99 % confidence."""
    variants = f"""
variants:
  pooled: {{}}
  separate:
    sites.a.resources.mri: {MRI % 1}
    add:
      sites.b.resources.mri: {MRI % 1}
    cooperation: []
"""
    text = calendar_scenario("[{share_calendar: {calendar: a.mri, partners: [a, b]}}]", 90, 90, scanners=2,
                             horizon="8w", variants=variants)
    pooled, separate = variant_runs(text, "pooled", 20), variant_runs(text, "separate", 20)
    differences = [p.value("access_delay", "access", "mean") - s.value("access_delay", "access", "mean")
                   for p, s in zip(pooled, separate)]
    mean, half = t_interval(differences)
    assert mean + half <= 0, f"pooled - separate access delay {mean:.3g} ± {half:.2g} d"
    for p, s in zip(pooled, separate):
        assert p.value("slots", "a.mri", "offered") == s.value("slots", "a.mri", "offered") + s.value("slots", "b.mri", "offered")


def test_release_unused_raises_slot_use() -> None:
    """Public requests (150 a week) exceed their 60 % reserve; private ones (10 a week) use a
    quarter of their 40 %. Without release, public patients take only their own entries
    (booked count 0.6 × offered to within one) and private entries go unused; with
    `release_unused: 48h` public patients take the private entries left free 48 h before, so
    slot use rises in every replication (paired)."""
    variants = f"""
variants:
  reserved: {{}}
  released:
    cooperation: {QUOTA_RULE % ("{public: 0.6, private: 0.4}", ", release_unused: 48h")}
"""
    text = calendar_scenario(QUOTA_RULE % ("{public: 0.6, private: 0.4}", ""), 150, 10, variants=variants)
    reserved, released = variant_runs(text, "reserved", 5), variant_runs(text, "released", 5)
    for kept, freed in zip(reserved, released):
        offered = kept.value("slots", "a.mri", "offered")
        public = kept.value("slots", "a.mri", "booked_share:public") * kept.value("slots", "a.mri", "used_share") * offered
        assert abs(public - 0.6 * offered) <= 1 + 1e-9
        assert kept.value("slots", "a.mri", "used_share") < 0.8
        assert freed.value("slots", "a.mri", "used_share") > kept.value("slots", "a.mri", "used_share")
        assert freed.value("slots", "a.mri", "booked_share:public") > 0.6 + 1 / offered
    gain = [f.value("slots", "a.mri", "used_share") - k.value("slots", "a.mri", "used_share") for k, f in zip(reserved, released)]
    mean, half = t_interval(gain)
    assert mean - half > 0


def test_partner_without_calendar_is_examined_there_and_comes_back() -> None:
    """b has no MRI: its patients book on a's shared calendar, their appointment and scan are at
    a (resource a.mri), and their next step (the desk) runs at b, their own site; a booking is
    no transfer."""
    text = calendar_scenario("[{share_calendar: {calendar: a.mri, partners: [a, b]}}]", 60, 30)
    model = build(scenario(text), 0, SEED, events=True)
    model.env.run(until=model.end)
    log = event_columns(model).decoded()
    steps: dict[tuple[str, int], list[tuple[str, str, str]]] = defaultdict(list)
    for patient, stream, _step, site, resource, kind in zip(log["patient"], log["stream"], log["step"], log["site"],
                                                           log["resource"], log["event"]):
        if kind in ("booked", "appointment", "start", "depart"):
            steps[(stream, patient)].append((kind, site, resource))
    done = [events for (stream, _), events in steps.items() if stream == "priv" and events[-1][0] == "depart"]
    assert len(done) > 50
    for events in done:
        assert events == [("booked", "b", "a.mri"), ("appointment", "a", "a.mri"), ("start", "a", "a.mri"),
                          ("start", "b", "b.desk"), ("depart", "b", "")]
    assert model.transfers == {}
    for resource in model.resources.values():
        resource.log.close()
    flows = rows_of(replication_rows(model), "flows")
    assert {scope for scope, _ in flows} == {"pub:a>a", "priv:b>b"}


# --- every rule at once: transfers only along declared partners ----------------------------------

MIXED = """
version: 1
name: mixed
run: {horizon: 10d, warmup: 1d}
sites:
  a: {location: [50.0, 3.0], resources: {bed: 3}}
  b: {location: [50.1, 3.1], resources: {bed: 2}}
  c: {location: [50.2, 3.2], resources: {bed: 4}}
  d: {location: [50.3, 3.3], resources: {bed: 2}}
transport: {handover: 10min}
arrivals:
  - {name: xa, at: a, rate: 2/h, pathway: stay}
  - {name: xd, at: d, rate: 2/h, pathway: stay}
  - {name: xc, at: c, rate: 1/h, pathway: stay}
pathways:
  stay:
    - {use: bed, name: w, for: {exponential: {mean: 75min}}, patience: {exponential: {mean: 3h}}}
cooperation:
  - route: {arrivals: [xd], among: [a, b, d], resource: bed, choose: shortest_queue}
  - overflow: {resource: bed, from: a, to: [b, c], when: full, choose: least_occupied}
  - overflow: {resource: bed, from: b, to: [c], when: {wait_above: 20min}, max_per_day: 10}
  - overflow: {resource: bed, from: d, to: [a], when: {queue_above: 2}}
"""
DECLARED = {("a", "b"), ("a", "c"), ("b", "c"), ("d", "a")}


def test_transfers_only_along_declared_partners() -> None:
    """Routing, three overflow rules (one a chain a > b > c) and patience over four sites: every
    transfer row and every transfer in the event log is a declared (from, to) pair, each arrival
    at a partner follows its departure by the transport time, flows carry the transfers made,
    and patients are conserved stream by stream (the metrics raise otherwise)."""
    model = build(scenario(MIXED), 0, SEED, events=True)
    model.env.run(until=model.end)
    for resource in model.resources.values():
        resource.log.close()
    rows = replication_rows(model)
    pairs = {tuple(scope.split(">")) for scope, _ in rows_of(rows, "transfers") if ">" in scope}
    assert pairs and pairs <= DECLARED, pairs
    assert ("b", "c") in pairs and ("a", "b") in pairs
    log = event_columns(model).decoded()
    leaving: dict[tuple[str, int], tuple[str, float]] = {}
    hops: Counter[tuple[str, str]] = Counter()
    for patient, stream, site, kind, t in zip(log["patient"], log["stream"], log["site"], log["event"], log["time"]):
        key = (stream, patient)
        if kind == "transfer_out":
            leaving[key] = (site, t)
        elif kind == "transfer_in":
            origin, left_at = leaving.pop(key)
            assert (origin, site) in DECLARED
            travel = model.ctx.transport[model.sites.index(origin)][model.sites.index(site)]
            assert t - left_at == pytest.approx(travel, abs=1e-9)
            hops[(origin, site)] += 1
    assert set(hops) <= DECLARED
    flows = rows_of(rows, "flows")
    made = sum(v for (_, stat), v in flows.items() if stat == "transfers")
    assert 0 < made <= rows_of(rows, "transfers")[("all", "count")]  # minus those still inside
    assert any(flows[(scope, "transfers")] > flows[(scope, "patients")] for scope, stat in flows if stat == "patients"), \
        "no patient went a > b > c"
    patients = rows_of(rows, "patients")
    assert patients[("arrivals", "count")] == sum(patients[(k, "count")] for k in ("departed", "left_unseen", "still_inside"))
    assert patients[("left_unseen", "count")] > 0


def test_partner_with_its_own_calendar_takes_the_earliest_slot() -> None:
    """b's own MRI opens 08:00-09:00 and a's shared one 12:00-13:00 (two 30 min slots each):
    requests from b at 01:00, 01:10, 01:20, 01:30 and 01:40 on Monday get b 08:00, b 08:30,
    a 12:00, a 12:30, then b on Tuesday 08:00 - the earliest slot of either calendar."""
    text = """
version: 1
name: both
run: {horizon: 3d, warmup: 0d}
sites:
  a: {resources: {mri: {calendar: {slot: 30min, open: {mon-fri: "12:00-13:00"}}}, desk: 1}}
  b: {resources: {mri: {calendar: {slot: 30min, open: {mon-fri: "08:00-09:00"}}}, desk: 1}}
arrivals:
  - {name: priv, at: b, rate: 1/d, pathway: exam}
pathways:
  exam:
    - {book: mri, name: access}
    - {use: desk, name: report, for: 5min}
cooperation: [{share_calendar: {calendar: a.mri, partners: [b]}}]
"""
    model = placed(text, {"priv": [60.0, 70.0, 80.0, 90.0, 100.0]})
    log = model.ctx.log
    seen = [(log.labels[r], t, model.sites[s]) for r, k, t, s in zip(log.resource, log.kind, log.time, log.site) if k == APPOINTMENT]
    assert seen == [("b.mri", 480.0, "b"), ("b.mri", 510.0, "b"), ("a.mri", 720.0, "a"), ("a.mri", 750.0, "a"),
                    ("b.mri", DAY + 480.0, "b")]
    desks = [(log.labels[r], model.sites[s]) for r, k, s in zip(log.resource, log.kind, log.site)
             if k == START and log.labels[r].endswith("desk")]
    assert desks == [("b.desk", "b")] * 5
