"""The organisation's LRS endpoint: never an internal address outside development, never the stored
password for a new endpoint, never the LRS's raw answer on the admin's page; the password is
encrypted at rest."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, text

from service import create_app
from service import models as m
from service.cli.xapi import ClientPool
from service.jobs import forward
from service.operations.people import grant_role
from tests.integration.xapi.test_forwarder_faults import produce

SETTINGS_FORM = {"result_visibility": "manager", "min_group_size": "5", "help_request_mode": "opt_in",
                 "retention_months": "24", "leaver_months": "24", "lrs_username": "digitoets"}


class Capture:
    """An HTTP server on loopback that answers every request with ``status`` and ``body`` and keeps the headers."""

    def __init__(self):
        self.status, self.body, self.seen = 200, b"[]", []
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                capture.seen.append(dict(self.headers))
                self.send_response(capture.status)
                self.send_header("Content-Type", "text/html" if capture.body.startswith(b"<") else "application/json")
                self.send_header("Content-Length", str(len(capture.body)))
                self.end_headers()
                self.wfile.write(capture.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}/xapi/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def passwords(self) -> set[str]:
        found = set()
        for headers in self.seen:
            auth = headers.get("Authorization", "")
            if auth.startswith("Basic "):
                found.add(base64.b64decode(auth[6:]).decode().split(":", 1)[1])
        return found


@pytest.fixture
def database(committed_database):
    """Real commits: the forwarder works in threads with transactions of its own."""
    return committed_database


@pytest.fixture
def capture():
    server = Capture()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _forward(database, allow_internal: bool, **kwargs) -> forward.ForwardReport:
    """One round of the forwarder with the CLI's client pool (its guard is what is tested)."""
    pool = ClientPool(5, allow_internal=allow_internal)
    try:
        return forward.forward(database, None, pool, **kwargs)
    finally:
        pool.close()


@pytest.fixture
def admin(database, make_person, browser):
    person = make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser.sign_in(person).get("/beheer/instellingen")
    return person


def _organisation(database) -> m.Organisation:
    with database.begin() as session:
        org = session.scalars(select(m.Organisation)).one()
        session.expunge(org)
        return org


def _save(browser, **fields):
    return browser.post("/beheer/instellingen", data={**SETTINGS_FORM, **fields})


@pytest.fixture
def strict_app(settings, database):
    """The app as in production: no http, no internal addresses for the LRS."""
    return create_app(replace(settings, allow_internal_targets=False), database=database)


@pytest.mark.parametrize(("endpoint", "message"), [
    ("http://lrs.zorg.example/xapi/", "Dit adres moet met https:// beginnen."),
    ("https://localhost/xapi/", "Dit adres wijst naar een intern netwerk."),  # a name that resolves to loopback
    ("https://127.0.0.1:8443/xapi/", "Dit adres wijst naar een intern netwerk."),
    ("https://10.1.2.3/xapi/", "Dit adres wijst naar een intern netwerk."),
    ("https://169.254.169.254/latest/", "Dit adres wijst naar een intern netwerk."),
    ("https://[::ffff:192.168.1.1]/xapi/", "Dit adres wijst naar een intern netwerk."),
    ("https://lrs.invalid/xapi/", "Dit adres bestaat niet"),
])
def test_outside_development_an_internal_or_plain_http_lrs_is_refused(strict_app, database, make_person, endpoint,
                                                                       message):
    from tests.support.web import Browser
    person = make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser = Browser(strict_app.test_client()).sign_in(person)
    browser.get("/beheer/instellingen")
    response = _save(browser, lrs_endpoint=endpoint, lrs_password="geheim", min_group_size="9")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    org = _organisation(database)
    assert (org.lrs_endpoint, org.lrs_password, org.min_group_size) == (None, None, 5)  # nothing half-stored


def test_a_new_endpoint_never_gets_the_stored_password(browser, database, admin, capture):
    assert _save(browser, lrs_endpoint="https://lrs.zorg.example/xapi/", lrs_password="geheim-1").status_code == 302
    assert _organisation(database).lrs_password == "geheim-1"
    # someone with the admin's session points the LRS at their own server, without the password
    assert _save(browser, lrs_endpoint=capture.endpoint).status_code == 302
    org = _organisation(database)
    assert (org.lrs_endpoint, org.lrs_username, org.lrs_password) == (capture.endpoint, "digitoets", None)
    produce(database, 1, slug=org.slug)
    _forward(database, True)
    assert capture.seen and "geheim-1" not in capture.passwords()
    # a password typed in together with the new endpoint is kept
    assert _save(browser, lrs_endpoint="https://lrs2.zorg.example/xapi/", lrs_password="geheim-2").status_code == 302
    assert _organisation(database).lrs_password == "geheim-2"


def test_the_admin_sees_a_short_reason_never_the_lrs_answer(browser, database, admin, capture):
    assert _save(browser, lrs_endpoint=capture.endpoint, lrs_password="geheim").status_code == 302
    org = _organisation(database)
    capture.status = 400
    capture.body = b"<html><body>Internal admin console: db password hunter2 " + b"x" * 2000 + b"</body></html>"
    produce(database, 1, slug=org.slug)
    _forward(database, True)
    capture.body = json.dumps({"message": "statement.verb\x00 is wrong\n" + "y" * 500}).encode()
    produce(database, 1, slug=org.slug)
    _forward(database, True, clock=lambda: datetime.now(UTC) + timedelta(days=1))
    with database.begin() as session:
        errors = sorted(r.last_error for r in session.scalars(select(m.OutboxItem)))
    assert errors[0] == "HTTP 400"
    assert errors[1].startswith("HTTP 400: statement.verb is wrong yyy") and len(errors[1]) <= len("HTTP 400: ") + 240
    page = browser.get("/beheer/xapi").get_data(as_text=True)
    assert "hunter2" not in page and "Internal admin console" not in page


def test_the_forwarder_checks_the_address_again_before_sending(browser, database, admin, capture):
    assert _save(browser, lrs_endpoint=capture.endpoint, lrs_password="geheim").status_code == 302  # development
    produce(database, 1, slug=_organisation(database).slug)
    report = _forward(database, False)  # as in production
    assert report.deferred == 1 and capture.seen == []
    with database.begin() as session:
        assert "UnsafeTargetError" in session.scalars(select(m.OutboxItem.last_error)).one()


def test_the_lrs_password_is_encrypted_in_the_database(browser, database, admin):
    assert _save(browser, lrs_endpoint="https://lrs.zorg.example/xapi/", lrs_password="geheim-wachtwoord").status_code == 302
    with database.begin() as session:
        stored = session.execute(text("SELECT lrs_password FROM organisations")).scalar_one()
    assert stored.startswith("gAAAAA") and "geheim" not in stored
    assert _organisation(database).lrs_password == "geheim-wachtwoord"
