"""Every rule of the scenario schema, valid and invalid, checked directly with pydantic."""

import json
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.scenario import schema as s
from tests.paths import SPEC_EXAMPLE

pytestmark = pytest.mark.unit

STEP = TypeAdapter(s.Step)
DIST = TypeAdapter(s.Distribution)
RULE = TypeAdapter(s.Rule)
TRIGGER = TypeAdapter(s.Trigger)
TARGET = TypeAdapter(s.Target)


def validate(kind: Any, data: Any) -> Any:
    """Validate with a model class or a TypeAdapter."""
    return kind.model_validate(data) if isinstance(kind, type) else kind.validate_python(data)


def fails(kind: Any, data: Any, *fragments: str) -> None:
    """`data` is rejected, with every fragment somewhere in the error text."""
    with pytest.raises(ValidationError) as err:
        validate(kind, data)
    for fragment in fragments:
        assert fragment in str(err.value), f"{fragment!r} not in:\n{err.value}"


def minimal(**changes: Any) -> dict[str, Any]:
    """The smallest valid scenario, with top-level keys replaced."""
    data: dict[str, Any] = {
        "version": 1,
        "name": "t",
        "run": {"horizon": "7d"},
        "sites": {"a": {"resources": {"bed": 2}}},
        "arrivals": [{"name": "patients", "at": "a", "rate": "10/d", "pathway": "stay"}],
        "pathways": {"stay": [{"use": "bed", "for": "1d"}]},
    }
    data.update(changes)
    return data


def arrival(**changes: Any) -> dict[str, Any]:
    """An arrival stream with keys replaced; a key given None is left out."""
    data: dict[str, Any] = {"name": "ed", "at": "a", "rate": "150/d", "pathway": "visit"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- scenario and run ---------------------------------------------------------------------------


def test_minimal_scenario_and_its_defaults():
    scenario = s.Scenario.model_validate(minimal())
    assert scenario.run == s.Run(horizon="7d")
    assert (scenario.run.horizon, scenario.run.warmup, scenario.run.replications, scenario.run.seed) == (
        10080,
        0,
        10,
        1,
    )
    assert scenario.run.start is None and scenario.description == "" and scenario.sources == ()
    assert scenario.transport == s.Transport() and scenario.cooperation == () and scenario.targets == ()
    assert scenario.variants == {} and scenario.baseline is None and scenario.sweep is None


@pytest.mark.parametrize("key", ["version", "name", "run", "sites", "arrivals", "pathways"])
def test_required_top_level_keys(key):
    data = minimal()
    del data[key]
    fails(s.Scenario, data, key, "Field required")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"version": 2}, "version"),
        ({"version": "1"}, "version"),
        ({"name": ""}, "name"),
        ({"sites": {}}, "sites"),
        ({"arrivals": []}, "arrivals"),
        ({"pathways": {}}, "pathways"),
        ({"sweep": {"run.seed": []}}, "sweep"),
        ({"sites": {"2nd": {}}}, "not a valid name"),
        ({"pathways": {"a-b": []}}, "not a valid name"),
    ],
)
def test_top_level_values(changes, fragment):
    fails(s.Scenario, minimal(**changes), fragment)


def test_experiment_keys():
    scenario = s.Scenario.model_validate(
        minimal(
            variants={"separate": None, "more": {"sites.a.resources.bed": 4}},
            baseline="separate",
            sweep={"run.seed": [1, 2], "sites.a.resources.bed": [2, 3]},
        )
    )
    assert scenario.variants == {"separate": None, "more": {"sites.a.resources.bed": 4}}
    assert scenario.sweep == {"run.seed": [1, 2], "sites.a.resources.bed": [2, 3]}


def test_run():
    run = s.Run.model_validate(
        {"horizon": "180d", "warmup": "28d", "replications": 20, "seed": 0, "start": "2026-01-05"}
    )
    assert (run.horizon, run.warmup, run.replications, run.seed, run.start.isoformat()) == (
        259200,
        40320,
        20,
        0,
        "2026-01-05",
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "horizon"),
        ({"horizon": "0min"}, "longer than 0min"),
        ({"horizon": 180}, "a bare number is not a duration"),
        ({"horizon": "180d", "warmup": 28}, "a bare number is not a duration"),
        ({"horizon": "180d", "replications": 0}, "replications"),
        ({"horizon": "180d", "seed": -1}, "seed"),
        ({"horizon": "180d", "start": "5 January"}, "start"),
    ],
)
def test_bad_run(data, fragment):
    fails(s.Run, data, fragment)


# --- sites, resources, schedules, calendars, transport ------------------------------------------


def test_site_defaults_and_location():
    site = s.Site.model_validate({"location": [50.7236, 3.1609]})
    assert (site.name, site.sector, site.location, site.resources) == (None, "public", (50.7236, 3.1609), {})


