"""Upgrades can be undone: every migration in service/migrations/versions has a downgrade that does
something (not `pass`), so an operator can step back a release (deploy/README.md, "Upgrades").
tests/integration/db/test_migrations.py runs them all down to base and up again on both databases.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[3] / "service" / "migrations" / "versions"
MIGRATIONS = sorted(p for p in VERSIONS.glob("*.py") if p.name != "__init__.py")


def downgrade_problem(source: str) -> str | None:
    """Why the module's downgrade() is not a real one, or None when it is."""
    tree = ast.parse(source)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    if "upgrade" not in functions:
        return "no upgrade()"
    if "downgrade" not in functions:
        return "no downgrade()"
    body = list(functions["downgrade"].body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    meaningful = [s for s in body if not isinstance(s, ast.Pass)
                  and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not meaningful:
        return "downgrade() does nothing"
    if all(isinstance(s, ast.Raise) for s in meaningful):
        return "downgrade() only raises"
    if not any(isinstance(node, ast.Call) for s in meaningful for node in ast.walk(s)):
        return "downgrade() changes nothing (no call)"
    return None


def test_there_are_migrations():
    assert len(MIGRATIONS) >= 18


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda p: p.stem)
def test_every_migration_has_a_real_downgrade(migration):
    assert downgrade_problem(migration.read_text(encoding="utf-8")) is None, migration.name


@pytest.mark.parametrize(("source", "problem"), [
    ("def upgrade():\n    op.add_column('t', c)\n\ndef downgrade():\n    pass\n", "downgrade() does nothing"),
    ("def upgrade():\n    op.add_column('t', c)\n\ndef downgrade():\n    '''Nothing.'''\n    ...\n",
     "downgrade() does nothing"),
    ("def upgrade():\n    op.add_column('t', c)\n\ndef downgrade():\n    raise NotImplementedError\n",
     "downgrade() only raises"),
    ("def upgrade():\n    op.add_column('t', c)\n", "no downgrade()"),
    ("def upgrade():\n    op.add_column('t', c)\n\ndef downgrade():\n    x = 1\n", "downgrade() changes nothing (no call)"),
])
def test_the_check_refuses_an_empty_downgrade(source, problem):
    assert downgrade_problem(source) == problem
    real = 'def upgrade():\n    op.add_column("t", c)\n\ndef downgrade():\n    """Back."""\n    op.drop_column("t", "c")\n'
    assert downgrade_problem(real) is None
