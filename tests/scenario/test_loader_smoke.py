"""The loader on the specification's own example and on the bundled scenarios."""

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_file, load_text
from tests.paths import ROOT, SPEC_EXAMPLE

pytestmark = pytest.mark.unit


def test_spec_example_loads_with_its_variants():
    loaded = load_file(SPEC_EXAMPLE)
    assert loaded.names == ("separate", "gie")
    assert loaded.baseline == "separate"
    gie = loaded.variant("gie").scenario
    assert len(gie.cooperation) == 1 and loaded.variant("separate").scenario.cooperation == ()


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenarios_validate(path):
    load_file(path)


def test_duplicate_key_is_located():
    text = SPEC_EXAMPLE.read_text().replace("ed_box: 24", "ed_box: 24\n      ed_box: 25")
    with pytest.raises(ScenarioError) as err:
        load_text(text, "dup.yaml")
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (22, 7)
    assert "duplicate key 'ed_box'" in problem.message
