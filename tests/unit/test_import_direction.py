"""Imports point inward (STYLE.md "Layout", README "Layout"); a wrong import is a design change, not a fix.

- ``lti``, ``xapi`` and ``mappings`` never import ``service`` or each other, and only the
  third-party libraries they wrap;
- inside ``service``: web and cli -> operations and jobs -> models -> db. Operations know no
  Flask and never call a job; jobs know no web or cli; web and cli never build a query;
  the cli does not reach into web; schemas serve only web and cli;
- the composition root: only ``service/__init__.py`` wires web and cli together, and the
  database-backed LTI stores are built only by ``service/lti_tool.py``;
- no function-local imports to dodge a cycle (the few allowed ones are listed with a reason).

Every import form counts: ``import a.b``, ``from a import b`` (as ``a.b``, so ``from service
import models`` is ``service.models`` and ``from sqlalchemy import select`` is
``sqlalchemy.select``), relative imports resolved, and imports inside functions.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "lti": {"lti", "pylti1p3", "jwt", "jwcrypto", "cryptography", "requests"},
    "xapi": {"xapi", "tincan", "requests"},
    "mappings": {"mappings", "marshmallow", "yaml"},
}
FLASK = ("flask", "flask_babel", "flask_wtf", "werkzeug", "wtforms", "itsdangerous")
#: what building or running a query takes; web and cli call operations instead
QUERY_CONSTRUCTS = tuple(f"sqlalchemy.{name}" for name in (
    "select", "update", "delete", "insert", "func", "text", "and_", "or_", "exists", "join", "outerjoin",
    "union", "literal", "cast", "orm.Query", "orm.aliased", "orm.selectinload", "orm.joinedload",
))

#: function-local imports that are not cycle dodges, each with its reason
LOCAL_IMPORTS_ALLOWED = {
    # the composition root: create_app imports the web and cli layers it wires, so importing
    # ``service`` (for a model or an operation) never loads Flask blueprints
    "service/__init__.py",
    # commands register lazily, and ``main`` builds the app the commands run in
    "service/cli/__init__.py",
    # lti1p3platform is an optional development dependency: import it only when the demo LMS runs
    "service/web/demo_lms/platform.py",
    "service/web/demo_lms/__init__.py",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path = ROOT) -> list[tuple[str, int, bool]]:
    """(dotted name, line, inside a function) for every import in ``path``, in every form."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.extend((f"{base}.{alias.name}" if alias.name != "*" else base, child.lineno, in_function)
                             for alias in child.names)
            visit(child, nested)

    visit(tree, False)
    return found


