"""Imports point inward (docs: README "Layout"); a wrong import is a design change, not a fix.

- ``lti``, ``xapi`` and ``mappings`` never import ``service`` or each other, and only the
  third-party libraries they wrap;
- inside ``service``: web and cli -> operations -> models -> db; operations know no Flask;
  schemas serve only web and cli.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"service", "lti", "xapi", "mappings"}
ALLOWED = {
    "lti": {"lti", "pylti1p3", "jwt", "jwcrypto", "cryptography", "requests"},
    "xapi": {"xapi", "tincan", "requests"},
    "mappings": {"mappings", "marshmallow", "yaml"},
}


def imports(path: Path) -> list[str]:
    """Absolute module names imported by ``path`` (relative imports resolved within the package)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_adapter_and_domain_packages_import_only_what_they_wrap(package):
    wrong = [
        (path.relative_to(ROOT).as_posix(), name)
        for path in modules(package)
        for name in imports(path)
        if name.split(".")[0] not in ALLOWED[package] | {"__future__"}
        and name.split(".")[0] not in sys.stdlib_module_names
    ]
    assert wrong == []


def test_operations_know_no_flask_and_no_web_layer():
    wrong = [
        (path.name, name)
        for path in modules("service/operations")
        for name in imports(path)
        if name.split(".")[0] in {"flask", "flask_babel", "flask_wtf", "werkzeug"}
        or name.startswith(("service.web", "service.cli", "service.schemas"))
    ]
    assert wrong == []


def test_models_import_neither_operations_nor_web():
    wrong = [
        (path.name, name)
        for path in modules("service/models")
        for name in imports(path)
        if name.startswith(("service.operations", "service.web", "service.cli", "service.schemas"))
    ]
    assert wrong == []


def test_schemas_are_used_only_by_web_and_cli():
    users = {
        path.relative_to(ROOT).as_posix()
        for path in modules("service")
        for name in imports(path)
        if name.startswith("service.schemas")
    }
    assert all(u.startswith(("service/web/", "service/cli/", "service/schemas/")) for u in users), users
