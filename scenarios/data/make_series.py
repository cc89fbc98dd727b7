"""Derive the daily admission series read by the COVID scenarios from Santé publique France data.

Input (copied into the repository, see source/LICENCE.md):
  source/covid_admissions_nord_pas_de_calais_2020.csv
      date, department, new_hospital_admissions, new_icu_admissions (SPF, by declaration date)

Output (columns `day,per_day`, day 0 = 1 September 2020 = time 0 of the scenarios):
  covid_nord_hospital_wave2.csv      Nord (59): every new COVID hospital admission
  covid_nord_icu_wave2.csv           Nord: admissions that go to intensive care (SPF ICU admissions)
  covid_nord_ward_wave2.csv          Nord: admissions that never go to ICU (hospital minus ICU)
  covid_valenciennes_icu_wave2.csv   CH Valenciennes' share of the Nord ICU series
  covid_valenciennes_ward_wave2.csv  CH Valenciennes' share of the Nord ward-only series

Method:
  1. Nord rows, one per calendar day (the file has no gaps; checked).
  2. A centred 7-day mean (day d uses d-3 .. d+3) removes the declaration-date artefact of
     calibration C9 (Sundays 0.4-0.55 x the mean, Tuesdays/Wednesdays 1.25-1.35 x) without
     shifting the wave in time.
  3. Ward-only admissions = smoothed hospital admissions - smoothed ICU admissions (floored at 0):
     SPF counts an ICU patient once as a new hospital admission and once as a new ICU admission.
  4. Valenciennes share (calibration C2, C13; Type D): CH Valenciennes had 112 COVID inpatients on
     27 Oct 2020 (C13). Nord had 1,013 on 25 Oct and 1,396 on 30 Oct (C2); linear interpolation gives
     1,166.2 on 27 Oct, so CHV held 112 / 1,166.2 = 9.6 % of Nord's COVID inpatients. The CHV series
     are the Nord series times this share. (calibration.md's scenario 4 suggests "about 15 %", which
     does not match these two figures: 15 % of Nord would be 175 patients at CHV on 27 Oct.)

The series run from 1 Sep to 28 Dec 2020 (119 days): 28 Dec is the last day whose centred window
lies inside the data (which end on 31 Dec). Values are written with 4 decimals, so the output is
the same bytes on every platform.

Usage: python scenarios/data/make_series.py [--out DIR]   (default: this script's folder)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source" / "covid_admissions_nord_pas_de_calais_2020.csv"

START = dt.date(2020, 9, 1)   # time 0 of the COVID scenarios
END = dt.date(2020, 12, 28)   # last day written (inclusive)
WINDOW = 7                    # centred moving mean (calibration C9)
NORD = "59"

# Valenciennes share of Nord COVID inpatients (C2, C13): 112 on 27 Oct over Nord interpolated on 27 Oct.
CHV_INPATIENTS_27_OCT = 112.0
NORD_25_OCT, NORD_30_OCT = 1013.0, 1396.0
NORD_27_OCT = NORD_25_OCT + (NORD_30_OCT - NORD_25_OCT) * 2.0 / 5.0
VALENCIENNES_SHARE = CHV_INPATIENTS_27_OCT / NORD_27_OCT


def read_nord(path: Path = SOURCE) -> tuple[list[dt.date], list[int], list[int]]:
    """Dates, hospital admissions and ICU admissions of Nord, one row per consecutive day."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["department"] == NORD]
    dates = [dt.date.fromisoformat(r["date"]) for r in rows]
    if any((b - a).days != 1 for a, b in zip(dates, dates[1:])):
        raise ValueError("the Nord series has missing or repeated days")
    return dates, [int(r["new_hospital_admissions"]) for r in rows], [int(r["new_icu_admissions"]) for r in rows]


def centred_mean(values: list[int], index: int, window: int = WINDOW) -> float:
    """Mean of `values` over the window centred on `index` (which must lie wholly inside)."""
    half = window // 2
    if index - half < 0 or index + half >= len(values):
        raise ValueError("the centred window runs past the data")
    return sum(values[index - half : index + half + 1]) / window


def series() -> dict[str, list[float]]:
    """Every derived series, by output file name, from START to END."""
    dates, hospital, icu = read_nord()
    first = dates.index(START)
    days = (END - START).days + 1
    nord_hospital = [centred_mean(hospital, first + k) for k in range(days)]
    nord_icu = [centred_mean(icu, first + k) for k in range(days)]
    nord_ward = [max(h - i, 0.0) for h, i in zip(nord_hospital, nord_icu)]
    return {
        "covid_nord_hospital_wave2.csv": nord_hospital,
        "covid_nord_icu_wave2.csv": nord_icu,
        "covid_nord_ward_wave2.csv": nord_ward,
        "covid_valenciennes_icu_wave2.csv": [VALENCIENNES_SHARE * x for x in nord_icu],
        "covid_valenciennes_ward_wave2.csv": [VALENCIENNES_SHARE * x for x in nord_ward],
    }


def write(out: Path) -> list[Path]:
    """Write every series into `out`; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, values in series().items():
        path = out / name
        with path.open("w", newline="", encoding="utf-8") as f:
            f.write("day,per_day\n")
            for day, value in enumerate(values):
                f.write(f"{day},{value:.4f}\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the series into")
    args = parser.parse_args()
    for path in write(args.out):
        print(path)
    print(f"Valenciennes share of Nord COVID inpatients: {VALENCIENNES_SHARE:.4f} "
          f"(112 / {NORD_27_OCT:.1f} on 27 Oct 2020)")


if __name__ == "__main__":
    main()