@pytest.mark.parametrize(
    "data",
    [
        {"sector": "military"},
        {"location": [91, 0]},
        {"location": [0, 181]},
        {"location": [50.7]},
        {"location": [1, 2, 3]},
    ],
)
def test_bad_sites(data):
    fails(s.Site, data)


def test_resource_shorthand_is_a_fixed_capacity():
    site = s.Site.model_validate({"resources": {"ed_box": 24, "closed": 0}})
    assert site.resources["ed_box"] == s.CapacityResource(capacity=24)
    assert site.resources["ed_box"].schedule == () and site.resources["closed"].capacity == 0


@pytest.mark.parametrize("value", [True, -1, 2.5, "24", [24]])
def test_resource_shorthand_needs_a_whole_number(value):
    fails(s.Site, {"resources": {"ed_box": value}}, "ed_box")


def test_resource_with_a_schedule():
    data = {
        "capacity": 4,
        "schedule": [
            {"days": "mon-sun", "from": "10:00", "to": "22:00", "capacity": 7},
            {"days": "sat,sun", "from": "22:00", "to": "06:00", "capacity": 2},
        ],
    }
    resource = s.Site.model_validate({"resources": {"ed_doctor": data}}).resources["ed_doctor"]
    day, night = resource.schedule
    assert resource.capacity == 4
    assert (day.days, day.from_, day.to, day.capacity) == ((0, 1, 2, 3, 4, 5, 6), 600, 1320, 7)
    assert (night.days, night.from_, night.to) == ((5, 6), 1320, 360)  # runs past midnight


def test_window_until_end_of_day():
    assert s.Window.model_validate({"days": "mon", "from": "08:00", "to": "24:00", "capacity": 1}).to == 1440


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"to": "08:00"}, "must not start and end at the same time"),
        ({"capacity": -1}, "capacity"),
        ({"days": "weekdays"}, "not a day or day range"),
        ({"from": "8h"}, "not a time of day"),
        ({"from": 600}, "a bare number is not a time of day"),
        ({"to": "24:01"}, "not a valid time of day"),
        ({"from": "24:00"}, '"24:00" only ends a window'),
        ({"capacity": None}, "capacity"),
        ({"from": None, "from_": "08:00"}, "from_"),
        ({"until": "09:00"}, "until"),
    ],
)
def test_bad_windows(changes, fragment):
    data = {"days": "mon-fri", "from": "08:00", "to": "20:00", "capacity": 3} | changes
    fails(s.Window, {k: v for k, v in data.items() if v is not None}, fragment)


def test_unquoted_time_read_by_plain_yaml_is_an_error():
    """PyYAML reads `from: 10:00` as 600; the schema never takes it as minutes."""
    data = yaml.safe_load("{days: mon, from: 10:00, to: '12:00', capacity: 1}")
    assert data["from"] == 600
    fails(s.Window, data, "a bare number is not a time of day")


def test_calendar():
    spec = s.CalendarSpec.model_validate({"slot": "30min", "open": {"mon-fri": "08:00-20:00", "sat": "08:00-13:00"}})
    assert (spec.slot, spec.scanners) == (30, 1)
    assert spec.open == (
        s.OpeningWindow(days=(0, 1, 2, 3, 4), start=480, end=1200),
        s.OpeningWindow(days=(5,), start=480, end=780),
    )
    resource = s.Site.model_validate(
        {"resources": {"mri": {"calendar": {"slot": "20min", "scanners": 2, "open": {"mon": "08:00-09:00"}}}}}
    )
    assert (
        isinstance(resource.resources["mri"], s.CalendarResource) and resource.resources["mri"].calendar.scanners == 2
    )


@pytest.mark.parametrize(
    "hours", ["08:00-12:00, 14:00-18:00", ["08:00-12:00", "14:00-18:00"], "08:00-12:00,14:00-18:00"]
)
def test_calendar_with_several_intervals_a_day(hours):
    spec = s.CalendarSpec.model_validate({"slot": "30min", "open": {"mon-fri": hours}})
    assert [(w.start, w.end) for w in spec.open] == [(480, 720), (840, 1080)]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"open": {"mon-fri": "20:00-08:00"}}, "ends before it starts"),
        ({"open": {"mon-fri": "8-12"}}, "not a time of day"),
        ({"open": {"mon-fri": "08:00"}}, "not an opening interval"),
        ({"open": {"mon-fri": "08:00-12:00, 11:00"}}, "not an opening interval"),
        ({"open": {"weekdays": "08:00-12:00"}}, "not a day or day range"),
        ({"open": "mon-fri 08:00-12:00"}, "expected a map of days to opening hours"),
        ({"open": None}, "open"),
        ({"slot": "0min"}, "longer than 0min"),
        ({"slot": 30}, "a bare number is not a duration"),
        ({"scanners": 0}, "scanners"),
        ({"capacity": 2}, "capacity"),
    ],
)
def test_bad_calendars(changes, fragment):
    data = {"slot": "30min", "open": {"mon-fri": "08:00-20:00"}} | changes
    fails(s.CalendarSpec, {k: v for k, v in data.items() if v is not None}, fragment)


