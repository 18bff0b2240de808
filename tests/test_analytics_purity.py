"""app/analytics stays pure: pandas and numpy only, and every public function states its formula in a docstring."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # reads source files only

PACKAGE = Path(__file__).resolve().parents[1] / "app" / "analytics"
ALLOWED = {"numpy", "pandas", "math", "warnings", "dataclasses", "datetime", "decimal", "app"}
MODULES = sorted(PACKAGE.glob("*.py"))


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_flask_database_or_network(path):
    tree = ast.parse(path.read_text())
    for name in _imports(tree):
        assert name.split(".")[0] in ALLOWED, f"{path.name} imports {name}"
        if name.startswith("app"):
            assert name.startswith("app.analytics"), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_public_function_has_a_docstring_and_modules_stay_small(path):
    text = path.read_text()
    assert len(text.splitlines()) < 400
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{path.name}: {node.name} has no docstring"
