"""The idiomatic SimPy script a modeller writes for the reference model, run as a whole program:
simulate (`sim.bench.idiomatic.run`, unchanged) and write the mean wait at each step to a CSV.

`python -m sim.bench.script PATIENTS SEED OUT.csv` is the yardstick of `coopsim bench --whole`,
which times it against `coopsim run` on the same model, each as a fresh process.
"""

from __future__ import annotations

import csv
import statistics
import sys

from sim.bench import idiomatic


def main(patients: int, seed: int, out: str) -> None:
    """Run the idiomatic model and write one row per named wait: step, patients, mean wait (minutes)."""
    result = idiomatic.run(patients, seed)
    with open(out, "w", newline="", encoding="utf-8") as file:
        table = csv.writer(file, lineterminator="\n")
        table.writerow(["step", "patients", "mean_wait_min"])
        for step, waits in result.waits.items():
            table.writerow([step, len(waits), statistics.fmean(waits) if waits else ""])


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
