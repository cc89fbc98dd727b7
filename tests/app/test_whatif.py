"""A what-if becomes one more variant of the scenario file: the loader validates it, it repeats
its base variant's changes, and each edit lands where the levers say."""

from __future__ import annotations

import pytest

from sim.app.whatif import WHAT_IF, Edits, capacities, declared_variants, rules, what_if_text
from sim.results.names import names_of
from sim.scenario.loader import load_file, load_text
from tests.paths import SCENARIOS

pytestmark = pytest.mark.unit

HAINAUT = SCENARIOS / "hainaut_covid_surge.yaml"
TWO_SITES = """version: 1
name: Two sites
run: {horizon: 2d, replications: 2, seed: 1}
sites:
  a: {location: [50.0, 3.0], resources: {bed: 2}}
  b: {location: [50.1, 3.1], resources: {bed: 2}}
arrivals: [{name: p, at: a, rate: 2/h, pathway: stay}]
pathways: {stay: [{use: bed, name: admission, for: 1h}]}
cooperation: [{overflow: {resource: bed, from: a, to: [b]}}, {overflow: {name: spill, resource: bed, from: b, to: [a]}}]
"""


def loaded_what_if(path, variant: str, edits: Edits):
    """The scenario file with the what-if added, loaded; and the what-if's text."""
    text = path.read_text(encoding="utf-8")
    base = load_file(path)
    new = what_if_text(text, base, variant, edits)
    return base, load_text(new, str(path), base_dir=path.parent), new


def test_no_edit_on_a_variant_runs_as_that_variant() -> None:
    base, found, text = loaded_what_if(HAINAUT, "clinics_centre_surge_icu", Edits())
    assert found.names[:1] == (WHAT_IF,) or WHAT_IF in found.names
    assert found.variant(WHAT_IF).scenario == base.variant("clinics_centre_surge_icu").scenario
    assert "# Inputs known only as a range" in text  # the file's comments are kept


def test_a_capacity_edit_changes_that_capacity_only() -> None:
    base, found, _ = loaded_what_if(HAINAUT, "alone", Edits(capacities={"sites.valenciennes.resources.icu_bed.capacity": 30}))
    before, after = base.variant("alone").scenario, found.variant(WHAT_IF).scenario
    assert after.sites["valenciennes"].resources["icu_bed"].capacity == 30
    assert after.model_copy(update={"sites": before.sites}) == before
    levers = {c.path: c.value for c in capacities(after, names_of([after]))}
    assert levers["sites.valenciennes.resources.icu_bed.capacity"] == 30


def test_a_capacity_the_base_variant_sets_is_replaced_inside_its_own_change() -> None:
    """The surge variant sets the ICU beds with a dated change: the edit keeps the change, at the new base capacity."""
    path = "sites.valenciennes.resources.icu_bed.capacity"
    _, found, _ = loaded_what_if(HAINAUT, "clinics_centre_surge_icu", Edits(capacities={path: 25}))
    icu = found.variant(WHAT_IF).scenario.sites["valenciennes"].resources["icu_bed"]
    assert icu.capacity == 25 and [c.capacity for c in icu.changes] == [38]


def test_rules_switch_off_whether_the_base_or_the_variant_holds_them() -> None:
    base = load_file(HAINAUT)
    assert [(r.index, r.name, r.kind) for r in rules(base, "clinics")] == [(0, "ward_to_clinics", "overflow"), (1, "stepdown", "overflow")]
    _, found, _ = loaded_what_if(HAINAUT, "clinics", Edits(rules_off=frozenset({1})))
    assert [r.name for r in rules(found, WHAT_IF)] == ["ward_to_clinics"]
    loaded = load_text(TWO_SITES)
    assert declared_variants(loaded) == ["base"] and [r.label for r in rules(loaded, "base")] == ["overflow: bed, a → b", "spill"]
    found = load_text(what_if_text(TWO_SITES, loaded, "base", Edits(rules_off=frozenset({0, 1}))))
    assert found.baseline == "base" and found.variant(WHAT_IF).scenario.cooperation == ()
    found = load_text(what_if_text(TWO_SITES, loaded, "base", Edits(rules_off=frozenset({1}))))
    assert [r.label for r in rules(found, WHAT_IF)] == ["overflow: bed, a → b"]  # an unnamed rule is a lever too


