"""The house rules, checked on every run of the suite: ruff is clean, imports keep the layers
(import-linter's contracts in pyproject.toml), `__init__.py` files only re-export, and the docs
refer to no file outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.unit


def test_ruff_is_clean() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_imports_keep_the_layers_and_make_no_circle() -> None:
    script = ("from importlinter.cli import lint_imports; "
              "raise SystemExit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "sim").rglob("__init__.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_init_modules_only_re_export(path) -> None:
    """A package's __init__.py holds its docstring, imports and __all__, nothing else."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for k, node in enumerate(tree.body):
        docstring = k == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        exported = isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
        assert docstring or exported or isinstance(node, (ast.Import, ast.ImportFrom)), f"{path}: line {node.lineno}"


@pytest.mark.parametrize("path", sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]), ids=lambda p: p.name)
def test_the_docs_refer_to_no_file_outside_the_repository(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"SPEC\.md|\.\./shared|shared/(seeds|data|SPEC)", text), path.name
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):  # relative Markdown links
        assert (path.parent / target).exists(), f"{path.name} links to {target}, which is not in the repository"