def test_a_resource_is_a_capacity_or_a_calendar_not_both():
    fails(
        s.Site,
        {"resources": {"mri": {"capacity": 1, "calendar": {"slot": "30min", "open": {"mon": "08:00-09:00"}}}}},
        "capacity",
    )


def test_transport():
    assert (s.Transport().speed, s.Transport().detour, s.Transport().handover, s.Transport().times) == (
        50 / 60,
        1.3,
        0,
        {},
    )
    transport = s.Transport.model_validate(
        {"speed": "45km/h", "detour": 1.0, "handover": "20min", "times": {"a-b": "10min"}}
    )
    assert (transport.speed, transport.detour, transport.handover, transport.times) == (0.75, 1.0, 20, {"a-b": 10})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"speed": 45}, "a bare number is not a speed"),
        ({"speed": "45mph"}, "not a speed"),
        ({"detour": 0.9}, "detour"),
        ({"handover": 20}, "a bare number is not a duration"),
        ({"times": {"a-b": 10}}, "a bare number is not a duration"),
    ],
)
def test_bad_transport(data, fragment):
    fails(s.Transport, data, fragment)


# --- distributions ------------------------------------------------------------------------------


DISTRIBUTIONS = [
    ({"fixed": "30min"}, s.Fixed, 30),
    ({"exponential": {"mean": "4h"}}, s.Exponential, {"mean": 240}),
    ({"lognormal": {"mean": "6d", "sd": "5d"}}, s.Lognormal, {"mean": 8640, "sd": 7200}),
    ({"gamma": {"mean": "1h", "sd": "30min"}}, s.Gamma, {"mean": 60, "sd": 30}),
    ({"normal": {"mean": "1h", "sd": "10min"}}, s.Normal, {"mean": 60, "sd": 10}),
    ({"triangular": {"min": "10min", "mode": "20min", "max": "1h"}}, s.Triangular, {"min": 10, "mode": 20, "max": 60}),
    ({"uniform": {"min": "0min", "max": "2h"}}, s.Uniform, {"min": 0, "max": 120}),
    ({"weibull": {"shape": 1.5, "scale": "2h"}}, s.Weibull, {"shape": 1.5, "scale": 120}),
    (
        {"empirical": {"values": ["10min", "1h"], "weights": [3, 1]}},
        s.Empirical,
        {"values": (10, 60), "weights": (3, 1)},
    ),
    ({"empirical": {"values": ["10min"]}}, s.Empirical, {"values": (10,), "weights": None}),
]


@pytest.mark.parametrize(("data", "kind", "params"), DISTRIBUTIONS)
def test_every_distribution_kind(data, kind, params):
    dist = DIST.validate_python(data)
    assert isinstance(dist, kind)
    (name,) = data
    value = getattr(dist, name)
    assert (value if not isinstance(value, BaseModel) else value.model_dump()) == params


def test_every_kind_is_tested():
    assert {next(iter(data)) for data, _, _ in DISTRIBUTIONS} == set(s.DIST_KINDS)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"lognormal": {"mean": "1h"}}, "sd"),
        ({"exponential": {"mean": 60}}, "a bare number is not a duration"),
        ({"exponential": {"mean": "1h", "sd": "1h"}}, "sd"),
        ({"triangular": {"min": "30min", "mode": "20min", "max": "1h"}}, "min <= mode <= max"),
        ({"triangular": {"min": "1h", "mode": "1h", "max": "1h"}}, "min < max"),
        ({"uniform": {"min": "1h", "max": "1h"}}, "uniform needs min < max"),
        ({"weibull": {"shape": 0, "scale": "1h"}}, "shape"),
        ({"weibull": {"shape": 1, "scale": 60}}, "a bare number is not a duration"),
        ({"empirical": {"values": []}}, "values"),
        ({"empirical": {"values": ["1h", "2h"], "weights": [1]}}, "2 values but 1 weights"),
        ({"empirical": {"values": ["1h"], "weights": [0]}}, "weights are all 0"),
        ({"empirical": {"values": ["1h"], "weights": [-1]}}, "weights"),
        ({"fixed": "1h", "exponential": {"mean": "1h"}}, "expected a duration or one distribution"),
        ({"poisson": {"mean": "1h"}}, "expected a duration or one distribution"),
        ({}, "expected a duration or one distribution"),
    ],
)
def test_bad_distributions(data, fragment):
    fails(DIST, data, fragment)


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"use": "bed", "for": "30min"}, "for_"),
        ({"use": "bed", "for": "1d", "patience": "30min"}, "patience"),
        ({"delay": "30min"}, "delay"),
        ({"book": "mri", "for": "30min"}, "for_"),
        ({"book": "mri", "lead": "30min"}, "lead"),
    ],
)
def test_distribution_shorthand(step, field):
    """`for: 30min` is short for `for: {fixed: 30min}`, wherever a distribution is expected."""
    assert getattr(STEP.validate_python(step), field) == s.Fixed(fixed="30min")


