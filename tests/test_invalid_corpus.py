"""Every file of tests/invalid/ is a small scenario with one defect, found where its first line says.

The first line reads ``# expect: LINE:COL [variant=NAME] PATH: MESSAGE``: some problem of the file
must be at that line and column, with that key path (``-`` for none), in that variant if
one is named, and its message must contain MESSAGE.
"""

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.loader import load_file

INVALID = Path(__file__).resolve().parent / "invalid"
FILES = sorted(INVALID.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (?:variant=(\S+) )?(\S+): (.+)$")


def expectation(path: Path) -> tuple[int, int, str | None, str, str]:
    """(line, column, variant, path, message substring) from the first line of a corpus file."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: LINE:COL [variant=NAME] PATH: MESSAGE'"
    line, column, variant, key_path, message = match.groups()
    return int(line), int(column), variant, "" if key_path == "-" else key_path, message


def test_corpus_is_large():
    assert len(FILES) >= 45


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


@pytest.mark.parametrize(
    "name", ["yaml_syntax_error", "yaml_python_tag", "variant_error", "reach_overflow_role_missing", "empty_file"]
)
def test_cli_validate_reports_without_traceback(name, capsys):
    path = INVALID / f"{name}.yaml"
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    line, column, _, _, message = expectation(path)
    assert f"{path}:{line}:{column}:" in err and message in err


def test_cli_validate_lists_problems_of_every_file(capsys):
    assert main(["validate", *map(str, FILES)]) == 2
    _, err = capsys.readouterr()
    missing = [p.name for p in FILES if f"{p}:" not in err]
    assert not missing, f"no problem printed for {missing}"
