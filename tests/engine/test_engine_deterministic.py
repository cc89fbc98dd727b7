"""The engine where the answer is known exactly: no queue, fixed durations, transfers, a
resource closed at night, booking calendars, the weekday of time 0, and conservation.

Where randomness remains (arrival times), the check is either exact per patient or the
theoretical mean inside a Student-t 99 % interval across replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine import streams
from sim.engine.arrivals import arrival_times, rate_profile
from sim.engine.build import build, week_offset
from sim.engine.calendar import Calendar
from sim.engine.metrics import replication_rows
from tests.theory import assert_covers, md1_balking, replicate, scenario

pytestmark = pytest.mark.unit

DAY, WEEK = 1440.0, 10080.0
SEED = 20260105


def single_site(resources: str, arrivals: str, pathways: str, run: str = "horizon: 10d, warmup: 1d",
                extra: str = "") -> str:
    """A scenario with one site `h`; the other parts are YAML flow or block text."""
    return f"""
version: 1
name: deterministic
run: {{{run}}}
sites:
  h:
    location: [50.0, 3.0]
    resources: {resources}
arrivals: {arrivals}
pathways: {pathways}
{extra}
"""


def test_ample_capacity_gives_no_wait() -> None:
    text = single_site("{room: 200}", "[{name: a, at: h, rate: 10/h, pathway: p}]",
                       "{p: [{use: room, name: w, for: {exponential: {mean: 1h}}}]}")
    for r in replicate(text, 3):
        assert r.value("wait", "w", "count") > 2000
        for stat in ("mean", "p50", "p95", "max"):
            assert r.value("wait", "w", stat) == 0.0
        assert r.value("queue", "h.room", "max") == 0.0
        assert r.value("occupancy", "h.room", "full_share") == 0.0


def test_fixed_durations_give_exact_times_in_system() -> None:
    """30 min on an ample resource, then a 2 h delay: 150 min for every patient."""
    text = single_site("{room: 100}", "[{name: a, at: h, rate: 6/h, pathway: p}]",
                       "{p: [{use: room, for: 30min}, {delay: 2h}]}")
    for r in replicate(text, 3):
        for stat in ("mean", "p50", "p90", "p95"):
            assert r.value("time_in_system", "a", stat) == pytest.approx(150.0, abs=1e-9)
        assert r.value("throughput", "a", "count") == r.value("patients", "departed", "count") > 1000


def test_goto_hands_the_patient_over_for_good() -> None:
    """A goto never returns: patients that take it skip the steps after their branch, and a
    goto from inside a `during` frees the unit when the patient leaves."""
    pathways = """
  p:
    - use: box
      during:
        - delay: 10min
        - branch:
            - {p: 0.5, steps: [{goto: q}]}
            - otherwise: []
    - {use: room, name: after_branch, for: 5min}
  q: [{delay: 20min}]
"""
    text = single_site("{box: 100, room: 100}", "[{name: a, at: h, rate: 6/h, pathway: p}]", pathways)
    for r in replicate(text, 3):
        departed = r.value("patients", "departed", "count")
        after = r.value("wait", "after_branch", "count")
        assert 0.4 * departed < after < 0.6 * departed  # only the otherwise half reaches it
        # every stay is 10 + 5 min (otherwise) or 10 + 20 min (goto): never 35 min
        assert r.value("time_in_system", "a", "p95") == pytest.approx(30.0)
        assert r.value("time_in_system", "a", "p50") in (pytest.approx(15.0), pytest.approx(30.0))
        assert 15.0 < r.value("time_in_system", "a", "mean") < 30.0
        assert r.value("occupancy", "h.box", "peak") < 10  # units are freed: nobody keeps a box
        assert r.value("wait", "after_branch", "max") == 0.0


def test_transfer_adds_exactly_the_transport_time() -> None:
    """Explicit `transport.times` plus `handover` from h to b; the great-circle formula from b to c
    (one degree of latitude, 6371.0088 km × π / 180, at 60 km/h, detour 1)."""
    text = """