@pytest.mark.parametrize("value", [30, 1.5, True])
def test_shorthand_needs_a_unit(value):
    fails(STEP, {"delay": value}, "delay")
    fails(STEP, {"use": "bed", "for": value}, "for")


# --- steps --------------------------------------------------------------------------------------


def test_every_step_verb():
    use = STEP.validate_python(
        {
            "use": "ed_doctor",
            "name": "first_exam",
            "for": {"lognormal": {"mean": "25min", "sd": "15min"}},
            "priority": "acuity",
            "patience": {"exponential": {"mean": "4h"}},
        }
    )
    assert isinstance(use, s.UseStep) and (use.use, use.name, use.priority, use.during) == (
        "ed_doctor",
        "first_exam",
        "acuity",
        None,
    )
    nested = STEP.validate_python(
        {"use": "tourcoing.ed_box", "during": [{"use": "ed_doctor", "for": "20min"}, {"delay": "1h"}]}
    )
    assert (
        nested.use == "tourcoing.ed_box"
        and nested.for_ is None
        and [type(x) for x in nested.during] == [s.UseStep, s.DelayStep]
    )
    assert isinstance(STEP.validate_python({"delay": {"exponential": {"mean": "90min"}}}), s.DelayStep)
    book = STEP.validate_python(
        {"book": "mri", "name": "mri_access", "lead": "2d", "urgent": {"p": 0.1, "within": "2d"}}
    )
    assert isinstance(book, s.BookStep) and book.for_ is None and book.urgent == s.Urgent(p=0.1, within="2d")
    branch = STEP.validate_python({"branch": [{"p": 0.3, "steps": [{"goto": "icu"}]}, {"otherwise": []}]})
    assert isinstance(branch, s.BranchStep) and isinstance(branch.branch[1], s.OtherwiseOption)
    assert STEP.validate_python({"goto": "icu"}) == s.GotoStep(goto="icu")
    assert STEP.validate_python({"transfer": "lille"}) == s.TransferStep(transfer="lille")
    assert set(s.STEP_VERBS) == {"use", "delay", "book", "branch", "goto", "transfer"}


@pytest.mark.parametrize(
    "data",
    [
        {"use": "bed", "delay": "1h"},
        {"goto": "a", "transfer": "b"},
        {},
        {"name": "wait"},
        {"uses": "bed", "for": "1h"},
        "use bed",
        ["use", "bed"],
    ],
)
def test_a_step_has_exactly_one_verb(data):
    fails(STEP, data, "expected a step with exactly one verb")


@pytest.mark.parametrize(
    "data",
    [{"use": "bed"}, {"use": "bed", "name": "x"}, {"use": "bed", "for": "1h", "during": [{"delay": "1h"}]}],
)
def test_use_needs_exactly_one_of_for_or_during(data):
    fails(STEP, data, "exactly one of `for`")


@pytest.mark.parametrize(("priority", "parsed"), [(1, 1.0), (2.5, 2.5), ("acuity", "acuity"), (0, 0.0)])
def test_priority_is_a_number_or_an_attribute(priority, parsed):
    step = STEP.validate_python({"use": "bed", "for": "1h", "priority": priority})
    assert step.priority == parsed and type(step.priority) is type(parsed)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"use": "bed", "for": "1h", "priority": True}, "expected a number or the name"),
        ({"use": "bed", "for": "1h", "priority": "high acuity"}, "expected a number or the name"),
        ({"use": "a.b.c", "for": "1h"}, "not a role or SITE.ROLE"),
        ({"use": "2beds", "for": "1h"}, "not a role or SITE.ROLE"),
        ({"use": "bed", "for": "1h", "name": "first exam"}, "not a valid name"),
        ({"use": "bed", "for": "1h", "patience": 4}, "patience"),
        ({"use": "bed", "for": "1h", "wait": "x"}, "wait"),
        ({"book": "mri", "urgent": {"p": 1.5, "within": "1d"}}, "urgent"),
        ({"book": "mri", "urgent": {"p": 0.1}}, "within"),
        ({"book": "mri", "during": []}, "during"),
        ({"goto": "not-a-name"}, "not a valid name"),
        ({"transfer": 3}, "not a valid name"),
    ],
)
def test_bad_steps(data, fragment):
    fails(STEP, data, fragment)


