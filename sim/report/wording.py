"""Numbers, durations and weekdays as the report writes them in English or French: the scenario's
own spelling in English (`90min`, `mon-fri`, `2.5`), French conventions in French (`90 min`,
`lun-ven`, `2,5`, `85 %`)."""

from __future__ import annotations

import re

from sim.results.numbers import THIN_SPACE
from sim.scenario.units import DAY_NAMES, format_duration

FRENCH_DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
"""Weekdays as French abbreviates them, Monday first like DAY_NAMES."""
FRENCH_UNITS = {"min": "min", "h": "h", "d": "j"}
"""The units of format_duration as French abbreviates them (weeks are written out)."""


def decimal(text: str, lang: str = "en") -> str:
    """Digits as Python writes them (`2.5`), with a decimal comma in French (`2,5`)."""
    return text.replace(".", ",") if lang == "fr" else text


def number(x: float, lang: str = "en") -> str:
    """A parameter as the scenario writes it (`{x:g}`: 2.5, 40), with a decimal comma in French."""
    return decimal(f"{x:g}", lang)


def percent(text: str, lang: str = "en") -> str:
    """A percentage formatted by Python (`85%`, `12.5%`); in French `85 %`, `12,5 %`."""
    return decimal(text, lang).replace("%", " %") if lang == "fr" else text


def duration(minutes: float, lang: str = "en") -> str:
    """A duration as the scenario spells it (`90min`, `2h`, `14d`); in French `90 min`, `2 h`, `14 j`, `2 semaines`."""
    text = format_duration(minutes)
    found = re.fullmatch(r"(.*?)(min|h|d|w)", text)
    if lang != "fr" or found is None:
        return text
    if found[2] == "w":
        return f"{found[1]} semaine{'s' if found[1] != '1' else ''}"
    return f"{decimal(found[1], lang)} {FRENCH_UNITS[found[2]]}"


def day_name(index: int, lang: str = "en") -> str:
    """A weekday, 0 for Monday: `mon` (French `lun`)."""
    return (FRENCH_DAYS if lang == "fr" else DAY_NAMES)[index]


def tick(x: float, _position: float | None = None) -> str:
    """A French tick label: the value's digits with a decimal comma and a thin space between
    thousands (`0,5`, `−2`, `12 500`)."""
    text = f"{round(x, 10) + 0.0:,.12g}"  # rounded: a tick computed as 0.30000000000000004 reads 0,3
    return text.replace(",", THIN_SPACE).replace(".", ",").replace("-", "−")
