"""How numbers read: plain digits that give the value back to three significant digits, the unit a
person uses for a duration, and intervals clipped to what is possible, with the clipping marked."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.results.numbers import CLIPPED, clip, interval, plain, scale_for, signed

pytestmark = pytest.mark.unit


def read(text: str) -> float:
    """A plain number back as a float."""
    return float(text.replace(",", "").replace("−", "-").lstrip("+"))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_plain_digits_give_the_value_back_to_three_significant_digits(x: float) -> None:
    text = plain(x)
    assert "e" not in text.lower()
    if abs(x) < 5e-5:
        assert text == "0"
    else:
        assert read(text) == pytest.approx(x, rel=5e-3, abs=5e-5)
    assert read(signed(x)) == pytest.approx(read(text)) and (x <= 0 or signed(x).startswith("+") or text == "0")


@pytest.mark.parametrize("x, text", [(0.0421, "0.0421"), (4.214, "4.21"), (421.4, "421"), (4214.0, "4,214"), (42140.0, "42,140"),
                                     (-3.5, "−3.50"), (1.7e-14, "0"), (26136.6, "26,137")])
def test_plain_examples(x: float, text: str) -> None:
    assert plain(x) == text


@pytest.mark.parametrize("unit, typical, shown, factor", [
    ("min", 90.0, "min", 1.0), ("min", 119.9, "min", 1.0), ("min", 120.0, "h", 1 / 60), ("min", 2879.0, "h", 1 / 60),
    ("min", 2880.0, "days", 1 / 1440), ("d", 0.05, "min", 1440.0), ("d", 19.7, "days", 1.0), ("h", 30.0, "h", 1.0),
    ("h", 100.0, "days", 1 / 24), ("share", 0.5, "%", 100.0), ("patients", 3.0, "patients", 1.0),
])
def test_a_duration_is_shown_in_the_unit_a_person_uses(unit: str, typical: float, shown: str, factor: float) -> None:
    scale = scale_for(unit, typical)
    assert (scale.shown, scale.factor) == (shown, pytest.approx(factor))


def test_intervals_are_clipped_to_what_is_possible_and_say_so() -> None:
    assert clip(-0.1, 0.4, "share") == (0.0, 0.4, True)
    assert clip(0.9, 1.2, "share") == (0.9, 1.0, True)
    assert clip(-1.3, 0.2, "share", difference=True) == (-1.0, 0.2, True)
    assert clip(-5.0, 12.0, "min") == (0.0, 12.0, True)
    assert clip(-5.0, 12.0, "min", difference=True) == (-5.0, 12.0, False)
    assert clip(-5.0, 12.0, "kg") == (-5.0, 12.0, False)
    assert interval(-1.28, 33.4, scale_for("min", 16.0)) == f"[0, 33.4]{CLIPPED}"
    assert interval(0.95, 1.02, scale_for("share", 0.98)) == f"[95.0, 100]{CLIPPED}"
    assert interval(1.0, 2.0, scale_for("min", 1.5)) == "[1.00, 2.00]"
    assert not math.isnan(clip(math.nan, 1.0, "min")[1])
