"""`coopsim run --uncertainty N`: Latin-hypercube draws of the uncertain inputs, each draw's waits as
Erlang C gives them at its drawn values, and the variance split between the inputs and the noise
as a known mixture has it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiment import uncertainty
from sim.experiment.sensitivity import Input, kind_of
from sim.report.data import load
from sim.report.scurve import spreads
from sim.scenario import schema
from tests.experiment.test_sensitivity import SCENARIO, replications
from tests.theory import assert_covers, mmc_wait

pytestmark = pytest.mark.unit


def test_each_range_is_cut_into_n_strata_with_one_draw_in_each() -> None:
    specs = [schema.UncertainInput.model_validate(s) for s in ({"low": "25min", "high": "35min", "source": "s"},
                                                              {"low": 1, "high": 4, "assumption": "a"})]
    found = [Input("a.b", specs[0], kind_of(specs[0], "30min"), 1), Input("c.d", specs[1], kind_of(specs[1], 2.0), 2)]
    points = uncertainty.draws(found, 40, 3)
    for j, (low, high) in enumerate(item.bounds for item in found):
        strata = np.floor((points[:, j] - low) / (high - low) * 40).astype(int)
        assert sorted(strata) == list(range(40))


def test_the_variance_split_recovers_a_known_mixture() -> None:
    """Draw effects of variance 4 and noise of variance 9, 500 draws of 20 replications: the split
    finds the noise's variance and the effects' own (sample) variance."""
    rng = np.random.default_rng(1)
    effects = rng.normal(0.0, 2.0, 500)
    values = effects[:, None] + rng.normal(0.0, 3.0, (500, 20))
    found = uncertainty.spread(values.tolist())
    assert found.noise_variance == pytest.approx(9.0, rel=0.03)
    assert found.parameter_variance == pytest.approx(float(np.var(effects, ddof=1)), rel=0.1)
    realised = float(np.var(effects, ddof=1))
    assert found.parameter_share == pytest.approx(realised / (realised + 9.0), abs=0.03)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("uncertainty")
    (where / "s.yaml").write_text(SCENARIO.replace("replications: 12", "replications: 4"), encoding="utf-8")
    assert main(["run", str(where / "s.yaml"), "--uncertainty", "12", "--out", str(where / "out"), "--workers", "1", "--quiet"]) == 0
    return where / "out"


def test_each_draw_waits_as_erlang_c_says_at_its_drawn_service_time(drawn: Path) -> None:
    """The draws share their random patients, so each is checked on its own replications (99%, with
    Bonferroni over the 12 draws)."""
    values = json.loads((drawn / "manifest.json").read_text(encoding="utf-8"))["uncertainty"]["values"]
    assert len(values) == 12
    for draw, chosen in values.items():
        service = float(chosen["pathways.p.0.for.exponential.mean"].removesuffix("min"))
        assert_covers(replications(drawn, draw), mmc_wait(3, 4 / 60, service), f"{draw}: M/M/3 at {service:.2f} min", 1 - 0.01 / 12)


def test_the_report_draws_the_s_curves_and_the_spare_resource_adds_nothing(drawn: Path) -> None:
    found = spreads(load(drawn))
    assert found[("wait", "q", "mean")].parameter_share > 0.5  # the service time moves the wait
    assert main(["report", str(drawn)]) == 0
    assert (drawn / "figures" / "scurves.png").exists()
    assert '<section id="uncertainty">' in (drawn / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("extra", "message"), [(["--variants", "x"], "takes no --variants"), ([], "no `uncertain:` block")])
def test_bad_uncertainty_runs_are_exit_2(extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SCENARIO if extra else SCENARIO.split("uncertain:")[0]
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "s.yaml"), "--uncertainty", "5", "--out", str(tmp_path / "o"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
