"""Every file of tests/scenario/invalid/ is a small scenario with one defect, found where its first line says.

The first line reads ``# expect: LINE:COL [variant=NAME] PATH: MESSAGE``: some problem of the file
must be at that line and column, with that key path (``-`` for none), in that variant if
one is named, and its message must contain MESSAGE. The `hostile_*` files are the mistakes and
attacks a new user or an unlucky operator makes (typos in dotted paths, NaN, huge numbers, unsafe
names, loops with no way out, devices as data files): `coopsim validate` must answer each with exit
2, the line and key, no traceback, fast and in little memory.
"""

import re
import time
import tracemalloc
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_file
from tests.paths import INVALID

pytestmark = pytest.mark.unit

FILES = sorted(INVALID.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (?:variant=(\S+) )?(\S+): (.+)$")


def expectation(path: Path) -> tuple[int, int, str | None, str, str]:
    """(line, column, variant, path, message substring) from the first line of a corpus file."""
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: LINE:COL [variant=NAME] PATH: MESSAGE'"
    line, column, variant, key_path, message = match.groups()
    return int(line), int(column), variant, "" if key_path == "-" else key_path, message


def test_corpus_is_large():
    assert len(FILES) >= 170
    assert sum(p.name.startswith("hostile_") for p in FILES) >= 80


SECONDS = 1.0
"""Longest `coopsim validate` of one corpus file, in this process (no interpreter start)."""
MEMORY = 64 * 1024 * 1024
"""Most memory Python may allocate at once validating one corpus file."""


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_invalid_file_is_reported_where_expected(path):
    line, column, variant, key_path, message = expectation(path)
    with pytest.raises(ScenarioError) as err:
        load_file(path)
    found = [(p.line, p.column, p.variant, p.path, p.message) for p in err.value.problems]
    assert any(
        (p_line, p_column, p_variant, p_path) == (line, column, variant, key_path) and message in p_message
        for p_line, p_column, p_variant, p_path, p_message in found
    ), f"expected {line}:{column} {variant or ''} {key_path}: {message!r}, got {found}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_one_defect_gives_one_problem(path):
    with pytest.raises(ScenarioError) as err:
        load_file(path)
    assert len(err.value.problems) == 1, "\n".join(map(str, err.value.problems))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_cli_validate_answers_with_exit_2_the_line_and_the_key_fast(path, capsys):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        status = main(["validate", str(path)])
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out, err = capsys.readouterr()
    assert status == 2
    assert "Traceback" not in out + err and "internal error" not in out + err
    line, column, _, key_path, message = expectation(path)
    where = f"{path}:{line}:{column}:" if line else f"{path}:"
    assert where in err and message in err and key_path in err
    assert seconds < SECONDS * 2, f"{seconds:.2f} s (traced)"  # tracing memory at least doubles the time
    assert peak < MEMORY, f"{peak / 2**20:.0f} MiB"


def test_cli_validate_lists_problems_of_every_file(capsys):
    assert main(["validate", *map(str, FILES)]) == 2
    _, err = capsys.readouterr()
    missing = [p.name for p in FILES if f"{p}:" not in err]
    assert not missing, f"no problem printed for {missing}"
