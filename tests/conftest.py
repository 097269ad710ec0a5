"""Shared fixtures: settings, app, client, runner, and the database on SQLite and PostgreSQL.

Database tests run once per backend: SQLite always, PostgreSQL when
``DIGITOETS_TEST_DATABASE_URL`` is set or 127.0.0.1:5432 answers. Each session gets a fresh,
migrated database (on PostgreSQL a new database, dropped afterwards); each test runs inside a
transaction that is rolled back, so tests never see each other's rows. Tests that need real
commits from several connections use ``committed_database`` instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections import Counter
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app
from service.config import Settings
from service.db import Base, Database, make_engine
from service.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.support.web"]
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"
STARTER_CONTENT = ROOT / "mappings" / "content"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_base_url() -> str | None:
    url = os.environ.get("DIGITOETS_TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return DEFAULT_PG
    except OSError:
        return None


PG_BASE_URL = _postgres_base_url()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_BASE_URL else [])
_outcomes: Counter = Counter()


def pytest_report_header(config):
    if PG_BASE_URL:
        where = make_url(PG_BASE_URL)
        return f"databases: sqlite and postgresql ({where.host}:{where.port})"
    return "databases: sqlite only (PostgreSQL not reachable; set DIGITOETS_TEST_DATABASE_URL)"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL behaviour: deselect their SQLite variant."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("database_url") if params else None
        if item.get_closest_marker("postgres") and backend != "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        for backend in BACKENDS:
            if f"[{backend}" in report.nodeid or f"-{backend}" in report.nodeid:
                _outcomes[(backend, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter):
    ran = [b for b in BACKENDS if any(k[0] == b for k in _outcomes)]
    parts = [
        f"{b}: {_outcomes[(b, 'passed')]} passed, {_outcomes[(b, 'failed')]} failed" for b in ran
    ]
    terminalreporter.write_line("database backends that ran: " + ("; ".join(parts) or "none"))


def _new_postgres_database() -> str:
    name = f"digitoets_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(PG_BASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_BASE_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    admin = create_engine(make_url(PG_BASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _empty_database(backend: str, folder: Path):
    """Create an empty database of ``backend``; returns (url, drop callable)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'test.sqlite3'}", lambda: None
    url = _new_postgres_database()
    return url, lambda: _drop_postgres_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A freshly migrated database for this test session, per backend."""
    url, drop = _empty_database(request.param, tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    upgrade(url, engine=engine)
    engine.dispose()
    yield url
    drop()


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """An empty, unmigrated database of the same backend as ``database_url``, dropped afterwards."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url, drop = _empty_database(backend, tmp_path)
    yield url
    drop()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def database(engine, database_url):
    """A Database whose commits are savepoints in a transaction rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    yield Database(database_url, bind=connection)
    outer.rollback()
    connection.close()


@pytest.fixture
def committed_database(engine, database_url):
    """A Database with real commits (for several connections or processes); emptied afterwards."""
    yield Database(database_url, engine=engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # TRUNCATE: the audit log's append-only trigger is for rows
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)))
            return
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(
        env="testing",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        content_path=FIXTURE_CONTENT,
    )


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by the apps of one test process.

    Each test builds its own app, and each app's Jinja environment compiled every template it
    rendered again (about 25 ms a template). Jinja checks each entry against the template's
    source, so a changed template is compiled anew.
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


class ToolKeys:
    """One signing key per test process, copied into each ``app`` fixture's new instance folder.

    A new instance folder makes the service generate an RSA key at start (about 0.06 s, a
    tenth of a small test). The ``app`` fixtures of one process get a copy of the first one's
    key folder and the instance encryption key that seals it, as a deployment restores its
    instance from a backup. Only for the default settings (keys and encryption key in the
    instance folder): tests of key generation, rotation and encryption build their own apps
    with their own settings, and get a new key as before.
    """

    FILES = ("encryption_key", "lti-keys")

    def __init__(self, folder: Path):
        self.folder = folder
        self.kept = False

    @staticmethod
    def _default(settings: Settings) -> bool:
        return settings.lti_key_path is None and not settings.encryption_key and settings.encryption_key_file is None

    def provide(self, settings: Settings) -> None:
        instance = settings.instance_path
        if self.kept and self._default(settings) and not any((instance / name).exists() for name in self.FILES):
            instance.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.folder / "encryption_key", instance / "encryption_key")
            shutil.copytree(self.folder / "lti-keys", instance / "lti-keys")

    def keep(self, settings: Settings) -> None:
        if not self.kept and self._default(settings):
            shutil.copy2(settings.instance_path / "encryption_key", self.folder / "encryption_key")
            shutil.copytree(settings.instance_path / "lti-keys", self.folder / "lti-keys")
            self.kept = True


@pytest.fixture(scope="session")
def tool_keys(tmp_path_factory) -> ToolKeys:
    return ToolKeys(tmp_path_factory.mktemp("tool-keys"))


@pytest.fixture
def app(settings, database, tool_keys):
    tool_keys.provide(settings)
    app = create_app(settings, database=database)
    tool_keys.keep(settings)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
