"""What the page does, apart from drawing it: read a scenario (bundled or uploaded, through the
same safe loader as the command line), check a what-if, bound and run it into the session's own
folder, and read the results back. Nothing here imports Streamlit, so it is tested directly.
"""

from __future__ import annotations

import hashlib
import io
import math
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from sim.app.whatif import WHAT_IF, Edits, what_if_text
from sim.experiment.run import RunOptions, execute, plan_of
from sim.experiment.sensitivity import SensitivityOptions, one_at_a_time
from sim.experiment.target import Candidate, Search, TargetOptions, search
from sim.experiment.tasks import Task
from sim.results.reader import read_manifest, read_rows
from sim.scenario.bundled import bundled
from sim.scenario.checks.sizes import expected_patients
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import LoadedScenario, load_text

MAX_UPLOAD_BYTES = 1024 * 1024
"""The largest scenario file a planner may upload (a shipped scenario is under 40 KiB)."""
MAX_WORK = 20_000_000
"""The most patients a run of the page may simulate, over all its variants and replications
(about a minute on two cores): beyond, the page says so and runs nothing."""
MAX_REPLICATIONS = 200
"""The most replications the page offers."""


@dataclass(frozen=True)
class Source:
    """A scenario's text, the name it is shown under, and the folder its data files are read from."""

    name: str
    text: str
    folder: Path
    """The bundle of a shipped scenario; for an upload, an empty folder of the session's (it has no data files)."""