def under(name: str, *prefixes: str) -> bool:
    """True when ``name`` is one of ``prefixes`` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class Rule:
    """Modules under ``sources`` (minus ``exempt``) import nothing ``forbidden`` says."""

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()
    example: str = ""  # a bad import and a module path it may appear in, for the rule's own test


RULES = [
    Rule("operations know no Flask and no web, cli, schemas or jobs", ("service/operations",),
         ("service.web", "service.cli", "service.schemas", "service.jobs", "service.lti_tool", *FLASK),
         example="service/operations/x.py: from service.jobs import forward"),
    Rule("jobs know no Flask and no web, cli or schemas", ("service/jobs",),
         ("service.web", "service.cli", "service.schemas", *FLASK),
         example="service/jobs/x.py: from service.web import current_db"),
    Rule("models import neither operations, jobs nor web", ("service/models",),
         ("service.operations", "service.jobs", "service.web", "service.cli", "service.schemas", "service.lti_tool",
          *FLASK),
         example="service/models/x.py: from service import operations"),
    Rule("web and cli never build a query", ("service/web", "service/cli"), QUERY_CONSTRUCTS,
         example="service/web/x.py: from sqlalchemy import select"),
    Rule("web and cli never reach the database engine or sessions but through operations",
         ("service/web", "service/cli"),
         ("service.db.make_engine", "service.db.Session", "sqlalchemy.orm.sessionmaker", "sqlalchemy.create_engine"),
         example="service/cli/x.py: from service.db import make_engine"),
    Rule("the cli does not reach into web", ("service/cli",), ("service.web",),
         example="service/cli/x.py: import service.web.lti"),
    Rule("web does not reach into the cli", ("service/web",), ("service.cli",),
         example="service/web/x.py: from service.cli.common import now"),
    Rule("the database-backed LTI stores are built only by the composition root",
         ("service",), ("service.lti_stores",), exempt=("service/lti_tool.py", "service/lti_stores.py"),
         example="service/web/x.py: from service.lti_stores import DbLaunchStateStore"),
    Rule("the composition root and the LTI stores know no web, cli or jobs",
         ("service/lti_tool.py", "service/lti_stores.py", "service/config.py", "service/db.py"),
         ("service.web", "service.cli", "service.jobs", "service.schemas", *FLASK),
         example="service/lti_tool.py: from service.web import tool"),
    Rule("only the app factory wires web and cli", ("service",), ("service.web", "service.cli"),
         exempt=("service/__init__.py", "service/web", "service/cli"),
         example="service/operations/x.py: from service import web"),
    Rule("schemas serve only web and cli", ("service",), ("service.schemas",),
         exempt=("service/web", "service/cli", "service/schemas"),
         example="service/jobs/x.py: from service.schemas.answers import SaveAnswerArgs"),
    *[
        Rule(f"{package} imports only what it wraps", (package,), (), example="")
        for package in sorted(ALLOWED)
    ],
]


def files(rule: Rule, root: Path) -> list[Path]:
    found = []
    for source in rule.sources:
        target = root / source
        if target.suffix == ".py":
            found.extend([target] if target.exists() else [])
        else:
            found.extend(sorted(target.rglob("*.py")))
    return [p for p in found
            if not any(p.relative_to(root).as_posix() == e or p.relative_to(root).as_posix().startswith(e + "/")
                       for e in rule.exempt)]


def violations(rule: Rule, root: Path = ROOT) -> list[tuple[str, int, str]]:
    wrong = []
    for path in files(rule, root):
        for name, line, _local in imported_names(path, root):
            package = rule.sources[0] if rule.sources[0] in ALLOWED else None
            if package is not None:
                top = name.split(".")[0]
                bad = top not in ALLOWED[package] | {"__future__"} and top not in sys.stdlib_module_names
            else:
                bad = under(name, *rule.forbidden)
            if bad:
                wrong.append((path.relative_to(root).as_posix(), line, name))
    return wrong


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_imports_point_inward(rule):
    assert violations(rule) == []


def test_no_function_local_imports_to_dodge_cycles():
    wrong = [
        (path.relative_to(ROOT).as_posix(), line, name)
        for path in sorted((ROOT / "service").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in LOCAL_IMPORTS_ALLOWED
        for name, line, local in imported_names(path)
        if local
    ]
    assert wrong == []


# --- each rule catches what it is there for ---------------------------------------------------


def _plant(tmp_path: Path, where: str, source: str) -> Path:
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("rule", [r for r in RULES if r.example], ids=lambda r: r.name)
def test_each_rule_fails_on_the_import_it_forbids(rule, tmp_path):
    where, source = rule.example.split(": ", 1)
    _plant(tmp_path, where, source)
    assert violations(rule, tmp_path) != [], f"{rule.name} let through: {rule.example}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_an_adapter_package_importing_service_fails(package, tmp_path):
    _plant(tmp_path, f"{package}/x.py", "from service import models")
    [rule] = [r for r in RULES if r.sources == (package,)]
    assert violations(rule, tmp_path) == [(f"{package}/x.py", 1, "service.models")]


@pytest.mark.parametrize(("where", "source", "expected"), [
    ("service/web/x.py", "from service import models", "service.models"),
    ("service/web/x.py", "import service.operations.attempts", "service.operations.attempts"),
    ("service/web/x.py", "from ..operations import attempts", "service.operations.attempts"),
    ("service/web/x.py", "from . import auth", "service.web.auth"),
    ("service/web/demo_lms/x.py", "from ...jobs.forward import forward", "service.jobs.forward.forward"),
    ("service/web/__init__.py", "from .lti import bp", "service.web.lti.bp"),
    ("service/web/x.py", "def f():\n    from sqlalchemy import select", "sqlalchemy.select"),
])
def test_every_import_form_is_seen(tmp_path, where, source, expected):
    path = _plant(tmp_path, where, source)
    assert expected in [name for name, _line, _local in imported_names(path, tmp_path)]


def test_an_import_inside_a_function_is_marked_local(tmp_path):
    path = _plant(tmp_path, "service/web/x.py", "import json\n\ndef f():\n    from service.web import current_db")
    assert imported_names(path, tmp_path) == [("json", 1, False), ("service.web.current_db", 4, True)]