version: 1
name: transfers
run: {horizon: 5d, warmup: 1d}
sites:
  h: {location: [50.0, 3.0], resources: {room: 100}}
  b: {location: [50.5, 3.0], resources: {room: 100}}
  c: {location: [51.5, 3.0]}
transport: {speed: 60km/h, detour: 1.0, handover: 15min, times: {h-b: 25min}}
arrivals: [{name: a, at: h, rate: 4/h, pathway: p}]
pathways:
  p:
    - {use: room, for: 30min}
    - {transfer: b}
    - {use: room, for: 1h}
    - {transfer: c}
    - {delay: 10min}
"""
    b_to_c = 6371.0088 * math.pi / 180 + 15
    for r in replicate(text, 2):
        departed = r.value("patients", "departed", "count")
        assert r.value("time_in_system", "a", "mean") == pytest.approx(30 + 40 + 60 + b_to_c + 10, abs=1e-9)
        assert r.value("transfers", "h>b", "transport_mean") == pytest.approx(40.0)
        assert r.value("transfers", "b>c", "transport_mean") == pytest.approx(b_to_c, rel=1e-12)
        assert r.value("transfers", "b>c", "count") >= departed > 300
        pairs = r.value("transfers", "h>b", "count") + r.value("transfers", "b>c", "count")
        assert r.value("transfers", "all", "count") == pairs


NIGHT = single_site(
    '{room: {capacity: 0, schedule: [{days: mon-sun, from: "08:00", to: "20:00", capacity: 50}]}}',
    "[{name: a, at: h, rate: 2/h, pathway: p}]",
    "{p: [{use: room, name: w, for: 30min}]}",
    run="horizon: 28d, warmup: 20h",
)


def test_closed_at_night_nobody_starts_and_waits_run_to_opening() -> None:
    """Capacity 50 from 08:00 to 20:00, 0 otherwise; 2/h uniform arrivals, 30 min each, measured
    from 20:00 to 20:00 so that every counted wait ends within the run.

    Nobody starts at night: after 20:30 nobody is busy until 08:00. A night arrival waits until
    08:00, a day arrival not at all: mean wait (12 h)² / 2 / 24 h = 180 min. Little's law gives
    the mean queue 2/h × 180 min = 6. Busy time is 48 × 30 min a day, of which the starts
    between 19:30 and 20:00 spill λ × 30² / 2 = 15 min past closing: utilisation (busy over
    capacity in force) 1440 / (50 × 720), occupancy (busy / capacity while open) 1425 / (50 × 720).
    """
    results = replicate(NIGHT, 20)
    hour_of_day = (20 + np.arange(28 * 24)) % 24
    day = (hour_of_day >= 8) & (hour_of_day < 20)
    for r in results:
        hourly = r.hourly["h.room"]
        np.testing.assert_allclose(hourly.capacity, np.where(day, 50.0, 0.0), atol=1e-9)
        np.testing.assert_allclose(hourly.busy[(hour_of_day >= 21) | (hour_of_day < 8)], 0.0, atol=1e-9)
        assert r.value("wait", "w", "max") <= 720.0
        assert r.value("occupancy", "h.room", "full_share") == 0.0
    assert_covers([r.value("wait", "w", "mean") for r in results], 180.0, "wait until opening")
    assert_covers([r.value("queue", "h.room", "mean") for r in results], 6.0, "night queue (Little)")
    assert_covers([r.value("utilisation", "h.room", "mean") for r in results], 1440 / 36000, "utilisation")
    assert_covers([r.value("occupancy", "h.room", "mean") for r in results], 1425 / 36000, "occupancy while open")


MIXED = """
version: 1
name: still inside
run: {horizon: 3d, warmup: 1d}
sites:
  h:
    location: [50.0, 3.0]
    resources:
      bed: 60
      mri: {calendar: {slot: 30min, scanners: 1, open: {mon-fri: "08:00-18:00"}}}
  k:
    location: [50.5, 3.0]
    resources: {room: 2}