def test_branch_options():
    branch = STEP.validate_python(
        {
            "branch": [
                {"when": {"acuity": [1, 2]}, "p": 0.6, "steps": [{"goto": "admit"}]},
                {"when": {"covid": True}},
                {"p": 0.2},
                {"otherwise": []},
            ]
        }
    )
    first, second, third, last = branch.branch
    assert (first.when, first.p, len(first.steps)) == ({"acuity": (1, 2)}, 0.6, 1)
    assert (second.when, second.p, second.steps) == ({"covid": True}, None, ())
    assert (third.when, third.p) == (None, 0.2)
    assert last == s.OtherwiseOption(otherwise=())
    assert STEP.validate_python({"branch": [{"p": 1.0}]}).branch[0].p == 1.0  # `otherwise` is optional


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ([{"otherwise": []}, {"p": 0.5}], "`otherwise` must be the last option"),
        ([{"steps": [{"goto": "a"}]}, {"otherwise": []}], "needs `p`, `when` or both"),
        ([], "branch"),
        ([{"p": 1.5}], "p"),
        ([{"when": {"acuity": []}}], "at least one value"),
        ([{"when": {"acuity": [[1]]}}], "expected an attribute value"),
        ([{"otherwise": [], "p": 0.5}], "p"),
        ([{"p": 0.5, "step": []}], "step"),
    ],
)
def test_bad_branches(options, fragment):
    fails(STEP, {"branch": options}, fragment)


# --- arrivals -----------------------------------------------------------------------------------


def test_arrival_with_a_shaped_rate():
    stream = s.Arrival.model_validate(
        arrival(hourly=[1] * 24, weekly=[1, 1, 1, 1, 1, 0, 0], curve=[["0d", 1.0], ["60d", 1.6], ["90d", 1.0]])
    )
    assert stream.rate == pytest.approx(150 / 1440) and stream.series is None
    assert stream.hourly == (1,) * 24 and stream.weekly == (1, 1, 1, 1, 1, 0, 0)
    assert stream.curve == ((0, 1.0), (86400, 1.6), (129600, 1.0))


def test_arrival_from_a_series():
    stream = s.Arrival.model_validate(
        arrival(rate=None, series={"file": "data/covid.csv", "scale": 0.5}, hourly=[1] * 24)
    )
    assert stream.rate is None and stream.series == s.Series(file="data/covid.csv", scale=0.5)
    assert s.Series.model_validate({"per_day": [3, 4.5]}).per_day == (3, 4.5)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"rate": None}, "exactly one of `rate` or `series`"),
        ({"series": {"per_day": [1]}}, "exactly one of `rate` or `series`"),
        ({"rate": None, "series": {"per_day": [1]}, "weekly": [1] * 7}, "cannot be combined"),
        ({"rate": None, "series": {"per_day": [1]}, "curve": [["0d", 1]]}, "cannot be combined"),
        ({"rate": 150}, "a bare number is not a rate"),
        ({"rate": "150 per day"}, "not a rate"),
        ({"hourly": [1] * 23}, "`hourly` needs 24 values, got 23"),
        ({"hourly": [0] * 24}, "`hourly` weights are all 0"),
        ({"weekly": [1] * 6}, "`weekly` needs 7 values, got 6"),
        ({"weekly": [1] * 8}, "`weekly` needs 7 values, got 8"),
        ({"weekly": [1, 1, 1, 1, 1, 1, -1]}, "weekly"),
        ({"curve": [["0d", 1], ["0d", 2]]}, "`curve` times must increase strictly"),
        ({"curve": [["10d", 1], ["5d", 2]]}, "`curve` times must increase strictly"),
        ({"curve": [[0, 1]]}, "a bare number is not a duration"),
        ({"curve": [["0d", -1]]}, "curve"),
        ({"curve": [["0d"]]}, "curve"),
        ({"at": None}, "at"),
        ({"pathway": None}, "pathway"),
        ({"name": "ED visits"}, "not a valid name"),
        ({"shape": "flat"}, "shape"),
    ],
)
def test_bad_arrivals(changes, fragment):
    fails(s.Arrival, arrival(**changes), fragment)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [({}, "exactly one of `file` or `per_day`"), ({"file": "a.csv", "per_day": [1]}, "exactly one of"),
     ({"per_day": [1], "scale": 0}, "scale"), ({"per_day": [-1]}, "per_day")],
)
def test_bad_series(data, fragment):
    fails(s.Series, data, fragment)


def test_attribute_values_keep_their_yaml_types():
    data = yaml.safe_load(
        """
        attributes:
          count: 1
          code: "1"
          flag: true
          ratio: 1.5
          prescriber: public
          acuity: {1: 0.2, 2: 0.8}
          covid: {true: 0.1, false: 0.9}
          mixed: {1: 0.5, "1": 0.5}
        """
    )
    attributes = s.Arrival.model_validate(arrival(**data)).attributes
    assert [
        (v, type(v)) for v in (attributes["count"], attributes["code"], attributes["flag"], attributes["ratio"])
    ] == [(1, int), ("1", str), (True, bool), (1.5, float)]
    assert attributes["prescriber"] == "public"
    assert [type(k) for k in attributes["acuity"]] == [int, int]
    assert [(k, type(k)) for k in attributes["covid"]] == [(True, bool), (False, bool)]
    assert [(k, type(k)) for k in attributes["mixed"]] == [(1, int), ("1", str)]


