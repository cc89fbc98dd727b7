"""`coopsim bench --rules`: what cooperation rules cost, on a territory of two reference EDs.

Two copies of the reference ED (see `reference.py`), 15 km apart, each with its own stream,
run once as they are and once with rules: the first ED's patients routed by the shortest
doctor queue, ward overflow both ways when full, and a doctor lent on weekdays. Same
scenario otherwise; runs alternate and the medians of CPU time per patient are compared.
Bar (issue "Cooperation rules"): with rules, at least 75 % of the patients/s without them.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sim.bench.reference import (
    ADMITTED,
    BEDS,
    DEFAULT_SEED,
    DOCTORS,
    EXAM_MEAN,
    EXAM_SD,
    NURSES,
    RATE_PER_HOUR,
    STAY_MEAN,
    STAY_SD,
    TRIAGE_MEAN,
    horizon_minutes,
)

MIN_RATIO = 0.75
RULES = """\
cooperation:
  - route: {arrivals: [ed_a], among: [a, b], resource: doctor, choose: shortest_queue}
  - overflow: {resource: ward_bed, from: a, to: [b], when: full}
  - overflow: {resource: ward_bed, from: b, to: [a], when: full}
  - share_staff:
      resource: doctor
      from: b
      to: a
      sessions: [{days: mon-fri, from: "08:00", to: "18:00", capacity: 1}]
"""


def territory_yaml(patients: int, rules: bool, seed: int = DEFAULT_SEED) -> str:
    """Two reference EDs sharing `patients` arrivals, with or without cooperation rules."""
    site = f"resources: {{nurse: {NURSES}, doctor: {DOCTORS}, ward_bed: {BEDS}}}"
    return f"""\
version: 1
name: Benchmark territory of two EDs
run: {{horizon: {horizon_minutes(patients) / 2:.6f}min, replications: 1, seed: {seed}}}
sites:
  a: {{location: [50.63, 3.06], {site}}}
  b: {{location: [50.72, 3.16], {site}}}
arrivals:
  - {{name: ed_a, at: a, rate: {RATE_PER_HOUR:g}/h, pathway: visit}}
  - {{name: ed_b, at: b, rate: {RATE_PER_HOUR:g}/h, pathway: visit}}
pathways:
  visit:
    - {{use: nurse, name: triage, for: {{exponential: {{mean: {TRIAGE_MEAN:g}min}}}}}}
    - {{use: doctor, name: exam, for: {{lognormal: {{mean: {EXAM_MEAN:g}min, sd: {EXAM_SD:g}min}}}}}}
    - branch:
        - p: {ADMITTED:g}
          steps: [{{use: ward_bed, name: ward, for: {{lognormal: {{mean: {STAY_MEAN:g}min, sd: {STAY_SD:g}min}}}}}}]
        - otherwise: []
{RULES if rules else ""}"""


@dataclass(frozen=True)
class RulesReport:
    """Patients/s without and with rules (medians), and the runs behind them."""

    patients: int
    without: list[float]
    with_rules: list[float]

    @property
    def ratio(self) -> float:
        """Median patients/s with rules over median patients/s without."""
        return statistics.median(self.with_rules) / statistics.median(self.without)

    def format(self) -> str:
        """The report as printed."""
        lines = [f"cooperation rules, {self.patients:,} patients, CPU time, {len(self.without)} alternating runs each",
                 f"  without rules: {statistics.median(self.without):,.0f} patients/s (runs: {', '.join(f'{x:,.0f}' for x in self.without)})",
                 f"  with rules:    {statistics.median(self.with_rules):,.0f} patients/s (runs: {', '.join(f'{x:,.0f}' for x in self.with_rules)})",
                 f"  ratio {self.ratio:.2f}: {'PASS' if self.ratio >= MIN_RATIO else 'FAIL'} (bar: at least {MIN_RATIO:.2f})"]
        return "\n".join(lines)


def run_rules_bench(patients: int = 200_000, repeats: int = 3) -> RulesReport:
    """Alternate runs of the territory without and with rules; patients/s of each by CPU time."""
    from sim.engine import simulate
    from sim.scenario.loader import load_text

    scenarios = {rules: load_text(territory_yaml(patients, rules), "<bench territory>").base for rules in (False, True)}
    speeds: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for rules in (False, True):
            started = time.process_time()
            result = simulate(scenarios[rules], 0, DEFAULT_SEED)
            speeds[rules].append(result.patients / (time.process_time() - started))
    return RulesReport(patients, speeds[False], speeds[True])
