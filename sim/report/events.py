"""What the report takes from events.parquet: actual waits and transfers over time.

The event log is in the order things happened within each (variant, replication), so a stable
sort on the patient keys gives every patient's own history in time order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim.engine.records import EVENT_KINDS
from sim.results.reader import NotAResultsFolder

PATIENT = ["variant", "replication", "stream", "patient"]
"""The columns that identify one patient of one replication of one variant."""


COLUMNS = ["patient", "stream", "variant", "replication", "step", "site", "resource", "event", "time"]
"""The columns of events.parquet."""


def read_events(path: Path, events: list[str] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of events.parquet (those whose `event` is one of `events`, if given), in log
    order; NotAResultsFolder unless it is an event log as coopsim writes it."""
    wanted = COLUMNS if columns is None else [*PATIENT, *columns, "event", "time"]
    try:
        table = pd.read_parquet(path, columns=wanted, filters=None if events is None else [("event", "in", events)])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as err:
        raise NotAResultsFolder(f"{path} cannot be read as coopsim's event log: {err}") from None
    numeric = [c for c in ("patient", "replication", "time") if c in table.columns]
    if not all(pd.api.types.is_numeric_dtype(table[c]) for c in numeric) or not set(table["event"].astype(str)) <= set(EVENT_KINDS):
        raise NotAResultsFolder(f"{path} is not an event log as coopsim writes it (columns of the wrong kind, or unknown events)")
    for name in table.columns:
        if isinstance(table[name].dtype, pd.CategoricalDtype):
            table[name] = table[name].astype(str)
    return table


def arrivals(path: Path) -> pd.DataFrame:
    """Each patient's arrival time (column `arrived`)."""
    table = read_events(path, ["arrival"], [])
    return table.drop(columns="event").rename(columns={"time": "arrived"})


PENDING = ("queue", "transfer_out", "transfer_in")
"""Events between entering a step and being served: waiting, or travelling to a partner site
that an overflow rule sent the patient to."""


def waits(path: Path, warmup: float) -> pd.DataFrame:
    """The wait of every counted patient at every step it waited at, as coopsim counts it.

    A wait runs from entering the step (its first `queue`, or the `transfer_out` of an overflow
    that sent the patient on) to its `start` (served, at whatever site) or `leave` (left
    unseen); a `start` right on entering is a wait of 0. Patients still waiting at the end have
    no wait. Columns: variant, replication, step, site (where the wait ended), wait (minutes).
    """
    table = read_events(path, [*PENDING, "start", "leave"], ["step", "site"])
    table = table.sort_values(PATIENT, kind="stable", ignore_index=True)
    previous = table.shift()
    pending = table["event"].isin(PENDING)
    # a `leave` has no step of its own (the patient frees what it holds first): it ends the wait before it
    continues = ((table[PATIENT] == previous[PATIENT]).all(axis=1) & previous["event"].isin(PENDING)
                 & ((table["step"] == previous["step"]) | (table["event"] == "leave")))
    began = table["time"].where(pending & ~continues).ffill()
    ends = (table["event"] == "start") | ((table["event"] == "leave") & continues)
    result = pd.DataFrame({
        **{k: table[k] for k in PATIENT},
        "step": table["step"].where(table["event"] == "start", previous["step"]),
        "site": table["site"],
        "wait": (table["time"] - began.shift()).where(continues, 0.0),
    })[ends]
    counted = arrivals(path)
    counted = counted[counted["arrived"] >= warmup]
    return result.merge(counted[PATIENT], on=PATIENT)[["variant", "replication", "step", "site", "wait"]]


def transfers(path: Path, warmup: float) -> pd.DataFrame:
    """Transfers of counted patients: variant, replication, route (`from>to`), time (minutes)."""
    table = read_events(path, ["arrival", "transfer_out", "transfer_in"], ["site"])
    table = table.sort_values(PATIENT, kind="stable", ignore_index=True)
    arrived = table["time"].where(table["event"] == "arrival").groupby([table[k] for k in PATIENT]).transform("first")
    following = table.shift(-1)
    same = (table[PATIENT] == following[PATIENT]).all(axis=1)
    # as the engine counts them: a move to another site, by a patient who arrived after the warm-up
    out = ((table["event"] == "transfer_out") & same & (following["event"] == "transfer_in") & (table["site"] != following["site"])
           & (arrived >= warmup))
    return pd.DataFrame({
        "variant": table["variant"], "replication": table["replication"],
        "route": table["site"] + ">" + following["site"], "time": table["time"],
    })[out].reset_index(drop=True)
