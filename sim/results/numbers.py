"""How numbers read, for people: a duration in the unit a person uses (minutes below 2 hours, hours
below 2 days, days above), shares in percent, plain digits (never scientific notation), and
intervals clipped to what is possible (a share within 0-100 %, a count or a duration at least 0),
with the clipping said.

The result files keep their base units (minutes, days, shares); only what is shown changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DURATIONS = {"min": 1.0, "h": 60.0, "d": 1440.0}
"""Minutes in each duration unit the tables use."""

NON_NEGATIVE = {"min", "h", "d", "share", "patients", "units", "times", "appointments", "patients/d"}
"""Units whose values cannot be below 0 (a mean's interval is clipped at 0)."""

THIN_SPACE = "\u202f"
"""Separator of thousands in French (espace fine insécable)."""

CLIPPED = "‡"
"""Mark of an interval clipped to what is possible."""


@dataclass(frozen=True)
class Scale:
    """How the values of one metric are shown: multiplied by `factor`, in `shown` units."""

    unit: str
    """The unit of the result files."""
    shown: str
    """The unit a reader sees."""
    factor: float

    def value(self, x: float) -> float:
        """A stored value in the shown unit."""
        return x * self.factor


def scale_for(unit: str, typical: float) -> Scale:
    """The scale of a metric stored in `unit` whose values are about `typical` (the baseline mean):
    a duration in minutes below 2 hours, hours below 2 days, days above; a share in percent."""
    if unit == "share":
        return Scale(unit, "%", 100.0)
    if unit in DURATIONS:
        if not math.isfinite(typical) or typical == 0:  # nothing to size it by: the unit of the files
            return Scale(unit, {"min": "min", "h": "h", "d": "days"}[unit], 1.0)
        minutes = abs(typical) * DURATIONS[unit]
        shown = "min" if minutes < 120 else "h" if minutes < 2 * 1440 else "d"
        return Scale(unit, {"min": "min", "h": "h", "d": "days"}[shown], DURATIONS[unit] / DURATIONS[shown])
    return Scale(unit, unit, 1.0)


def plain(x: float, lang: str = "en") -> str:
    """Three significant digits in plain notation, thousands grouped: 0.0421, 4.21, 421, 4,210, 42,100
    (in French, decimal comma and a thin space between thousands: 4,21 and 4 210); what rounds to 0
    at that precision is 0."""
    if math.isnan(x):
        return "–"
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    if abs(x) < 5e-5:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return "0"
    text = text.replace("-", "−")
    return text.replace(",", THIN_SPACE).replace(".", ",") if lang == "fr" else text


def signed(x: float, lang: str = "en") -> str:
    """A difference with its sign: +4.21, −0.3, 0."""
    text = plain(x, lang)
    return text if text in ("0", "–") or text.startswith("−") else "+" + text


def clip(low: float, high: float, unit: str, difference: bool = False) -> tuple[float, float, bool]:
    """An interval within what is possible: a share within [0, 1] (a difference of shares within
    [-1, 1]), a mean of a count or a duration at least 0; and whether it was clipped."""
    lower, upper = -math.inf, math.inf
    if unit == "share":
        lower, upper = (-1.0, 1.0) if difference else (0.0, 1.0)
    elif unit in NON_NEGATIVE and not difference:
        lower = 0.0
    clipped_low, clipped_high = max(low, lower), min(high, upper)
    return clipped_low, clipped_high, (clipped_low, clipped_high) != (low, high) and not (math.isnan(low) or math.isnan(high))


def interval(low: float, high: float, scale: Scale, difference: bool = False, lang: str = "en") -> str:
    """`[low, high]` in the shown unit (French: `[low ; high]`), clipped to what is possible and
    marked when it was."""
    low, high, clipped = clip(low, high, scale.unit, difference)
    sep = " ; " if lang == "fr" else ", "
    return f"[{plain(scale.value(low), lang)}{sep}{plain(scale.value(high), lang)}]" + (CLIPPED if clipped else "")
