"""Units of the scenario language: durations, rates, speeds, times of day, days and moments.

Everything is converted to the engine's base units once, at load time: time in minutes,
rates per minute, speeds in km per minute. A bare number where a unit is required is an
error, never a guess.
"""

from __future__ import annotations

import datetime
import math
import re

MINUTES_PER = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
"""Minutes in one of each duration unit."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_NUMBER = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*(min|h|d|w)\s*$")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*/\s*(min|h|d|w)\s*$")
_SPEED = re.compile(rf"^\s*({_NUMBER})\s*km\s*/\s*(min|h)\s*$")
_TIME = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*$")
_DATE = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2})?\s*$")

Moment = float | datetime.datetime
"""A time of the run: minutes from time 0, or a date and time of the calendar (with `run.start`)."""


class UnitError(ValueError):
    """A value that does not read as the unit-carrying quantity expected."""


def _text(value: object, what: str, example: str, fix: str = "add a unit") -> str:
    if isinstance(value, (bool, int, float)):
        raise UnitError(f"a bare number is not a {what}: {fix} (e.g. {example})")
    if not isinstance(value, str):
        raise UnitError(f"expected a {what} as text (e.g. {example}), got {type(value).__name__}")
    return value


def parse_duration(value: object) -> float:
    """Minutes in a duration such as ``90min``, ``1.5h``, ``14d`` or ``2w``."""
    text = _text(value, "duration", "90min, 1.5h, 14d, 2w")
    match = _DURATION.match(text)
    if not match:
        raise UnitError(f"'{text}' is not a duration (expected a number and a unit: min, h, d or w, e.g. 90min)")
    return float(match.group(1)) * MINUTES_PER[match.group(2)]


def parse_rate(value: object) -> float:
    """Events per minute in a rate such as ``12/h``, ``250/d`` or ``900/w``."""
    text = _text(value, "rate", "12/h, 250/d, 900/w, 0.5/min")
    match = _RATE.match(text)
    if not match:
        raise UnitError(f"'{text}' is not a rate (expected a number per unit: /min, /h, /d or /w, e.g. 250/d)")
    return float(match.group(1)) / MINUTES_PER[match.group(2)]


def amount(value: object) -> float | None:
    """A number, a duration (in minutes) or a rate (per minute) as a number in base units; None
    when it is none of them (a range's end: `uncertain` ranges vary only those)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    for parse in (parse_duration, parse_rate):
        try:
            return parse(value)
        except ValueError:
            continue
    return None


def parse_speed(value: object) -> float:
    """Kilometres per minute in a speed such as ``45km/h``."""
    text = _text(value, "speed", "45km/h, 0.75km/min")
    match = _SPEED.match(text)
    if not match:
        raise UnitError(f"'{text}' is not a speed (expected km/h or km/min, e.g. 45km/h)")
    return float(match.group(1)) / MINUTES_PER[match.group(2)]


def parse_time_of_day(value: object, *, allow_end_of_day: bool = True) -> float:
    """Minutes after midnight in a time of day ``"HH:MM"`` (``"24:00"`` is the end of a day)."""
    text = _text(value, "time of day", '"08:30"', fix='write it as quoted "HH:MM"')
    match = _TIME.match(text)
    if not match:
        raise UnitError(f"'{text}' is not a time of day (expected \"HH:MM\", e.g. \"08:30\")")
    hours, minutes = int(match.group(1)), int(match.group(2))
    limit = 24 if allow_end_of_day else 23
    if minutes > 59 or hours > limit or (hours == 24 and minutes != 0):
        raise UnitError(f"'{text}' is not a valid time of day (00:00 to {'24:00' if allow_end_of_day else '23:59'})")
    return float(hours * 60 + minutes)


def parse_days(value: object) -> tuple[int, ...]:
    """Weekday indices (Monday = 0) in ``mon``, ``mon-fri``, ``sat,sun`` or ``fri-mon``."""
    if not isinstance(value, str):
        raise UnitError("expected days as text: mon..sun, a range like mon-fri, or a list like sat,sun")
    days: set[int] = set()
    for part in value.split(","):
        part = part.strip().lower()
        bounds = [b.strip() for b in part.split("-")]
        if len(bounds) > 2 or any(b not in DAY_NAMES for b in bounds):
            raise UnitError(f"'{value}' is not a day or day range (expected mon..sun, e.g. mon-fri or sat,sun)")
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        span = (last - first) % 7
        days.update((first + k) % 7 for k in range(span + 1))
    return tuple(sorted(days))


def parse_interval(value: object) -> tuple[float, float]:
    """Opening interval ``"08:00-20:00"`` as minutes after midnight (start, end), end after start."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise UnitError(f"'{value}' is not an opening interval (expected \"HH:MM-HH:MM\", e.g. \"08:00-20:00\")")
    start_text, end_text = value.split("-")
    start = parse_time_of_day(start_text, allow_end_of_day=False)
    end = parse_time_of_day(end_text)
    if end <= start:
        raise UnitError(f"'{value}' ends before it starts (an opening interval stays within one day)")
    return start, end


def parse_moment(value: object) -> Moment:
    """A time of the run: a duration from time 0 (``30d``, ``36h``), or a date (``2020-11-02``,
    its 00:00) or a date and time (``"2020-11-02 08:00"``), which need `run.start`."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, str) and _DATE.match(value):
        try:
            return datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise UnitError(f"'{value.strip()}' is not a date of the calendar (expected YYYY-MM-DD, e.g. 2020-11-02)") from None
    if isinstance(value, str) and not _DURATION.match(value):
        raise UnitError(f"'{value}' is not a time of the run (expected a duration from time 0 such as 30d, "
                        "or a date such as 2020-11-02 or \"2020-11-02 08:00\")")
    minutes = parse_duration(value)
    if not math.isfinite(minutes):
        raise UnitError("the number is too large (expected a finite time)")
    return minutes


def moment_minutes(moment: Moment, start: datetime.date | None) -> float:
    """Minutes from time 0 to a moment; a date needs `start`, the date of time 0 (the checks
    make sure it is there)."""
    if not isinstance(moment, datetime.datetime):
        return moment
    if start is None:
        raise UnitError(f"the date {format_moment(moment)} needs `run.start`, the date of time 0")
    return (moment - datetime.datetime.combine(start, datetime.time())).total_seconds() / 60.0


def format_moment(moment: Moment) -> str:
    """A moment as the scenario language writes it."""
    if isinstance(moment, datetime.datetime):
        return f"{moment:%Y-%m-%d}" if moment.time() == datetime.time() else f"{moment:%Y-%m-%d %H:%M}"
    return format_duration(moment)


def format_duration(minutes: float) -> str:
    """The shortest exact spelling of a duration in minutes (``90min``, ``2h``, ``14d``)."""
    if minutes != 0 and math.isfinite(minutes):
        for unit in ("w", "d", "h"):
            amount = minutes / MINUTES_PER[unit]
            if amount >= 1 and float(amount).is_integer():
                return f"{int(amount)}{unit}"
    return f"{minutes:.15g}min"
