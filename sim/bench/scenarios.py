"""`coopsim bench --scenarios`: the engine's cost on every shipped scenario, for the profile note
of `docs/performance.md`: microseconds and SimPy events per patient of one replication of each
variant, in this process (imports and loading outside the clock), the median of a few runs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sim.scenario.bundled import bundled


@dataclass(frozen=True)
class Cost:
    """One replication of one variant of a shipped scenario."""

    scenario: str
    variant: str
    patients: int
    events: int
    seconds: float
    """Median wall time of `simulate` (building, running, statistics)."""

    @property
    def us_per_patient(self) -> float:
        """Microseconds of `simulate` per patient created."""
        return 1e6 * self.seconds / max(self.patients, 1)

    @property
    def events_per_patient(self) -> float:
        """SimPy events scheduled per patient created."""
        return self.events / max(self.patients, 1)


def scenario_costs(repeats: int = 3, variants: bool = False) -> list[Cost]:
    """Replication 0 of each shipped scenario's baseline (and, with `variants`, of every variant)."""
    from sim.engine import simulate
    from sim.scenario.loader import load_file

    costs = []
    for path in bundled():
        loaded = load_file(path)
        for name in loaded.names if variants else [loaded.baseline]:
            scenario = loaded.variant(name).scenario
            times, result = [], None
            for _ in range(repeats):
                start = time.perf_counter()
                result = simulate(scenario, 0, scenario.run.seed)
                times.append(time.perf_counter() - start)
            costs.append(Cost(path.stem, name, result.patients, result.events, statistics.median(times)))
    return costs


def format_costs(costs: list[Cost]) -> str:
    """The costs as a Markdown table."""
    lines = ["| scenario | variant | patients | events/patient | us/patient | seconds |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {c.scenario} | {c.variant} | {c.patients:,} | {c.events_per_patient:.2f} | {c.us_per_patient:.1f} | {c.seconds:.3f} |"
              for c in costs]
    return "\n".join(lines)