transport: {times: {h-k: 2h}}
arrivals:
  - {name: long, at: h, rate: 30/d, pathway: stay}
  - {name: short, at: h, rate: 20/d, pathway: visit}
  - {name: booked, at: h, rate: 5/d, pathway: scan}
  - {name: moving, at: h, rate: 10/d, pathway: move}
pathways:
  stay:
    - use: bed
      patience: {exponential: {mean: 3h}}
      during:
        - {delay: 10d}
  visit:
    - {delay: {exponential: {mean: 1h}}}
  scan:
    - {book: mri, lead: 30d}
  move:
    - {transfer: k}
    - {use: room, for: {exponential: {mean: 3h}}, patience: 6h}
"""


COUNTS = ("arrivals", "departed", "left_unseen", "still_inside")


def test_conservation_with_many_patients_still_inside() -> None:
    """Patients in 10-day stays, queued, waiting 30 days for a slot, on the road or queued
    abroad are all still inside at the end; nobody is lost (simulate also asserts it)."""
    for r in replicate(MIXED, 5):
        for name in ("long", "short", "booked", "moving"):
            count = {k: r.value("patients", f"{k}:{name}", "count") for k in COUNTS}
            assert count["arrivals"] == count["departed"] + count["left_unseen"] + count["still_inside"], (name, count)
        assert r.value("patients", "departed:long", "count") == 0
        assert r.value("patients", "left_unseen:long", "count") > 0
        assert r.value("patients", "still_inside:long", "count") >= 20
        booked = r.value("patients", "arrivals:booked", "count")
        assert r.value("patients", "still_inside:booked", "count") == booked > 0
        assert r.value("patients", "still_inside:moving", "count") > 0
        total = [r.value("patients", k, "count") for k in COUNTS]
        assert total[0] == total[1] + total[2] + total[3]


@pytest.mark.parametrize(
    ("opening", "slot", "scanners", "per_week"),
    [
        ('{mon-fri: "08:00-20:00"}', "30min", 1, 5 * 24),
        ('{mon-fri: "08:00-20:00", sat: "08:00-13:00"}', "30min", 2, 2 * (5 * 24 + 10)),
        ('{mon-fri: "08:00-12:00,14:00-18:00"}', "20min", 1, 5 * (12 + 12)),
        ('{mon-sun: "08:00-12:10"}', "30min", 3, 3 * 7 * 8),
        ('{mon-fri: "08:00-20:00"}', "45min", 1, 5 * 16),
        ('{"tue,thu": "00:00-24:00"}', "0.1h", 1, 2 * 240),
        ('{mon-fri: "08:00-16:18"}', "8.3h", 1, 5),
    ],
)
@pytest.mark.parametrize("start", [None, "2026-01-08"], ids=["monday", "thursday"])
def test_slots_per_week_are_opening_hours_times_scanners_over_slot(opening: str, slot: str, scanners: int,
                                                                   per_week: int, start: str | None) -> None:
    """Every whole slot of every opening interval, once per scanner, in any week of the run."""
    text = single_site(f"{{mri: {{calendar: {{slot: {slot}, scanners: {scanners}, open: {opening}}}}}}}",
                       "[{name: a, at: h, rate: 1/d, pathway: p}]", "{p: [{book: mri}]}",
                       run=f"horizon: 28d{', start: ' + start if start else ''}")
    model = build(scenario(text), 0, SEED)
    calendar = model.calendars["h.mri"]
    assert calendar.slots_per_week == per_week
    for week in range(4):
        assert calendar.offered_between(week * WEEK, (week + 1) * WEEK) == per_week


def next_slots(start_weekday: int, until: float) -> np.ndarray:
    """Slot starts of mon-fri 08:00-20:00 and sat 08:00-13:00 (30 min) from time 0, a `start_weekday`."""
    starts = []
    for d in range(int(until // DAY) + 1):
        weekday = (start_weekday + d) % 7
        close = {5: 13 * 60, 6: 8 * 60}.get(weekday, 20 * 60)
        starts += [d * DAY + m for m in np.arange(8 * 60, close, 30.0)]
    return np.asarray(starts)


BOOKING = single_site(
    '{mri: {calendar: {slot: 30min, scanners: 30, open: {mon-fri: "08:00-20:00", sat: "08:00-13:00"}}}}',
    "[{name: mri, at: h, rate: 3/d, pathway: p}]",
    "{p: [{book: mri, name: access}]}",
    run="horizon: 40w, warmup: 1w, start: 2026-01-08",
)


def test_calendar_slots_follow_the_start_weekday() -> None:
    """Time 0 is Thursday 2026-01-08: the first slots are Thursday's, Saturday closes at 13:00."""
    model = build(scenario(BOOKING), 0, SEED)
    assert week_offset(model.scenario) == 3 * DAY
    calendar: Calendar = model.calendars["h.mri"]
    calendar.offered_between(0.0, 3 * WEEK)
    expected = next_slots(3, 3 * WEEK)
    expected = expected[expected < 3 * WEEK]
    slot_times = np.unique(calendar.times)  # one entry per scanner and slot
    np.testing.assert_array_equal(slot_times[: expected.size], expected)
    assert calendar.times[0] == 480.0 and 2 * DAY + 750.0 in calendar.times and 2 * DAY + 780.0 not in calendar.times