def test_attribute_match_keeps_yaml_types():
    option = TypeAdapter(s.BranchItem).validate_python(
        yaml.safe_load("{when: {acuity: [1, 2], covid: true, code: '1'}, p: 1}")
    )
    assert option.when == {"acuity": (1, 2), "covid": True, "code": "1"}
    assert type(option.when["covid"]) is bool and type(option.when["code"]) is str


@pytest.mark.parametrize(
    "attributes", [{"acuity": {1: 1.5}}, {"acuity": [1, 2]}, {"acuity": None}, {"2x": 1}, {"acuity": {(1, 2): 1}}]
)
def test_bad_attributes(attributes):
    fails(s.Arrival, arrival(attributes=attributes), "attributes")


# --- cooperation --------------------------------------------------------------------------------


def overflow(**changes: Any) -> dict[str, Any]:
    """An overflow rule with keys replaced; a key given None is left out."""
    rule = {"resource": "icu_bed", "from": "valenciennes", "to": ["clinic_a", "clinic_b"]} | changes
    return {"overflow": {k: v for k, v in rule.items() if v is not None}}


def test_overflow_with_every_key_and_its_defaults():
    rule = RULE.validate_python(overflow()).overflow
    assert (rule.when, rule.choose, rule.arrivals, rule.max_per_day) == ("full", "nearest", None, None)
    full = RULE.validate_python(
        overflow(when={"queue_above": 3}, choose="in_order", arrivals=["covid"], max_per_day=5)
    ).overflow
    assert (full.resource, full.from_, full.to) == ("icu_bed", "valenciennes", ("clinic_a", "clinic_b"))
    assert (full.when, full.choose, full.arrivals, full.max_per_day) == (
        s.QueueAbove(queue_above=3),
        "in_order",
        ("covid",),
        5,
    )


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("full", "full"),
        ({"occupancy_above": 0.9}, s.OccupancyAbove(occupancy_above=0.9)),
        ({"queue_above": 0}, s.QueueAbove(queue_above=0)),
        ({"wait_above": "4h"}, s.WaitAbove(wait_above="4h")),
    ],
)
def test_overflow_triggers(when, expected):
    assert TRIGGER.validate_python(when) == expected
    assert RULE.validate_python(overflow(when=when)).overflow.when == expected


def test_wait_above_is_in_minutes():
    assert TRIGGER.validate_python({"wait_above": "4h"}).wait_above == 240


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("empty", "full"),
        (5, "expected full, {occupancy_above: SHARE}"),
        ({"occupancy_above": 1.5}, "occupancy_above"),
        ({"queue_above": -1}, "queue_above"),
        ({"queue_above": 2.5}, "queue_above"),
        ({"wait_above": 240}, "a bare number is not a duration"),
        ({"busy_above": 1}, "expected full, {occupancy_above: SHARE}"),
        ({"occupancy_above": 0.9, "queue_above": 3}, "queue_above"),
    ],
)
def test_bad_overflow_triggers(when, fragment):
    fails(TRIGGER, when, fragment)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"to": []}, "to"),
        ({"to": "clinic_a"}, "to"),
        ({"choose": "random"}, "choose"),
        ({"choose": "shortest_queue"}, "choose"),
        ({"max_per_day": -1}, "max_per_day"),
        ({"from": None}, "from"),
        ({"resource": "icu.bed"}, "not a valid name"),
        ({"from_": "x"}, "from_"),
    ],
)
def test_bad_overflow_rules(changes, fragment):
    fails(RULE, overflow(**changes), fragment)


def route(**changes: Any) -> dict[str, Any]:
    """A route rule with keys replaced; a key given None is left out."""
    rule = {"arrivals": ["ed"], "among": ["tourcoing", "mouscron"]} | changes
    return {"route": {k: v for k, v in rule.items() if v is not None}}


@pytest.mark.parametrize(
    ("changes", "choose"),
    [
        ({}, "nearest"),
        ({"choose": "nearest"}, "nearest"),
        ({"choose": "shortest_queue", "resource": "ed_box"}, "shortest_queue"),
        ({"choose": "least_occupied", "resource": "ed_box"}, "least_occupied"),
        (
            {"choose": {"weights": {"tourcoing": 0.7, "mouscron": 0.3}}},
            s.Weights(weights={"tourcoing": 0.7, "mouscron": 0.3}),
        ),
    ],
)
def test_route_choices(changes, choose):
    rule = RULE.validate_python(route(**changes)).route
    assert rule.choose == choose and rule.among == ("tourcoing", "mouscron") and rule.arrivals == ("ed",)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"choose": "shortest_queue"}, "route by `shortest_queue` needs `resource`"),
        ({"choose": "least_occupied"}, "route by `least_occupied` needs `resource`"),
        ({"choose": "random"}, "choose"),
        ({"choose": {"weights": {"tourcoing": -1}}}, "weights"),
        ({"choose": {"shares": {"tourcoing": 1}}}, "expected nearest, shortest_queue, least_occupied or {weights"),
        ({"among": ["tourcoing"]}, "among"),
        ({"arrivals": []}, "arrivals"),
        ({"arrivals": None}, "arrivals"),
    ],
)
def test_bad_routes(changes, fragment):
    fails(RULE, route(**changes), fragment)


