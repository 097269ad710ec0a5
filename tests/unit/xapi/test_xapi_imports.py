"""The xapi package imports only the stdlib, tincan, requests and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import xapi

ALLOWED = {"xapi", "tincan", "requests"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_xapi_imports_nothing_of_the_service():
    for path in Path(xapi.__file__).parent.rglob("*.py"):
        for module in _imports(path):
            assert module in ALLOWED or module in sys.stdlib_module_names or \
                module == "__future__", f"{path.name} imports {module}"