@dataclass
class Session:
    """One visitor's work: their own folder, and the runs they made, in order. The folder is the
    session's alone and goes with it (removed when the session is forgotten)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="coopsim-app-")))
    runs: list[Run] = field(default_factory=list)

    def __post_init__(self) -> None:
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Run:
    """A finished run of the page: what it ran and where its results folder is."""

    label: str
    scenario: str
    variants: tuple[str, ...]
    replications: int
    folder: Path
    text: str
    """The scenario file with the what-if, as run (the download)."""


def zipped(folder: Path) -> bytes:
    """A results folder as a zip archive (its files, under the folder's name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


def find_capacity(session: Session, source: Source, loaded: LoadedScenario, lever: str, low: int, high: int, replications: int,
                  workers: int, scheduler: str | None = None, on_step: Callable[[Candidate], None] | None = None) -> Search:
    """The smallest value of a capacity, from `low` to `high`, with which the what-if meets every
    target that has a level, with 95 % confidence (`coopsim target`); ValueError beyond MAX_WORK."""
    candidates = math.ceil(math.log2(max(high - low, 1))) + 2
    bounded(work(loaded, (WHAT_IF,), replications) * 4 * candidates,  # the search may take a candidate to 4 x the replications
            "this search", "fewer replications or a narrower range", "coopsim target")
    out = session.folder / f"target{len(list(session.folder.glob('target*'))) + 1}"
    options = TargetOptions(lever=lever, low=low, high=high, variant=WHAT_IF, replications=replications, workers=workers,
                            scheduler=scheduler, out=out, force=True, command=["coopsim", "app"])
    return search(source.folder / source.name, options, on_step=on_step, base=loaded, confined=True)


def sensitivity(session: Session, source: Source, loaded: LoadedScenario, replications: int, workers: int,
                scheduler: str | None = None, on_done: Callable[[Task], None] | None = None) -> Path:
    """The what-if with each uncertain input at its low and its high end, one at a time, on the
    same random patients (`coopsim sensitivity`): its results folder; ValueError beyond MAX_WORK."""
    inputs = len(loaded.base.uncertain)
    bounded(work(loaded, (WHAT_IF,), replications) * (1 + 2 * inputs), "this study", "fewer replications", "coopsim sensitivity")
    out = session.folder / f"sensitivity{len(list(session.folder.glob('sensitivity*'))) + 1}"
    options = SensitivityOptions(variant=WHAT_IF, replications=replications, workers=workers, scheduler=scheduler, out=out, force=True,
                                 command=["coopsim", "app"])
    return one_at_a_time(source.folder / source.name, options, on_done=on_done, base=loaded, confined=True).folder


def occupancy(folder: Path) -> dict[tuple[str, str], tuple[list[int], list[float]]]:
    """Each variant's daily mean occupancy of each resource in a results folder (the mean of its
    hours of each day of the measured period, from occupancy.csv): (days, shares)."""
    manifest = read_manifest(folder)
    sums: dict[tuple[str, str], dict[int, list[float]]] = {}
    for row in read_rows(folder, "occupancy.csv", manifest, ["variant", "resource", "hour", "occupancy_mean"]):
        if row["occupancy_mean"] != "":
            day = sums.setdefault((row["variant"], row["resource"]), {}).setdefault(int(row["hour"]) // 24, [0.0, 0])
            day[0] += float(row["occupancy_mean"])
            day[1] += 1
    return {key: (sorted(days), [days[d][0] / days[d][1] for d in sorted(days)]) for key, days in sums.items()}


def shipped() -> dict[str, Path]:
    """The bundled scenarios by name."""
    return {path.stem: path for path in bundled()}


def bundled_source(name: str) -> Source:
    """A shipped scenario's text and bundle."""
    path = shipped()[name]
    return Source(name, path.read_text(encoding="utf-8"), path.parent)


def uploaded_source(name: str, data: bytes, session: Session) -> Source:
    """An uploaded scenario: at most MAX_UPLOAD_BYTES of UTF-8 text; ScenarioError otherwise. Only
    the file name's last part is kept (a name such as `../x.yaml` must not lead out of its folder)."""
    name = PurePath(name.replace("\\", "/")).name or "scenario.yaml"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError([Problem(name, 0, 0, "", f"the file is {len(data):,} bytes: the page accepts scenarios of at most "
                                                      f"{MAX_UPLOAD_BYTES:,} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError([Problem(name, 0, 0, "", f"not UTF-8 text (byte {err.start})")]) from None
    folder = session.folder / "upload" / hashlib.sha256(data).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return Source(name, text, folder)


def load(source: Source) -> LoadedScenario:
    """The scenario validated as the command line validates it; data files only from its own folder."""
    return load_text(source.text, source.name, base_dir=source.folder, confined=True)


def check(source: Source, loaded: LoadedScenario, variant: str, edits: Edits) -> tuple[str, LoadedScenario | None, list[Problem]]:
    """The scenario file with the what-if, its validation, and its problems (none when it loads)."""
    text = what_if_text(source.text, loaded, variant, edits)
    try:
        return text, load(Source(source.name, text, source.folder)), []
    except ScenarioError as err:
        return text, None, list(err.problems)


def work(loaded: LoadedScenario, variants: tuple[str, ...], replications: int) -> float:
    """The patients a run would simulate: the expected arrivals of each variant, times the replications."""
    total = 0.0
    for name in variants:
        scenario = loaded.variant(name).scenario
        end = scenario.run.warmup + scenario.run.horizon
        total += sum(expected_patients(arrival, end) for arrival in scenario.arrivals)
    return total * replications


def bounded(patients: float, what: str, fewer: str, command: str) -> None:
    """ValueError, saying what to do instead, when work would simulate more than MAX_WORK patients."""
    if patients > MAX_WORK:
        raise ValueError(f"{what} would simulate about {patients:,.0f} patients: the page runs at most {MAX_WORK:,}; use {fewer}, "
                         f"or the command line ({command})")


def run(session: Session, source: Source, text: str, loaded: LoadedScenario, replications: int, workers: int,
        scheduler: str | None = None, on_done: Callable[[Task], None] | None = None) -> Run:
    """Run the baseline and the what-if into a new folder of the session; ValueError beyond MAX_WORK."""
    variants = tuple(dict.fromkeys((loaded.baseline, WHAT_IF)))
    bounded(work(loaded, variants, replications), f"this run ({replications} replications of {len(variants)} variants)",
            "fewer replications", "coopsim run")
    out = session.folder / f"run{len(session.runs) + 1}"
    options = RunOptions(replications=replications, variants=variants, workers=workers, scheduler=scheduler, force=True,
                         command=["coopsim", "app"])
    folder = execute(plan_of(loaded, options, out), options, on_done)
    found = Run(f"#{len(session.runs) + 1} {source.name}", source.name, variants, replications, folder, text)
    session.runs.append(found)
    return found
