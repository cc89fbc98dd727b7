"""Whole-scenario checks: where patients can go, and branch probabilities per attribute profile."""

import textwrap

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_text
from sim.scenario.reach import reach

pytestmark = pytest.mark.unit

HEADER = """\
version: 1
name: checks
run: {horizon: 28d, warmup: 7d}
"""

TERRITORY = """\
sites:
  a:
    location: [50.6, 3.0]
    resources: {box: 4, icu_bed: 2, ward: 10, mri: {calendar: {slot: 30min, open: {mon-fri: "08:00-18:00"}}}}
  b:
    location: [50.3, 3.1]
    resources: {box: 2, icu_bed: 3, ward: 5}
  c:
    resources: {box: 1, icu_bed: 4, ward: 8}
transport:
  times: {a-c: 25min, b-c: 40min}
arrivals:
  - name: covid
    at: a
    rate: 5/d
    attributes: {severe: {true: 0.3, false: 0.7}}
    pathway: covid_stay
  - name: walkin
    at: a
    rate: 20/d
    attributes: {severe: false}
    pathway: consult
pathways:
  covid_stay:
    - use: icu_bed
      name: icu
      for: 5d
    - goto: recovery
  recovery:
    - use: ward
      name: ward_wait
      for: 3d
    - branch:
        - when: {severe: true}
          p: 0.2
          steps: [{goto: covid_stay}]
        - otherwise: []
  consult:
    - use: box
      for: 30min
    - branch:
        - p: 0.1
          steps: [{transfer: c}, {goto: recovery}]
        - p: 0.9
          steps: []
cooperation:
  - overflow: {resource: icu_bed, from: a, to: [b, c], arrivals: [covid]}
  - route: {arrivals: [walkin], among: [a, b], choose: nearest}
"""


def load(body: str):
    """The base scenario of a scenario body (everything after `run`); raises ScenarioError."""
    return load_text(HEADER + textwrap.dedent(body)).base


def messages(body: str) -> list[str]:
    """Every problem message of a scenario body; [] when it is valid."""
    try:
        load_text(HEADER + textwrap.dedent(body))
    except ScenarioError as err:
        return [p.message for p in err.problems]
    return []


def sites_of(scenario, *loc) -> set[str]:
    """The sites where the step at `loc` may run."""
    return set(reach(scenario).sites.get(loc, {}))


# --- reachability -----------------------------------------------------------------------------


def test_territory_with_overflow_route_transfer_and_goto_is_valid():
    assert messages(TERRITORY) == []


def test_overflow_continues_the_pathway_at_each_partner():
    scenario = load(TERRITORY)
    assert sites_of(scenario, "pathways", "covid_stay", 0) == {"a", "b", "c"}
    assert sites_of(scenario, "pathways", "covid_stay", 1) == {"a", "b", "c"}
    assert sites_of(scenario, "pathways", "recovery", 0) == {"a", "b", "c"}


def test_route_starts_a_stream_at_every_site_among():
    scenario = load(TERRITORY)
    assert sites_of(scenario, "pathways", "consult", 0) == {"a", "b"}
    assert sites_of(scenario, "pathways", "consult", 1, "branch", 0, "steps", 1) == {"c"}


def test_overflow_applies_only_to_its_streams():
    scenario = load(TERRITORY)
    where = reach(scenario)
    walkin = [k for k, a in enumerate(scenario.arrivals) if a.name == "walkin"]
    assert where.streams[("pathways", "consult", 0)] == set(walkin)
    assert "b" not in {site for site, visit in where.sites[("pathways", "recovery", 0)].items() if visit.stream == "walkin"}


def test_goto_cycles_terminate_and_follow_transfers():
    scenario = load(
        """
        sites:
          a: {location: [50.0, 3.0], resources: {bed: 1}}
          b: {location: [50.1, 3.0], resources: {bed: 1}}
        arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]
        pathways:
          p: [{delay: 1h}, {goto: q}]
          q: [{use: bed, for: 1h}, {transfer: b}, {branch: [{p: 0.5, steps: [{goto: p}]}, {otherwise: []}]}]
        """
    )
    assert sites_of(scenario, "pathways", "p", 0) == {"a", "b"}
    assert sites_of(scenario, "pathways", "q", 1) == {"a", "b"}


def test_role_missing_where_a_goto_then_transfer_leads():
    found = messages(
        """
        sites:
          a: {location: [50.0, 3.0], resources: {bed: 1, lab: 1}}
          b: {location: [50.1, 3.0], resources: {bed: 1}}
        arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]
        pathways:
          p: [{use: lab, for: 1h}, {transfer: b}, {goto: q}]
          q: [{use: bed, for: 1h}, {branch: [{p: 0.5, steps: [{goto: p}]}, {otherwise: []}]}]
        """
    )
    assert found == [
        "role 'lab' does not exist at site 'b', which patients of stream 's' reach through a transfer "
        "(expected every site a patient can reach to have the roles of its pathway)"
    ]


