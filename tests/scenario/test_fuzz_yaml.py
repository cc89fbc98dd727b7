"""Whatever text it is given, the loader either loads it or raises ScenarioError: never anything else."""

import copy
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_text
from tests.paths import SPEC_EXAMPLE

pytestmark = pytest.mark.unit

SPEC_TEXT = SPEC_EXAMPLE.read_text(encoding="utf-8")
SPEC_DATA = yaml.safe_load(SPEC_TEXT)
SPEC_LINES = SPEC_TEXT.splitlines(keepends=True)

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = [
    "version: 1\n", "name: x\n", "run:\n", "  horizon: 28d\n", "sites:\n", "  a:\n", "    resources: {bed: 2}\n",
    "arrivals:\n", "  - {name: s, at: a, rate: 1/d, pathway: p}\n", "pathways:\n", "  p: [{use: bed, for: 1h}]\n",
    "variants:\n", "  v: {run.horizon: 2d}\n", "sweep: {sites.a.resources.bed: [1, 2]}\n", "baseline: v\n",
    ": ", "- ", "  ", "\t", "\n", "[", "]", "{", "}", ",", "'", '"', "#", "? ", "|", ">", "%", "@", "`", "&a ", "*a",
    "<<: *a\n", "!!python/object:os.system ", "!!binary ", "!custom ", "---\n", "...\n", "key", "1", "-1.5", "null",
    "true", "24:00", "10:00", "1e400", ".nan", "2026-01-05", "2026-02-30", "!!int ", "!!bool ", "!!timestamp ", "\x00", "\ufeff", "é",
]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["28d", "30min", "12/h", "mon-fri", "08:00", "24:00", "tourcoing", "imanord", "mri", "ed_box",
                     "ed_visit", "acuity", "first_exam", "a.b", "tourcoing.mri", "full", "nearest"]),
)
KEYS = st.sampled_from(
    ["sweep", "variants", "baseline", "cooperation", "targets", "run.horizon", "sites.tourcoing.resources.ed_box",
     "arrivals.ed.rate", "pathways.ed_visit.0.use", "a..b", ".", "", "x", 1, None, True, 2.5]
)
MAP_KEYS = st.sampled_from(["from", "to", "p", "when", "steps", "use", "x"]) | st.text(max_size=6)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(MAP_KEYS, inner, max_size=3),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or item of a YAML value."""
    found = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.append(prefix + (key,))
        found += paths(child, prefix + (key,))
    return found


SPEC_PATHS = paths(SPEC_DATA)


def loads_or_reports(text: str) -> None:
    """Load `text`; a ScenarioError is fine (and must print), any other exception fails the test."""
    try:
        load_text(text, "fuzz.yaml")
    except ScenarioError as err:
        assert str(err)


def mutated(path: tuple[Any, ...], how: str, key: Any, value: Any) -> dict[str, Any]:
    """A deep copy of the SPEC example with the value at `path` deleted or replaced, or with
    `key: value` added inside it (appended when it is a list)."""
    data = copy.deepcopy(SPEC_DATA)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    node = parent[path[-1]] if path else data
    if how == "delete" and path:
        del parent[path[-1]]
    elif how == "add" and isinstance(node, dict):
        node[key] = value
    elif how == "add" and isinstance(node, list):
        node.append(value)
    elif path:
        parent[path[-1]] = value
    return data


@FUZZ
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map("".join))
def test_random_yamlish_text(text):
    loads_or_reports(text)


@FUZZ
@given(st.sampled_from([(), *SPEC_PATHS]), st.sampled_from(["delete", "replace", "add"]), KEYS, VALUES)
def test_spec_example_with_a_key_deleted_added_or_a_value_replaced(path, how, key, value):
    loads_or_reports(yaml.dump(mutated(path, how, key, value), Dumper=DUMPER, sort_keys=False, allow_unicode=True))


@FUZZ
@given(st.data())
def test_spec_example_with_a_line_duplicated_reindented_or_a_character_inserted(data):
    lines = list(SPEC_LINES)
    k = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["duplicate", "indent", "dedent", "insert"]))
    if how == "duplicate":
        lines.insert(k, lines[k])
    elif how == "indent":
        lines[k] = " " * data.draw(st.integers(1, 4)) + lines[k]
    elif how == "dedent":
        lines[k] = lines[k][min(data.draw(st.integers(1, 4)), len(lines[k]) - len(lines[k].lstrip(" "))):]
    else:
        at = data.draw(st.integers(0, len(lines[k])))
        lines[k] = lines[k][:at] + data.draw(st.characters(codec="utf-8")) + lines[k][at:]
    loads_or_reports("".join(lines))
