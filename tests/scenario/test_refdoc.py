"""The generated scenario reference: up to date, and complete with respect to the schema."""

import re
from typing import Any, get_args

import pytest
from pydantic import BaseModel, PlainValidator

from sim.scenario import schema
from sim.scenario.refdoc import render_reference
from tests.paths import ROOT

pytestmark = pytest.mark.unit

REFERENCE = ROOT / "docs" / "scenario-reference.md"


def _models_in(tp: Any, metadata: tuple[Any, ...] = ()) -> list[type[BaseModel]]:
    """Models a type refers to, not looking behind a custom parser (its YAML has another shape)."""
    if any(isinstance(m, PlainValidator) for m in (*metadata, *getattr(tp, "__metadata__", ()))):
        return []
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [model for arg in get_args(tp) for model in _models_in(arg)]


def _reachable() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    todo = [schema.Scenario]
    while todo:
        model = todo.pop()
        if model not in found:
            found.append(model)
            for info in model.model_fields.values():
                todo += _models_in(info.annotation, tuple(info.metadata))
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def test_reference_file_is_up_to_date():
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/scenario-reference.md is out of date: regenerate it with "
        "`python -m sim.scenario.refdoc > docs/scenario-reference.md`"
    )


def test_walk_reaches_the_whole_language():
    names = {model.__name__ for model in _reachable()}
    assert {"Scenario", "Window", "CalendarSpec", "UseStep", "WeibullParams", "OverflowRule", "Weights"} <= names
    assert {"OccupancyAbove", "Quotas", "OccupancyTarget", "Urgent", "OtherwiseOption"} <= names
    assert "OpeningWindow" not in names  # parsed from `{days: "HH:MM-HH:MM"}`, not written as such


def test_every_field_of_every_model_is_documented():
    doc = render_reference()
    lines = doc.splitlines()
    for model in _reachable():
        assert model.__doc__ is None or _one_line(model.__doc__) in doc, model.__name__
        for name, info in model.model_fields.items():
            key = info.alias or name
            assert info.description, f"{model.__name__}.{name} has no docstring"
            rows = [line for line in lines if line.startswith(f"| `{key}` |") and _one_line(info.description) in line]
            assert rows, f"{model.__name__}.{name}: no row for `{key}` with its description"


def test_models_with_several_keys_have_a_docstring():
    """Every model shown as a section of its own says what it is."""
    for model in _reachable():
        if len(model.model_fields) > 1:
            assert model.__doc__, model.__name__


def test_yaml_spellings_types_and_defaults_in_user_units():
    doc = render_reference()
    assert "| `from` | time of day" in doc and "`from_`" not in doc and "`for_`" not in doc
    assert "| `for` | [distribution](#distributions) | optional |" in doc
    assert "| `horizon` | duration (90min, 1.5h, 14d, 2w) | required |" in doc
    assert "| `handover` | duration (90min, 1.5h, 14d, 2w) | `0min` |" in doc
    assert "| `speed` | speed (45km/h) | `50km/h` |" in doc
    assert "| `rate` | rate (12/h, 250/d, 900/w) | optional |" in doc
    assert "| `during` | list of [steps](#steps) | optional |" in doc
    assert "| `sites` | map of name to [site](#site) (not empty) | required |" in doc
    assert "| `when` | [overflow trigger](#overflow-triggers) | `full` |" in doc
    assert "| `among` | list of names (at least 2) | required |" in doc


def test_units_merge_rule_sweeps_and_distribution_kinds_are_described():
    doc = render_reference()
    for heading in ("## Units and names", "## Variants and the merge rule", "## Sweeps", "## Distributions"):
        assert heading in doc
    assert "`null` removes a key" in doc and "`arrivals.ed.rate`" in doc
    assert "`icu_bed=40+handover=10min`" in doc
    assert "`for: 30min` is short for `for: {fixed: 30min}`" in doc
    for kind in schema.DIST_KINDS:
        assert f"| `{kind}` | `{kind}:` " in doc


def test_links_point_at_headings_and_headings_are_unique():
    doc = render_reference()
    headings = [line.lstrip("#").strip() for line in doc.splitlines() if line.startswith("#")]
    anchors = [re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in headings]
    assert len(anchors) == len(set(anchors))
    targets = set(re.findall(r"\]\(#([^)]+)\)", doc))
    assert targets and targets <= set(anchors)


def test_module_main_prints_the_reference(capsysbinary):
    from sim.scenario import refdoc

    refdoc.main()
    assert capsysbinary.readouterr().out.decode("utf-8") == render_reference()