def test_a_goto_never_returns_to_the_steps_after_its_branch():
    """`goto` hands the patient over for good: after q moves it to b, `lab` (missing at b) is
    never used there, since the step after the branch does not run for patients who took the goto."""
    found = messages(
        """
        sites:
          a: {location: [50.0, 3.0], resources: {bed: 1, lab: 1}}
          b: {location: [50.1, 3.0], resources: {bed: 1}}
        arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]
        pathways:
          p:
            - branch: [{p: 0.5, steps: [{goto: q}]}, {otherwise: []}]
            - {use: lab, for: 1h}
          q: [{use: bed, for: 1h}, {transfer: b}]
        """
    )
    assert found == []


def test_overflow_partner_missing_a_later_role():
    text = TERRITORY.replace("c:\n    resources: {box: 1, icu_bed: 4, ward: 8}", "c:\n    resources: {box: 1, icu_bed: 4}")
    found = messages(text)
    assert any("role 'ward' does not exist at site 'c', which patients of stream 'covid' reach through overflow" in m for m in found)


def test_book_at_a_partner_of_a_shared_calendar_needs_no_calendar_of_its_own():
    text = """
        sites:
          a: {resources: {mri: {calendar: {slot: 30min, open: {mon-fri: "08:00-18:00"}}}}}
          b: {resources: {}}
        arrivals:
          - {name: s, at: b, rate: 1/d, attributes: {by: private}, pathway: p}
        pathways:
          p: [{book: mri}]
        """
    assert any("role 'mri' does not exist at site 'b', where patients of stream 's' arrive" in m for m in messages(text))
    shared = text + "cooperation: [{share_calendar: {calendar: a.mri, partners: [a, b]}}]\n"
    assert messages(shared) == []


# --- branch probabilities ------------------------------------------------------------------


def branch_scenario(attributes: str, options: str) -> str:
    """A one-stream scenario body whose only pathway is one branch with these options."""
    return (
        "sites: {a: {resources: {bed: 1}}}\n"
        f"arrivals:\n  - {{name: s, at: a, rate: 1/d, attributes: {attributes}, pathway: p}}\n"
        "pathways:\n  p:\n    - branch:\n" + textwrap.indent(textwrap.dedent(options), " " * 8)
    )


def test_every_attribute_profile_covered_exactly_is_valid():
    options = """\
        - {when: {acuity: 1}, steps: []}
        - {when: {acuity: 2, covid: true}, p: 0.4, steps: []}
        - {when: {acuity: 2, covid: true}, p: 0.6, steps: []}
        - {when: {acuity: 2, covid: false}, steps: []}
        """
    assert messages(branch_scenario("{acuity: {1: 0.5, 2: 0.5}, covid: {true: 0.1, false: 0.9}}", options)) == []


def test_the_failing_profile_is_named():
    options = """\
        - {when: {acuity: 1}, steps: []}
        - {when: {acuity: 2, covid: true}, p: 0.4, steps: []}
        - {when: {acuity: 2, covid: false}, p: 0.5, steps: []}
        """
    (message,) = messages(branch_scenario("{acuity: {1: 0.5, 2: 0.5}, covid: {true: 0.1, false: 0.9}}", options))
    assert "patients of stream 's' with acuity=2, covid=true sum to 0.4 (expected 1" in message


def test_a_when_without_p_counts_as_one():
    options = """\
        - {when: {acuity: [1, 2]}, steps: []}
        - {when: {acuity: 2}, steps: []}
        """
    (message,) = messages(branch_scenario("{acuity: {1: 0.5, 2: 0.5}}", options))
    assert "with acuity=2 sum to 2 (expected 1" in message


def test_otherwise_takes_the_rest_but_not_more():
    below = "- {when: {acuity: 1}, p: 0.3, steps: []}\n- otherwise: []\n"
    assert messages(branch_scenario("{acuity: {1: 0.5, 2: 0.5}}", below)) == []
    above = "- {p: 0.6, steps: []}\n- {when: {acuity: 1}, p: 0.6, steps: []}\n- otherwise: []\n"
    (message,) = messages(branch_scenario("{acuity: {1: 0.5, 2: 0.5}}", above))
    assert "with acuity=1 sum to 1.2 (expected at most 1 with `otherwise`)" in message


