"""Model against observation for scenarios/nord_covid_wave2.yaml: COVID census of Nord on given dates.

Reads a results folder of `coopsim run scenarios/nord_covid_wave2.yaml --out DIR` and prints a
markdown table: date, what is counted, observed (calibration C2, Santé publique France data as
reported by France 3), model mean [p5-p95] across replications.

The model census on a date is the number of busy beds at noon of that date (the `occupancy.csv`
hour starting at 12:00), summed over the Nord sites: `icu_bed` for the ICU census, `icu_bed` and
`covid_bed` for all COVID inpatients (SPF's "hospitalised" count includes patients in ICU). Sites
outside Nord (Boulogne, Montreuil: Pas-de-Calais; Amiens: Somme) are left out, as SPF counts
patients by the département of the hospital. Patients waiting for an ICU bed hold no bed in the
model and are not counted.

The interval: `occupancy.csv` gives the 5th and 95th percentiles across replications site by site,
not of the Nord total. If the folder holds `events.parquet` (`coopsim run --events`), the total is
counted replication by replication and its percentiles are exact. Otherwise the band of the total
is approximate, marked "~": within a site the ward and ICU half-bands add up (the same patients
move from one to the other), and the sites' half-bands add in quadrature, as if the sites varied
independently (true of the baseline, where no patient moves between sites). On a 10-replication
run with events this came within about 10 beds of the exact band.

Usage: python scenarios/data/compare_nord_observed.py RESULTS_DIR [--variants a,b]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import yaml

NORD_SITES = ("chu", "roubaix", "tourcoing", "valenciennes", "rest_nord", "clinics_metropole", "clinics_hainaut")
"""Sites of the scenario that lie in the Nord département."""

OBSERVED = [  # calibration.md C2 (France 3, from SPF data)
    ("2020-10-23", "ICU", 161),
    ("2020-10-25", "ICU", 174),
    ("2020-10-23", "all COVID inpatients", 924),
    ("2020-10-25", "all COVID inpatients", 1013),
    ("2020-10-30", "all COVID inpatients", 1396),
]
ROLES = {"ICU": ("icu_bed",), "all COVID inpatients": ("icu_bed", "covid_bed")}
NOON = 12


def run_settings(folder: Path, variant: str) -> tuple[dt.date, float]:
    """Calendar date of time 0 and warm-up in hours, from the resolved scenario."""
    resolved = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    run = resolved["variants"][variant]["run"]
    start = run["start"] if isinstance(run["start"], dt.date) else dt.date.fromisoformat(str(run["start"]))
    return start, duration_hours(str(run.get("warmup", "0min")))


def duration_hours(text: str) -> float:
    """Hours in a coopsim duration such as `30d`, `12h` or `90min`."""
    for unit, hours in (("min", 1 / 60), ("d", 24.0), ("w", 168.0), ("h", 1.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * hours
    raise ValueError(f"not a duration: {text}")


def resources(roles: tuple[str, ...]) -> list[str]:
    return [f"{site}.{role}" for site in NORD_SITES for role in roles]


def from_occupancy(occupancy: pd.DataFrame, names: list[str], hour: int) -> tuple[float, float, float]:
    """Mean and approximate p5/p95 of the total busy beds at `hour`: within a site the ward and ICU
    bands add up (the same patients move between them), across sites they add in quadrature."""
    rows = occupancy[(occupancy.hour == hour) & occupancy.resource.isin(names)]
    rows = rows.assign(site=rows.resource.str.split(".").str[0], p5=rows.occupancy_p5 * rows.capacity_mean,
                       p95=rows.occupancy_p95 * rows.capacity_mean)
    sites = rows.groupby("site")[["busy_mean", "p5", "p95"]].sum()
    mean = float(sites.busy_mean.sum())
    low = math.sqrt(float(((sites.busy_mean - sites.p5) ** 2).sum()))
    high = math.sqrt(float(((sites.p95 - sites.busy_mean) ** 2).sum()))
    return mean, mean - low, mean + high


def from_events(events: pd.DataFrame, names: list[str], minute: float) -> tuple[float, float, float]:
    """Mean, p5 and p95 across replications of the busy beds at `minute` (exact)."""
    held = events[events.resource.isin(names) & (events.time <= minute) & events.event.isin(["start", "end"])]
    per_rep = held.assign(step=held.event.map({"start": 1, "end": -1})).groupby("replication").step.sum()
    per_rep = per_rep.reindex(sorted(events.replication.unique()), fill_value=0)
    return float(per_rep.mean()), float(per_rep.quantile(0.05)), float(per_rep.quantile(0.95))


def model_cell(folder: Path, variant: str, date: str, what: str, events: pd.DataFrame | None,
               occupancy: pd.DataFrame) -> str:
    """'mean [p5-p95]' of the model census of `what` on `date` in `variant`."""
    start, warmup_hours = run_settings(folder, variant)
    hours_from_start = (dt.date.fromisoformat(date) - start).days * 24 + NOON
    names = resources(ROLES[what])
    if events is not None:
        mean, low, high = from_events(events[events.variant == variant], names, hours_from_start * 60.0)
        return f"{mean:,.0f} [{low:,.0f}-{high:,.0f}]"
    mean, low, high = from_occupancy(occupancy[occupancy.variant == variant], names, int(hours_from_start - warmup_hours))
    return f"{mean:,.0f} ~[{low:,.0f}-{high:,.0f}]"


def table(folder: Path, variants: list[str]) -> str:
    """The markdown table: one row per observation, one model column per variant."""
    occupancy = pd.read_csv(folder / "occupancy.csv")
    events = None
    if (folder / "events.parquet").exists():
        events = pd.read_parquet(folder / "events.parquet", columns=["variant", "replication", "resource", "event", "time"])
    head = "| date | census | observed | " + " | ".join(f"model `{v}` mean [p5-p95]" for v in variants) + " |"
    lines = [head, "|---|---|---:|" + "---:|" * len(variants)]
    for date, what, observed in OBSERVED:
        cells = [model_cell(folder, v, date, what, events, occupancy) for v in variants]
        lines.append(f"| {date} | {what} | {observed:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="results folder of nord_covid_wave2")
    parser.add_argument("--variants", help="comma-separated variants (default: the baseline and "
                        "reference_no_icu_limit when the folder has it)")
    args = parser.parse_args()
    manifest = json.loads((args.results / "manifest.json").read_text(encoding="utf-8"))
    if args.variants:
        variants = args.variants.split(",")
    else:
        variants = [manifest["baseline"]] + [v for v in ("reference_no_icu_limit",) if v in manifest["variants"]]
    print(f"Nord COVID census: observed (calibration C2) against the model "
          f"({manifest['replications']} replications; busy beds at noon)\n")
    print(table(args.results, variants))


if __name__ == "__main__":
    main()
