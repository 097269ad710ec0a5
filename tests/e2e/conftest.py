"""Browser tests: the real app on a live server, driven by Debian's chromium through Playwright.

One chromium per test session (``chromium``), a fresh browser context per test (``context``),
and a fresh live server per test (``live_server``) on its own copy of a migrated SQLite file
with the starter content, so tests never see each other's people, attempts or registrations.

When ``/usr/bin/chromium`` or the Python package ``playwright`` is missing the ``chromium``
fixture FAILS (it never skips): `make test` installs both, and these tests are the proof that
a person can take a digi-toets, so their absence must be loud. Playwright never downloads a
browser here (no ``playwright install``); it drives the Debian package.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from mappings.loader import load_folder
from service import EXTENSION, create_app
from service.config import Settings
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations.content import load_content
from tests.conftest import ROOT, STARTER_CONTENT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOST = "127.0.0.1"
TIMEOUT_MS = 10_000  # a page of this app answers in milliseconds; fail fast instead of Playwright's 30 s


@dataclass
class LiveServer:
    """The real app serving HTTP on loopback; ``database`` is the app's own (commits are real)."""

    url: str
    port: int
    database: Database


class _ServerThread:
    """``werkzeug.serving.make_server`` in a daemon thread, stopped and closed by ``stop``."""

    def __init__(self, server: BaseWSGIServer):
        self.server = server
        # a short poll interval: shutdown() waits for it, once per test
        self.thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"live-server-{server.port}", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def serve(app, host: str = HOST, port: int = 0) -> _ServerThread:
    """Serve the WSGI ``app`` on ``host``:``port`` (0: a free port the OS picks) in a thread."""
    return _ServerThread(make_server(host, port, app, threaded=True))


@pytest.fixture(scope="session")
def starter_database(tmp_path_factory) -> Path:
    """A SQLite file migrated to head with the starter content loaded, made once per session."""
    path = tmp_path_factory.mktemp("e2e-template") / "digitoets.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(url, engine=engine)
    database = Database(url, engine=engine)
    with database.begin() as session:
        load_content(session, load_folder(STARTER_CONTENT))
    engine.dispose()
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database with its backup API (safe with WAL, unlike copying the file)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _starting(environ, start_response):
    """Answers until the real app is in place (a few milliseconds; nothing asks before then)."""
    start_response("503 Service Unavailable", [("Content-Length", "0")])
    return [b""]


@pytest.fixture
def live_server(tmp_path, starter_database) -> Iterator[LiveServer]:
    """The real Digitoets app (dev login on, starter content) on 127.0.0.1:<free port>.

    Browser tests use the SQLite backend only: what a person sees does not depend on the
    database, and PostgreSQL is covered by the integration tests. Each test gets its own
    copy of the migrated database in ``tmp_path``; the server is shut down afterwards.
    """
    path = tmp_path / "digitoets.sqlite3"
    _copy_sqlite(starter_database, path)
    # Bind first (port 0: no race for a free port), then build the app with its real base URL;
    # the request handler reads ``server.app`` on every request.
    running = serve(_starting)
    port = running.server.port
    settings = Settings(
        env="testing",
        instance_path=tmp_path / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="e2e-secret-key-that-is-long-enough-0123456789",
        base_url=f"http://{HOST}:{port}",
        content_path=STARTER_CONTENT,
        dev_login=True,
    )
    app = create_app(settings)
    running.server.app = app
    try:
        yield LiveServer(url=f"http://{HOST}:{port}", port=port, database=app.extensions[EXTENSION])
    finally:
        running.stop()
        app.extensions[EXTENSION].dispose()


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium, launched once per session with a fresh temporary profile."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Debian's chromium is not installed at {CHROMIUM}: run `make system-packages` "
            "(apt-get install chromium). The browser tests never skip.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The Python package playwright is missing: run `make install` (pip install -e '.[dev]').", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Counts the page's fetch() calls still in flight (the autosave script's), so a test can wait
# until every answer is stored before it presses a button: an autosave that is still writing
# when the form's POST writes the same answer makes that POST fail (a race in the app, see the
# e2e report), which a person rarely hits but a test that acts within milliseconds would.
# Injected through the DevTools protocol, so the app's CSP does not apply to it.
COUNT_FETCHES = """
(() => {
  const fetch = window.fetch.bind(window);
  window.__pendingFetches = 0;
  window.fetch = (...args) => {
    window.__pendingFetches += 1;
    return fetch(...args).finally(() => { window.__pendingFetches -= 1; });
  };
})();
"""


def _new_context(chromium, live_server, **options):
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL", viewport={"width": 1024, "height": 800}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(COUNT_FETCHES)
    return context


@pytest.fixture
def context(chromium, live_server):
    """A fresh browser context (cookies, storage) on the live server, with the real CSP."""
    context = _new_context(chromium, live_server)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def axe_page(chromium, live_server):
    """A page whose context may inject axe-core despite the app's CSP (script-src 'self').

    ``add_script_tag(path=...)`` inserts the file's text as an inline script, which that CSP
    blocks (tests/e2e/test_accessibility.py checks this). ``bypass_csp=True`` lets axe in; it is
    used for the axe checks only: every other browser test runs under the real CSP.
    """
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make npm` (npm ci) in the repository root.", pytrace=False)
    context = _new_context(chromium, live_server, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def lms_page_server():
    """Factory: serve one HTML page on 127.0.0.1:<free port>, like an LMS page; stopped afterwards."""
    started: list[_ServerThread] = []

    def start(html: str) -> int:
        body = html.encode()

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]

        running = serve(app)
        started.append(running)
        return running.server.port

    yield start
    for running in started:
        running.stop()