def test_rule_parameters_change_in_the_rule_they_belong_to() -> None:
    edits = Edits(parameters={"1:overflow.when.occupancy_above": 0.75})
    base, found, _ = loaded_what_if(HAINAUT, "clinics", edits)
    before, after = base.variant("clinics").scenario.cooperation, found.variant(WHAT_IF).scenario.cooperation
    assert after[1].overflow.when.occupancy_above == 0.75 and after[0] == before[0]
    assert after[1].overflow.model_copy(update={"when": before[1].overflow.when}) == before[1].overflow
    mri = SCENARIOS / "tourcoing_mri_gie.yaml"
    loaded = load_file(mri)
    variant = loaded.names[-1]
    quotas = rules(loaded, variant)[0]
    assert [p.path for p in quotas.parameters] == ["share_calendar.quotas.shares.urgent", "share_calendar.quotas.shares.scheduled"]
    _, found, _ = loaded_what_if(mri, variant, Edits(parameters={"0:share_calendar.quotas.shares.urgent": 0.4,
                                                                  "0:share_calendar.quotas.shares.scheduled": 0.6}))
    assert dict(found.variant(WHAT_IF).scenario.cooperation[0].share_calendar.quotas.shares) == {"urgent": 0.4, "scheduled": 0.6}
    artois = SCENARIOS / "artois_specialist_cooperation.yaml"
    _, found, _ = loaded_what_if(artois, "outreach_sessions", Edits(parameters={"0:share_staff.sessions.0.capacity": 2}))
    assert found.variant(WHAT_IF).scenario.cooperation[0].share_staff.sessions[0].capacity == 2


def test_a_schedule_window_is_a_capacity_lever() -> None:
    path = SCENARIOS / "tourcoing_ed.yaml"
    base = load_file(path)
    scenario = base.variant("baseline").scenario
    levers = {c.path: c for c in capacities(scenario, names_of([scenario]))}
    window = levers["sites.tourcoing.resources.ed_doctor.schedule.0.capacity"]
    assert (window.value, window.label) == (5, "CH Tourcoing: ED doctors, Mon-Sun 08:00-20:00")
    _, found, _ = loaded_what_if(path, "baseline", Edits(capacities={window.path: 7}))
    doctors = found.variant(WHAT_IF).scenario.sites["tourcoing"].resources["ed_doctor"]
    assert doctors.capacity == 2 and [w.capacity for w in doctors.schedule] == [7]


def test_a_surge_multiplies_every_stream_rates_and_series_alike() -> None:
    base, found, _ = loaded_what_if(HAINAUT, "alone", Edits(surge=1.5))
    for before, after in zip(base.variant("alone").scenario.arrivals, found.variant(WHAT_IF).scenario.arrivals, strict=True):
        if before.rate is not None:
            assert after.rate == pytest.approx(1.5 * before.rate, rel=1e-5)
        else:
            assert after.series.scale == pytest.approx(1.5 * before.series.scale) and after.series.per_day == before.series.per_day


def test_capacity_levers_name_every_site_resource_for_people() -> None:
    base = load_file(HAINAUT)
    scenario = base.variant("alone").scenario
    levers = capacities(scenario, names_of([scenario]))
    assert ("valenciennes", "icu_bed") in {(c.site, c.role) for c in levers}
    icu = next(c for c in levers if c.role == "icu_bed")
    assert icu.value == 23 and "ICU" in icu.label and "Valenciennes" in icu.label


def test_a_capacity_written_as_a_bare_number_is_changed_at_the_resource() -> None:
    loaded = load_text(TWO_SITES)
    scenario = loaded.variant("base").scenario
    levers = {c.site: c for c in capacities(scenario, names_of([scenario]), loaded.variant("base").data)}
    assert levers["a"].path == "sites.a.resources.bed" and levers["a"].value == 2
    found = load_text(what_if_text(TWO_SITES, loaded, "base", Edits(capacities={levers["a"].path: 5})))
    assert found.variant(WHAT_IF).scenario.sites["a"].resources["bed"].capacity == 5


def test_a_session_folder_goes_with_the_session() -> None:
    import gc

    from sim.app.session import Session

    visit = Session()
    folder = visit.folder
    (folder / "run1").mkdir()
    assert folder.is_dir()
    del visit
    gc.collect()
    assert not folder.exists()


@pytest.mark.parametrize("name", ["../../etc/scenario.yaml", "..\\\\..\\\\scenario.yaml", "/abs/scenario.yaml"])
def test_an_uploaded_file_name_cannot_lead_out_of_its_folder(name: str) -> None:
    from sim.app import session

    visit = session.Session()
    source = session.uploaded_source(name, b"version: 1\n", visit)
    assert source.name == "scenario.yaml" and (source.folder / source.name).parent == source.folder
    assert source.folder.is_relative_to(visit.folder)