def test_share_staff_with_every_key():
    rule = RULE.validate_python(
        {
            "share_staff": {
                "resource": "surgeon",
                "from": "chu",
                "to": "ch_general",
                "sessions": [{"days": "tue,thu", "from": "08:00", "to": "18:00", "capacity": 1}],
            }
        }
    ).share_staff
    assert (rule.resource, rule.from_, rule.to) == ("surgeon", "chu", "ch_general")
    assert rule.sessions == (
        s.Window.model_validate({"days": "tue,thu", "from": "08:00", "to": "18:00", "capacity": 1}),
    )


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"sessions": []}, "sessions"),
        ({"to": None}, "to"),
        ({"to": ["a", "b"]}, "to"),
        ({"sessions": [{"days": "tue"}]}, "from"),
    ],
)
def test_bad_share_staff(changes, fragment):
    rule = {
        "resource": "surgeon",
        "from": "chu",
        "to": "ch_general",
        "sessions": [{"days": "tue", "from": "08:00", "to": "18:00", "capacity": 1}],
    } | changes
    fails(RULE, {"share_staff": {k: v for k, v in rule.items() if v is not None}}, fragment)


def test_share_calendar_with_every_key():
    rule = RULE.validate_python(
        {
            "share_calendar": {
                "calendar": "tourcoing.mri",
                "partners": ["tourcoing", "imanord"],
                "quotas": {"by": "prescriber", "shares": {"public": 0.6, "private": 0.4}},
                "release_unused": "48h",
            }
        }
    ).share_calendar
    assert (rule.calendar, rule.partners, rule.release_unused) == ("tourcoing.mri", ("tourcoing", "imanord"), 2880)
    assert rule.quotas == s.Quotas(by="prescriber", shares={"public": 0.6, "private": 0.4})
    pooled = RULE.validate_python(
        {"share_calendar": {"calendar": "tourcoing.mri", "partners": ["imanord"]}}
    ).share_calendar
    assert (pooled.quotas, pooled.release_unused) == (None, None)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"partners": []}, "partners"),
        ({"release_unused": 48}, "a bare number is not a duration"),
        ({"quotas": {"by": "prescriber", "shares": {"public": 1.2}}}, "shares"),
        ({"quotas": {"shares": {"public": 0.5}}}, "by"),
        ({"calendar": "a.b.c"}, "not a role or SITE.ROLE"),
    ],
)
def test_bad_share_calendar(changes, fragment):
    rule = {"calendar": "tourcoing.mri", "partners": ["tourcoing", "imanord"]} | changes
    fails(RULE, {"share_calendar": rule}, fragment)


@pytest.mark.parametrize(
    "data",
    [{"overflow": {}, "route": {}}, {"merge": {}}, {}, "overflow"],
)
def test_a_rule_has_exactly_one_kind(data):
    fails(RULE, data, "expected one cooperation rule")


def test_scenario_cooperation_rules():
    scenario = s.Scenario.model_validate(minimal(cooperation=[overflow(), route()]))
    assert [type(rule) for rule in scenario.cooperation] == [s.Overflow, s.Route]
    assert set(s.RULE_KINDS) == {"overflow", "route", "share_staff", "share_calendar"}


# --- targets ------------------------------------------------------------------------------------


def test_targets():
    scenario = s.Scenario.model_validate(
        minimal(
            targets=[
                {"wait": "first_exam", "within": "1h"},
                {"occupancy": "medicine_bed", "below": 0.9},
                {"occupancy": "a.bed", "below": 1},
            ]
        )
    )
    assert scenario.targets == (
        s.WaitTarget(wait="first_exam", within="1h"),
        s.OccupancyTarget(occupancy="medicine_bed", below=0.9),
        s.OccupancyTarget(occupancy="a.bed", below=1),
    )
    assert scenario.targets[0].within == 60


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"wait": "first_exam"}, "within"),
        ({"wait": "first_exam", "within": 60}, "a bare number is not a duration"),
        ({"wait": "first_exam", "below": 0.9}, "below"),
        ({"occupancy": "bed", "below": 1.5}, "below"),
        ({"occupancy": "bed", "within": "1h"}, "within"),
        ({"share": 0.9}, "expected {wait: NAME, within: DURATION} or {occupancy: ROLE, below: SHARE}"),
        ("first_exam", "expected {wait: NAME"),
    ],
)
def test_bad_targets(data, fragment):
    fails(TARGET, data, fragment)


# --- the models themselves ----------------------------------------------------------------------