def test_a_constant_attribute_has_one_profile():
    options = "- {when: {prescriber: public}, steps: []}\n"
    assert messages(branch_scenario("{prescriber: public}", options)) == []
    (message,) = messages(branch_scenario("{prescriber: private}", options))
    assert "patients of stream 's' with prescriber=private match no option" in message


def test_true_does_not_match_one():
    options = "- {when: {flag: 1}, steps: []}\n"
    found = messages(branch_scenario("{flag: {true: 0.5, false: 0.5}}", options))
    assert any("1 is a number but attribute 'flag' takes a boolean (true, false): this condition would never match" in m for m in found)
    assert any("with flag=true match no option" in m for m in found)


def test_an_attribute_the_stream_lacks_matches_nothing():
    text = branch_scenario("{acuity: 1}", "- {when: {acuity: 1}, steps: []}\n").replace(
        "pathway: p}", "pathway: p}\n  - {name: t, at: a, rate: 1/d, pathway: p}"
    )
    (message,) = messages(text)
    assert "patients of stream 't' with acuity=undefined match no option" in message


def test_probabilities_are_summed_with_a_tolerance():
    options = "- {p: 0.1, steps: []}\n- {p: 0.2, steps: []}\n- {p: 0.7, steps: []}\n"
    assert messages(branch_scenario("{}", options)) == []


# --- gotos, schedules and sessions ---------------------------------------------------------


def goto_scenario(pathways: str) -> str:
    """A one-stream scenario body with these pathways."""
    return (
        "sites: {a: {resources: {bed: 1}}}\n"
        "arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]\n"
        "pathways:\n" + textwrap.indent(textwrap.dedent(pathways), "  ")
    )


def test_a_goto_cycle_through_two_pathways_without_time_is_reported_once():
    found = messages(goto_scenario("p: [{branch: [{p: 1, steps: [{goto: q}]}]}]\nq: [{goto: p}]\n"))
    assert found == [
        "goto 'p' closes the cycle p -> q -> p, in which no step takes time "
        "(expected a use, delay, book or transfer step in the loop)"
    ]


def test_a_branch_option_that_takes_no_time_leads_on_to_the_next_goto():
    """Patients who take the empty option go straight on to `goto: r`, and r sends them back
    to p at once: a loop in which no time passes. Those who take `goto: q` never come back."""
    pathways = """\
        p: [{branch: [{p: 0.5, steps: [{goto: q}]}, {otherwise: []}]}, {goto: r}]
        q: [{branch: [{p: 1, steps: []}]}]
        r: [{goto: p}]
        """
    found = messages(goto_scenario(pathways))
    assert len(found) == 1 and "goto 'p' closes the cycle p -> r -> p" in found[0]


@pytest.mark.parametrize("step", ["{delay: 1min}", "{use: bed, for: 1h}"])
def test_a_goto_cycle_with_a_step_that_takes_time_is_valid(step):
    pathways = f"p: [{{branch: [{{p: 1, steps: [{{goto: q}}]}}]}}]\nq: [{step}, {{branch: [{{p: 0.9, steps: [{{goto: p}}]}}, {{otherwise: []}}]}}]\n"
    assert messages(goto_scenario(pathways)) == []


def test_overnight_and_end_of_day_windows_that_touch_are_valid():
    text = """
        sites:
          a:
            resources:
              doctor:
                capacity: 1
                schedule:
                  - {days: mon-sun, from: "08:00", to: "20:00", capacity: 3}
                  - {days: mon-sun, from: "20:00", to: "24:00", capacity: 2}
        arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]
        pathways: {p: [{use: doctor, for: 1h}]}
        """
    assert messages(text) == []
    overnight = text.replace('to: "24:00"', 'to: "08:00"')
    assert messages(overnight) == []
    assert any("overlaps window 0 at mon 08:00" in m for m in messages(text.replace('to: "24:00"', 'to: "08:01"')))


def test_sessions_may_lend_what_the_schedule_puts_in_force():
    text = """
        sites:
          a: {location: [50.0, 3.0], resources: {doctor: {capacity: 1, schedule: [{days: tue, from: "08:00", to: "18:00", capacity: 3}]}}}
          b: {location: [50.1, 3.0], resources: {doctor: 0}}
        arrivals: [{name: s, at: a, rate: 1/d, pathway: p}]
        pathways: {p: [{use: doctor, for: 1h}]}
        cooperation:
          - share_staff: {resource: doctor, from: a, to: b, sessions: [{days: tue, from: "09:00", to: "13:00", capacity: 3}]}
        """
    assert messages(text) == []
    late = text.replace('from: "09:00", to: "13:00"', 'from: "16:00", to: "19:00"')
    assert any("the session lends 3 'doctor' but site 'a' has 1 at tue 18:00" in m for m in messages(late))
