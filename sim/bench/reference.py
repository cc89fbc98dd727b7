"""The reference model of the performance benchmark, shared by both implementations.

An emergency department fed by a constant-rate Poisson stream: triage by nurses
(exponential), examination by doctors (lognormal), then 30 % of patients admitted to a
20-bed short-stay ward (lognormal stay). Each resource runs at a utilisation of 0.9:

- triage: 12/h × 13.5 min / 3 nurses = 0.9
- exam: 12/h × 22.5 min / 5 doctors = 0.9
- ward: 0.3 × 12/h × 300 min / 20 beds = 0.9

The patient count sets the horizon (patients / rate); the system starts empty and has no
warm-up, so every patient counts.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario import schema

RATE_PER_HOUR = 12.0
NURSES, TRIAGE_MEAN = 3, 13.5
DOCTORS, EXAM_MEAN, EXAM_SD = 5, 22.5, 15.0
BEDS, STAY_MEAN, STAY_SD = 20, 300.0, 240.0
ADMITTED = 0.3
"""Durations in minutes; ADMITTED is the share of patients sent to the ward."""

WAITS = ("triage", "exam", "ward")
"""The named waits, in pathway order."""

DEFAULT_SEED = 20260101


def horizon_minutes(patients: int) -> float:
    """Simulated time in which `patients` arrive on average."""
    return patients * 60.0 / RATE_PER_HOUR


def utilisations() -> dict[str, float]:
    """Offered load per server of each resource (all 0.9 by construction)."""
    per_minute = RATE_PER_HOUR / 60.0
    return {
        "triage": per_minute * TRIAGE_MEAN / NURSES,
        "exam": per_minute * EXAM_MEAN / DOCTORS,
        "ward": ADMITTED * per_minute * STAY_MEAN / BEDS,
    }


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """mu and sigma of the underlying normal of a lognormal with this mean and sd."""
    sigma2 = math.log(1.0 + (sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def reference_yaml(patients: int, seed: int = DEFAULT_SEED) -> str:
    """The reference model as a coopsim scenario sized for `patients` arrivals."""
    return f"""\
version: 1
name: Benchmark reference ED
description: Triage, examination and a short-stay ward, each at a utilisation of 0.9 ({patients} patients).
run:
  horizon: {horizon_minutes(patients):.6f}min
  replications: 1
  seed: {seed}
sites:
  ed:
    name: Reference ED
    sector: public
    location: [50.63, 3.06]
    resources:
      nurse: {NURSES}
      doctor: {DOCTORS}
      ward_bed: {BEDS}
arrivals:
  - name: ed
    at: ed
    rate: {RATE_PER_HOUR:g}/h
    pathway: visit
pathways:
  visit:
    - use: nurse
      name: triage
      for: {{exponential: {{mean: {TRIAGE_MEAN:g}min}}}}
    - use: doctor
      name: exam
      for: {{lognormal: {{mean: {EXAM_MEAN:g}min, sd: {EXAM_SD:g}min}}}}
    - branch:
        - p: {ADMITTED:g}
          steps:
            - use: ward_bed
              name: ward
              for: {{lognormal: {{mean: {STAY_MEAN:g}min, sd: {STAY_SD:g}min}}}}
        - otherwise: []
"""


def reference_scenario(patients: int, seed: int = DEFAULT_SEED) -> schema.Scenario:
    """The validated reference scenario for `patients` arrivals."""
    from sim.scenario.loader import load_text  # here, so that the idiomatic model's process never loads the scenario machinery

    return load_text(reference_yaml(patients, seed), f"<bench reference {patients}>").base
