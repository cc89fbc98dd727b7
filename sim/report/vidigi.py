"""events.parquet in the layout of the vidigi animation package.

vidigi (HSMA, https://hsma-tools.github.io/vidigi/) animates an event log with the columns
`entity_id`, `event_type` (`arrival_departure`, `queue`, `resource_use`, `resource_use_end`),
`event`, `time`, `resource_id`, `run_number` and `pathway`; every entity needs an `arrival` and a
`depart`. Our log has no identity for the unit a patient holds (which box, which bed), so it is
rebuilt here by replaying each resource's starts and ends in time order (see `units`). Column
by column: docs/report.md.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.records import PATIENT_EVENTS
from sim.report.data import load
from sim.report.events import read_events
from sim.results import NotAResultsFolder

COLUMNS = ["entity_id", "event_type", "event", "time", "resource_id", "run_number", "pathway",
           "variant", "stream", "patient", "site", "resource", "coopsim_event"]
"""vidigi's columns, then ours to trace a row back to events.parquet."""

TYPES = {"arrival": "arrival_departure", "depart": "arrival_departure", "leave": "arrival_departure", "end_of_run": "arrival_departure",
         "queue": "queue", "booked": "queue", "appointment": "queue", "transfer_out": "queue", "transfer_in": "queue",
         "blocked": "queue", "start": "resource_use", "end": "resource_use_end"}
"""vidigi's event_type of each of our events (`end_of_run`: the depart added for a patient still inside)."""
NAMES = {"arrival": "arrival", "depart": "depart", "leave": "depart", "end_of_run": "depart"}
"""vidigi's event for arrivals and departures; the others are named after their step: STEP + SUFFIXES[event]."""
SUFFIXES = {"queue": "_wait_begins", "start": "_begins", "end": "_complete", "booked": "_booked", "appointment": "_appointment",
            "transfer_out": "_transport", "transfer_in": "_transferred", "blocked": "_blocked"}


def units(groups: np.ndarray, holders: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The unit number (1, 2, ...) of each start and end of a resource, the rows in time order
    within each group (a resource of one replication of one variant), ends before starts at the
    same instant so that a unit freed is taken again at once.

    A start takes the lowest free unit; an end frees the unit its holder took last (units held
    by one patient are freed last in, first out, as the engine does). An end met before its
    holder's start at the same instant (a hold of zero duration) frees the unit as soon as it is
    taken. So no two holders have a unit at once and no unit number exceeds the peak busy.
    """
    found = np.zeros(len(groups), dtype=np.int64)
    free: list[int] = []
    held: dict[int, list[int]] = defaultdict(list)
    early: dict[int, list[int]] = defaultdict(list)
    issued, current = 0, None
    for row, (group, holder, start) in enumerate(zip(groups.tolist(), holders.tolist(), starts.tolist())):
        if group != current:
            free, issued, current = [], 0, group
            held.clear()
            early.clear()
        if not start:
            if held[holder]:
                found[row] = held[holder].pop()
                heapq.heappush(free, int(found[row]))
            else:
                early[holder].append(row)
            continue
        if free:
            found[row] = heapq.heappop(free)
        else:
            issued += 1
            found[row] = issued
        if early[holder]:
            found[early[holder].pop(0)] = found[row]
            heapq.heappush(free, int(found[row]))
        else:
            held[holder].append(int(found[row]))
    return found


def vidigi_log(folder: Path) -> pd.DataFrame:
    """The event log of a results folder in vidigi's layout, one row per event, with a `depart`
    at the end of the run for patients still inside then."""
    results = load(folder)
    if results.events_path is None:
        raise NotAResultsFolder(f"{folder} has no events.parquet: rerun the scenario with --events to export events")
    log = read_events(results.events_path, list(PATIENT_EVENTS))  # a rule's switches concern no patient
    for name in ("stream", "variant", "step", "site", "resource", "event"):
        log[name] = log[name].astype(str)
    log["entity_id"] = log.groupby(["variant", "replication", "stream", "patient"], sort=False).ngroup()
    log["resource_id"] = pd.array([pd.NA] * len(log), dtype="Int64")
    use = log.index[log["event"].isin(["start", "end"])]
    held = log.loc[use]
    groups = held.groupby(["variant", "replication", "resource"], sort=False).ngroup().to_numpy()
    order = np.lexsort((held["event"].to_numpy() == "start", held["time"].to_numpy(), groups))
    log.loc[use[order], "resource_id"] = units(groups[order], held["entity_id"].to_numpy()[order], (held["event"].to_numpy() == "start")[order])
    # an end freed on leaving or departing has no step of its own: it is the step that took the unit
    starts = log[log["event"] == "start"].set_index(["entity_id", "resource", "resource_id"])["step"]
    unnamed = log.index[(log["event"] == "end") & (log["step"] == "")]
    keys = pd.MultiIndex.from_frame(log.loc[unnamed, ["entity_id", "resource", "resource_id"]])
    log.loc[unnamed, "step"] = starts[~starts.index.duplicated(keep="last")].reindex(keys).to_numpy()
    gone = log.loc[log["event"].isin(["depart", "leave"]), "entity_id"]
    inside = log[(log["event"] == "arrival") & ~log["entity_id"].isin(gone)].copy()
    ends = {v: s.run.warmup + s.run.horizon for v, s in results.scenarios.items()}
    inside = inside.assign(event="end_of_run", time=inside["variant"].map(ends), step="")
    log = pd.concat([log, inside], ignore_index=True).sort_values(["variant", "replication", "time"], kind="stable", ignore_index=True)
    fixed = log["event"].map(NAMES)
    return pd.DataFrame({
        "entity_id": log["entity_id"],
        "event_type": log["event"].map(TYPES),
        "event": fixed.where(fixed.notna(), log["step"] + log["event"].map(SUFFIXES)),
        "time": log["time"],
        "resource_id": log["resource_id"],
        "run_number": log["replication"],
        "pathway": log["stream"],
        "variant": log["variant"],
        "stream": log["stream"],
        "patient": log["patient"],
        "site": log["site"],
        "resource": log["resource"].replace("", pd.NA),
        "coopsim_event": log["event"],
    })[COLUMNS]


def export_vidigi(results_dir: Path, out: Path | None = None) -> Path:
    """Write the vidigi event log of a results folder: CSV, or Parquet when `out` ends in .parquet.
    Default: events_vidigi.csv in the results folder. Returns the path written."""
    folder = Path(results_dir)
    target = Path(out) if out is not None else folder / "events_vidigi.csv"
    log = vidigi_log(folder)
    if target.suffix == ".parquet":
        log.to_parquet(target, index=False)
    else:
        log.to_csv(target, index=False)
    return target