def test_access_delay_far_below_capacity_is_the_time_to_the_next_slot() -> None:
    """3 requests a day on 30 scanners: every request gets the next slot start, exactly.

    The mean over a week of uniform requests is Σ g² / (2 × week) over the gaps g between
    consecutive slot starts (the mean residual time of renewal theory)."""
    scenario_ = scenario(BOOKING)
    slots = next_slots(3, scenario_.run.warmup + scenario_.run.horizon + WEEK)
    for replication in range(3):
        model = build(scenario_, replication, SEED)
        model.env.run(until=model.end)
        profile = rate_profile(scenario_.arrivals[0], model.end, 3)
        arrivals = np.concatenate(list(arrival_times(profile, streams.generator(SEED, replication, "arrivals", "mri"))))
        arrivals = arrivals[arrivals >= model.warmup]
        expected = slots[np.searchsorted(slots, arrivals)] - arrivals
        np.testing.assert_allclose(np.frombuffer(model.bookings["access"].delays), expected, atol=1e-9)

    gaps = np.diff(slots[(slots >= WEEK) & (slots <= 2 * WEEK + 480)])
    mean_residual = float((gaps**2).sum() / (2 * WEEK))
    results = replicate(BOOKING, 20)
    delays = [r.value("access_delay", "access", "mean") * DAY for r in results]
    assert_covers(delays, mean_residual, "time to next slot")
    assert all(r.value("access_delay", "access", "max") * DAY <= gaps.max() for r in results)


PATIENT_BOOKING = single_site(
    '{mri: {calendar: {slot: 1h, scanners: 1, open: {mon-sun: "00:00-24:00"}}}}',
    "[{name: mri, at: h, rate: 30/d, pathway: p}]",
    "{p: [{book: mri, name: access, patience: 20h}]}",
    run="horizon: 8w, warmup: 1w",
)
"""A calendar open round the clock with 1-hour slots, asked 1.25 times its capacity by requests
that accept at most 20 hours: the backlog settles at the patience."""


