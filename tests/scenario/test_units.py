"""Units of the scenario language: every quantity carries its unit, and reads back exactly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario import units
from sim.scenario.units import (
    UnitError,
    format_duration,
    parse_days,
    parse_duration,
    parse_interval,
    parse_rate,
    parse_speed,
    parse_time_of_day,
)

pytestmark = pytest.mark.unit

BARE_NUMBERS = [90, 1.5, 0, True, False]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90min", 90),
        ("1.5h", 90),
        ("14d", 14 * 1440),
        ("2w", 2 * 10080),
        ("0min", 0),
        ("0d", 0),
        (".5h", 30),
        ("2.h", 120),
        ("90 min", 90),
        ("  1.5 h  ", 90),
        ("0.25d", 360),
    ],
)
def test_durations(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text", ["90", "90m", "90mins", "1.5 hours", "-5min", "+5min", "1e3min", "1,5h", "h", "", "5 min 3", "5minh"]
)
def test_malformed_durations_are_errors(text):
    with pytest.raises(UnitError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("parse", "units_named"),
    [
        (parse_duration, ["min", "h", "d", "w"]),
        (parse_rate, ["/h", "/d", "/w"]),
        (parse_speed, ["km/h"]),
        (parse_time_of_day, ['"08:30"']),
    ],
)
@pytest.mark.parametrize("number", BARE_NUMBERS)
def test_a_bare_number_is_an_error_naming_the_units(parse, units_named, number):
    with pytest.raises(UnitError, match="bare number") as err:
        parse(number)
    for unit in units_named:
        assert unit in str(err.value)


@pytest.mark.parametrize("parse", [parse_duration, parse_rate, parse_speed, parse_time_of_day])
@pytest.mark.parametrize("value", [None, [1, "h"], {"h": 1}])
def test_other_types_are_errors(parse, value):
    with pytest.raises(UnitError, match="as text"):
        parse(value)


def test_unit_errors_are_value_errors():
    """So that pydantic reports them as validation errors of the field."""
    assert issubclass(UnitError, ValueError)


@pytest.mark.parametrize(
    ("text", "per_minute"),
    [
        ("12/h", 12 / 60),
        ("250/d", 250 / 1440),
        ("900/w", 900 / 10080),
        ("2/min", 2),
        ("0/d", 0),
        ("1.5 / h", 1.5 / 60),
        (".5/h", 0.5 / 60),
    ],
)
def test_rates(text, per_minute):
    assert parse_rate(text) == pytest.approx(per_minute, rel=1e-15)


@pytest.mark.parametrize("text", ["250", "250/day", "250 per d", "250/s", "/d", "-3/h", "250d"])
def test_malformed_rates_are_errors(text):
    with pytest.raises(UnitError, match=r"is not a rate.*/min, /h, /d or /w"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("text", "km_per_min"), [("45km/h", 0.75), ("60 km / h", 1.0), ("1km/min", 1.0), ("0km/h", 0.0)]
)
def test_speeds(text, km_per_min):
    assert parse_speed(text) == pytest.approx(km_per_min)


@pytest.mark.parametrize("text", ["45", "45kmh", "45 km", "45mph", "45m/h", "45km/d", "fast"])
def test_malformed_speeds_are_errors(text):
    with pytest.raises(UnitError, match="is not a speed"):
        parse_speed(text)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:00", 0), ("08:30", 510), ("23:59", 1439), ("24:00", 1440), ("7:05", 425), (" 10:00 ", 600)],
)
def test_times_of_day(text, minutes):
    assert parse_time_of_day(text) == minutes


def test_end_of_day_only_where_allowed():
    assert parse_time_of_day("24:00", allow_end_of_day=True) == 1440
    assert parse_time_of_day("23:59", allow_end_of_day=False) == 1439
    with pytest.raises(UnitError, match="00:00 to 23:59"):
        parse_time_of_day("24:00", allow_end_of_day=False)


@pytest.mark.parametrize("text", ["24:01", "25:00", "12:60", "99:99"])
def test_out_of_range_times_are_errors(text):
    with pytest.raises(UnitError, match="not a valid time of day"):
        parse_time_of_day(text)


@pytest.mark.parametrize("text", ["7:5", "8h", "0800", "08:30:00", "8:30am", ":30", "", "08-30"])
def test_malformed_times_are_errors(text):
    with pytest.raises(UnitError, match="is not a time of day"):
        parse_time_of_day(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon", (0,)),
        ("sun", (6,)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("mon-sun", (0, 1, 2, 3, 4, 5, 6)),
        ("sat,sun", (5, 6)),
        ("sat, sun", (5, 6)),
        ("fri-mon", (0, 4, 5, 6)),
        ("sun-mon", (0, 6)),
        ("mon-mon", (0,)),
        ("mon-fri,sun", (0, 1, 2, 3, 4, 6)),
        ("mon,mon", (0,)),
        ("MON", (0,)),
        ("Mon - Fri", (0, 1, 2, 3, 4)),
        ("Sat,SUN", (5, 6)),
    ],
)
def test_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "text", ["monday", "weekdays", "mon-", "-fri", "mon-tue-wed", "", "mon,,tue", "lun", "mon fri"]
)
def test_bad_day_names_are_errors(text):
    with pytest.raises(UnitError, match="is not a day or day range"):
        parse_days(text)


@pytest.mark.parametrize("value", [0, None, ["mon"]])
def test_days_must_be_text(value):
    with pytest.raises(UnitError, match="expected days as text"):
        parse_days(value)


def test_day_names_are_monday_first():
    assert units.DAY_NAMES == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("08:00-20:00", (480, 1200)),
        ("00:00-24:00", (0, 1440)),
        ("08:00 - 13:00", (480, 780)),
        ("23:59-24:00", (1439, 1440)),
    ],
)
def test_intervals(text, bounds):
    assert parse_interval(text) == bounds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20:00-08:00", "ends before it starts"),
        ("08:00-08:00", "ends before it starts"),
        ("08:00", "not an opening interval"),
        ("08:00-12:00-14:00", "not an opening interval"),
        ("24:00-24:00", "00:00 to 23:59"),
        ("08:00-24:01", "not a valid time of day"),
        ("8-12", "not a time of day"),
        (800, "not an opening interval"),
    ],
)
def test_bad_intervals_are_errors(value, message):
    with pytest.raises(UnitError, match=message):
        parse_interval(value)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0min"),
        (90, "90min"),
        (60, "1h"),
        (120, "2h"),
        (1440, "1d"),
        (14 * 1440, "2w"),
        (10 * 1440, "10d"),
        (30, "30min"),
        (0.5, "0.5min"),
    ],
)
def test_format_duration_uses_the_largest_exact_unit(minutes, text):
    assert format_duration(minutes) == text


@given(amount=st.integers(min_value=0, max_value=999_999), unit=st.sampled_from(sorted(units.MINUTES_PER)))
def test_format_duration_round_trips(amount, unit):
    minutes = amount * units.MINUTES_PER[unit]
    text = format_duration(minutes)
    assert parse_duration(text) == minutes
    assert amount == 0 or len(text) <= len(f"{amount}{unit}")  # the largest exact unit is never longer


def test_format_duration_round_trips_beyond_a_million_minutes():
    assert parse_duration(format_duration(1_000_001)) == 1_000_001
