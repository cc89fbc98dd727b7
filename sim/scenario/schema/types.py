"""Scalar types of the scenario language (names, durations, rates, days) and the strict base model."""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Any, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    WithJsonSchema,
)

from sim.scenario import units
from sim.scenario.limits import MAX_CAPACITY

IDENT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
"""Names of sites, roles, pathways, streams and steps: letters, digits and underscores."""

IDENT_RE = re.compile(IDENT_PATTERN)


def _name_check(regex: re.Pattern[str], what: str) -> Any:
    """A validator of names matching `regex`, saying what a valid one is."""

    def check(value: object) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise ValueError(f"'{value}' is not a valid {what}")
        return value

    return check


ident = _name_check(IDENT_RE, "name (letters, digits and _, not starting with a digit)")


def _ref(value: object) -> str:
    """A role, optionally qualified by a site: ``mri`` or ``tourcoing.mri``."""
    if not isinstance(value, str) or not all(IDENT_RE.match(p) for p in value.split(".")) or value.count(".") > 1:
        raise ValueError(f"'{value}' is not a role or SITE.ROLE reference")
    return value


def _unit_type(parse: Any, pattern: str, description: str) -> Any:
    def validate(value: object) -> float:
        result = parse(value)
        if not math.isfinite(result):
            raise ValueError("the number is too large (expected a finite amount)")
        return result

    return Annotated[
        float,
        PlainValidator(validate),
        PlainSerializer(lambda v: v, return_type=float),
        WithJsonSchema({"type": "string", "pattern": pattern, "description": description}),
    ]


Ident = Annotated[str, PlainValidator(ident), WithJsonSchema({"type": "string", "pattern": IDENT_PATTERN})]
RoleRef = Annotated[
    str, PlainValidator(_ref), WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$"})
]
Duration = _unit_type(
    units.parse_duration, r"^\s*[0-9.]+\s*(min|h|d|w)\s*$", "a duration with a unit: 90min, 1.5h, 14d, 2w"
)
Rate = _unit_type(units.parse_rate, r"^\s*[0-9.]+\s*/\s*(min|h|d|w)\s*$", "a rate with a unit: 12/h, 250/d, 900/w")
Speed = _unit_type(units.parse_speed, r"^\s*[0-9.]+\s*km\s*/\s*(min|h)\s*$", "a speed: 45km/h")
Moment = Annotated[
    Union[float, datetime.datetime],
    PlainValidator(units.parse_moment),
    PlainSerializer(units.format_moment, return_type=str),
    WithJsonSchema({"type": "string", "description": "a time of the run: a duration from time 0 (30d) or a date (2020-11-02, "
                    "\"2020-11-02 08:00\") with run.start"}),
]
"""A time of the run: minutes from time 0, or a date and time (`sim.scenario.units.moment_minutes`)."""
TimeOfDay = _unit_type(units.parse_time_of_day, r"^[0-9]{1,2}:[0-9]{2}$", 'a time of day: "08:30"')
Days = Annotated[
    tuple[int, ...],
    PlainValidator(units.parse_days),
    WithJsonSchema({"type": "string", "description": "days: mon..sun, a range mon-fri, or a list sat,sun"}),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
"""A number of units: at least 0, at most `sim.scenario.limits.MAX_CAPACITY`."""

VARIANT_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$"
"""Names of variants: letters, digits, `_` and `-`, at most 64 characters."""
VARIANT_RE = re.compile(VARIANT_PATTERN)
VariantName = Annotated[
    str,
    PlainValidator(_name_check(VARIANT_RE, "variant name (letters, digits, _ and -, at most 64 characters)")),
    WithJsonSchema({"type": "string", "pattern": VARIANT_PATTERN, "description": "a variant name: letters, digits, _ and -"}),
]


def attribute_value(value: object) -> bool | int | float | str:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, a word, true or false (got {value})")
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"expected an attribute value (a word, a number, true or false), got {type(value).__name__}")


AttributeValue = Annotated[
    Union[bool, int, float, str],
    PlainValidator(attribute_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
"""A patient attribute value as YAML reads it: true/false, a number or a word."""


def attribute_key(value: object) -> tuple[object, object]:
    """What attribute equality compares: true is not 1, 1 is 1.0, a word is only itself."""
    return (2, value) if isinstance(value, str) else (isinstance(value, bool), value)


def priority_value(value: object) -> str | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number or the name of a numeric attribute (got {value})")
        return float(value)
    if isinstance(value, str) and IDENT_RE.match(value):
        return value
    raise ValueError("expected a number or the name of a numeric attribute")


def match_values(value: object) -> Any:
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("an attribute match needs at least one value")
        return tuple(attribute_value(v) for v in value)
    return attribute_value(value)


def present_or(key: str, model: type, present: str, absent: str) -> Any:
    """A discriminator: tag `present` for a map carrying `key` (or an instance of `model`),
    tag `absent` otherwise."""
    return Discriminator(
        lambda v: present if (isinstance(v, dict) and key in v) or isinstance(v, model) else absent
    )


def tagged(*pairs: tuple[str, Any], message: str) -> Any:
    """A discriminator choosing a union member by the key a map carries (or a plain string)."""

    def pick(value: Any) -> str | None:
        for key, kind in pairs:
            if key == "<str>" and isinstance(value, str):
                return key
            if isinstance(value, dict) and key.strip("<>") in value:
                return key
            if isinstance(value, kind) and not isinstance(value, (str, dict)):
                return key
        return None

    return Discriminator(pick, custom_error_type="choice", custom_error_message=message)


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=False, allow_inf_nan=False)


def single_key(options: tuple[str, ...]) -> Any:
    """A discriminator that names the union member by the one verb key a map carries."""

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return next(f"<{k}>" for k in options if getattr(value, k, None) is not None)
        if isinstance(value, dict):
            found = [k for k in options if k in value]
            return f"<{found[0]}>" if len(found) == 1 else None
        return None

    return pick


LabelText = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\n\r\t]*$")]
"""A name for people: one line of at most 120 characters."""


class Translated(Strict):
    """A name for people in each language of the reports (English required)."""

    en: LabelText
    """The English name."""
    fr: LabelText | None = None
    """The French name (default: the English one)."""


Label = Annotated[
    Union[Annotated[LabelText, Tag("<text>")], Annotated[Translated, Tag("<languages>")]],
    Discriminator(lambda v: "<text>" if isinstance(v, str) else "<languages>" if isinstance(v, (dict, Translated)) else None,
                  custom_error_type="choice", custom_error_message="expected a text, or one per language: {en: ..., fr: ...}"),
]
"""A name for people shown in tables and reports: one text, or one per language (`{en: ..., fr: ...}`)."""