def booked_by_recursion(arrivals: np.ndarray, slot: float, patience: float) -> tuple[np.ndarray, np.ndarray]:
    """Access delays and whether each request booked, by the slot recursion of an always-open
    single calendar: the earliest free slot is the later of the end of the last booking and the
    next slot start; a request offered a later slot than its patience books nothing."""
    end, delays, booked = 0.0, np.zeros(arrivals.size), np.zeros(arrivals.size, dtype=bool)
    for i, t in enumerate(arrivals):
        start = max(end, math.ceil(t / slot) * slot)
        delays[i] = start - t
        if start - t <= patience:
            booked[i], end = True, start + slot
    return delays, booked


def test_booking_patience_matches_the_slot_recursion_patient_by_patient() -> None:
    """Each request books or goes elsewhere exactly as an independent recursion over the same
    arrival times says, and the counts add up."""
    scenario_ = scenario(PATIENT_BOOKING)
    for replication in range(2):
        model = build(scenario_, replication, SEED)
        model.env.run(until=model.end)
        profile = rate_profile(scenario_.arrivals[0], model.end, 3)
        arrivals = np.concatenate(list(arrival_times(profile, streams.generator(SEED, replication, "arrivals", "mri"))))
        delays, booked = booked_by_recursion(arrivals, 60.0, 20 * 60.0)
        counted = arrivals >= model.warmup
        record = model.bookings["access"]
        np.testing.assert_allclose(np.frombuffer(record.delays), delays[counted & booked], atol=1e-9)
        assert record.left == int((counted & ~booked).sum()) > 0
        assert model.ctx.stream_records[0].left_unseen == record.left
        rows = {(m, s, st): v for m, s, st, v, _ in replication_rows(model)}
        assert rows[("patients", "went_elsewhere", "count")] == record.left  # requests sent elsewhere
        assert rows[("patients", "left_waiting", "count")] == 0  # are not patients who left a waiting room


def test_booking_patience_above_capacity_is_an_md1_queue_with_balking() -> None:
    """With a backlog the offered delay is the calendar's workload, so the calendar is an M/D/1
    queue whose customers balk above the patience: the share going elsewhere and the mean delay
    of those who book match its level-crossing solution (the share is also 1 − μ/λ = 0.2 by flow
    balance, as the backlog never drains), and no appointment is later than the patience."""
    balk, mean_wait = md1_balking(arrival_rate=1.25, service=1.0, patience=20.0)
    assert balk == pytest.approx(0.2, abs=1e-3)
    results = replicate(PATIENT_BOOKING, 12)
    shares = [r.value("access_delay", "access", "left_unseen") / r.value("patients", "arrivals", "count") for r in results]
    assert_covers(shares, balk, "share gone elsewhere")
    assert_covers([r.value("access_delay", "access", "mean") * 24 for r in results], mean_wait, "mean access delay (h)")
    assert all(r.value("access_delay", "access", "max") <= 20 / 24 for r in results)


def test_start_weekday_shapes_schedules_and_arrivals() -> None:
    """Time 0 a Thursday: the Saturday capacity window is day 2 of each week, and arrivals
    weighted on Mondays only (never in the last hour of the day) keep the resource busy only then."""
    text = single_site(
        '{room: {capacity: 1, schedule: [{days: sat, from: "00:00", to: "24:00", capacity: 3}]}}',
        f"[{{name: a, at: h, rate: 50/w, weekly: [1, 0, 0, 0, 0, 0, 0], hourly: {[1] * 23 + [0]}, pathway: p}}]",
        "{p: [{use: room, for: 1min}]}",
        run="horizon: 21d, start: 2026-01-08",
    )
    result = replicate(text, 1)[0]
    weekday = (3 + np.arange(21 * 24) // 24) % 7
    hourly = result.hourly["h.room"]
    np.testing.assert_allclose(hourly.capacity, np.where(weekday == 5, 3.0, 1.0), atol=1e-9)
    np.testing.assert_allclose(hourly.busy[weekday != 0], 0.0, atol=1e-9)
    assert hourly.busy[weekday == 0].sum() > 0