def _strict_models() -> list[type[BaseModel]]:
    found, todo = [], list(s.Strict.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return sorted(found, key=lambda m: m.__name__)


@pytest.mark.parametrize("model", _strict_models(), ids=lambda m: m.__name__)
def test_every_model_is_frozen_and_forbids_extra_keys(model):
    assert model.model_config["frozen"] is True and model.model_config["extra"] == "forbid"


@pytest.mark.parametrize(
    ("obj", "attribute", "value"),
    [
        (lambda: s.Scenario.model_validate(minimal()), "name", "other"),
        (lambda: s.Run(horizon="1d"), "horizon", 1.0),
        (lambda: STEP.validate_python({"use": "bed", "for": "1h"}), "use", "chair"),
        (
            lambda: s.Window.model_validate({"days": "mon", "from": "08:00", "to": "09:00", "capacity": 1}),
            "capacity",
            2,
        ),
        (lambda: s.Transport(), "speed", 1.0),
    ],
)
def test_assignment_raises(obj, attribute, value):
    instance = obj()
    with pytest.raises(ValidationError, match="frozen"):
        setattr(instance, attribute, value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (minimal(verison=1), "verison"),
        (minimal(run={"horizon": "7d", "seeds": 3}), "seeds"),
        (minimal(sites={"a": {"resources": {"bed": {"capacity": 2, "capcity": 3}}}}), "capcity"),
        (minimal(pathways={"stay": [{"use": "bed", "for": "1d", "lable": "x"}]}), "lable"),
        (minimal(transport={"speed": "45km/h", "mode": "road"}), "mode"),
    ],
)
def test_unknown_keys_are_errors(data, fragment):
    fails(s.Scenario, data, fragment, "Extra inputs are not permitted")


def test_python_names_of_aliased_keys_are_not_accepted():
    """Only the YAML spelling `for`/`from` is a key; `for_`/`from_` are internal names."""
    fails(STEP, {"use": "bed", "for_": "1h"}, "for_")


# --- the JSON Schema and the SPEC example -------------------------------------------------------


def test_json_schema_structure():
    schema = json.loads(json.dumps(s.json_schema()))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["$defs"] and {"Site", "Run", "UseStep", "OverflowRule"} <= set(schema["$defs"])
    assert set(schema["properties"]) == {info.alias or name for name, info in s.Scenario.model_fields.items()}
    assert set(schema["required"]) == {"version", "name", "run", "sites", "arrivals", "pathways"}
    assert "for" in schema["$defs"]["UseStep"]["properties"] and "from" in schema["$defs"]["Window"]["properties"]
    assert schema["$defs"]["Run"]["properties"]["horizon"]["type"] == "string"


def _json_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = s.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_schema_is_valid_and_agrees_on_long_forms():
    validator = _json_validator()
    long_form = minimal(
        sites={"a": {"resources": {"bed": {"capacity": 2}}}},
        pathways={"stay": [{"use": "bed", "for": {"fixed": "1d"}}]},
    )
    assert not list(validator.iter_errors(long_form))
    assert list(validator.iter_errors(long_form | {"run": {"horizon": 180}}))  # a bare number is not a duration
    assert list(validator.iter_errors(long_form | {"colour": "red"}))


def test_json_schema_accepts_the_shorthands():
    assert not list(_json_validator().iter_errors(minimal()))


def test_spec_example_validates():
    scenario = s.Scenario.model_validate(yaml.safe_load(SPEC_EXAMPLE.read_text(encoding="utf-8")))
    assert scenario.run.horizon == 180 * 1440 and scenario.run.start.isoformat() == "2026-01-05"
    tourcoing = scenario.sites["tourcoing"]
    assert tourcoing.resources["ed_box"].capacity == 24 and isinstance(tourcoing.resources["mri"], s.CalendarResource)
    assert scenario.transport.speed == 0.75 and scenario.transport.times == {"tourcoing-imanord": 10}
    assert scenario.arrivals[0].attributes["covid_suspect"] == {True: 0.1, False: 0.9}
    assert scenario.pathways["mri_exam"][0].for_ == s.Fixed(fixed="30min")
    assert [type(t) for t in scenario.targets] == [s.WaitTarget, s.WaitTarget, s.OccupancyTarget]
    assert set(scenario.variants) == {"separate", "gie"} and scenario.baseline == "separate"


@pytest.mark.parametrize(
    ("dist", "message"),
    [({"exponential": {"mean": "0min"}}, "mean longer than 0min"),
     ({"lognormal": {"mean": "0min", "sd": "1min"}}, "mean longer than 0min"),
     ({"gamma": {"mean": "0min", "sd": "1min"}}, "mean longer than 0min")],
)
def test_distributions_that_cannot_be_drawn_are_refused(dist, message):
    with pytest.raises(ValidationError, match=message):
        TypeAdapter(s.Distribution).validate_python(dist)


def test_an_empty_resource_or_curve_is_refused():
    with pytest.raises(ValidationError, match="needs a `capacity`, a `schedule` or a `calendar`"):
        s.CapacityResource.model_validate({})
    with pytest.raises(ValidationError, match="at least 1 item"):
        s.Arrival.model_validate({"name": "a", "at": "h", "rate": "1/h", "curve": [], "pathway": "p"})
