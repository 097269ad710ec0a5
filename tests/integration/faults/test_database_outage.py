"""The database goes away under the web service: a Dutch 503 page, nothing lost, recovery by itself.

PostgreSQL is real; the outage is real too: the app reaches the database through a TCP relay on
loopback that refuses connections (as a restarting database does) or accepts them and never
answers (a black hole), or another session holds a lock so statements wait. A black hole under
an open connection (packets dropped) cannot be caused here (no netem or packet filter on this
machine); the engine's tcp_user_timeout and keepalives bound that case (service.db.make_engine).
Timeouts asserted here bound failure paths only, generously.
"""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

from service import create_app
from service.config import Settings
from service.web import errors
from tests.conftest import FIXTURE_CONTENT
from tests.support.web import Browser

pytestmark = pytest.mark.postgres

DUTCH = "Digitoets kan nu even niet bij zijn gegevens"


@pytest.fixture
def web(tmp_path, relayed_url, employee):
    settings = Settings(env="testing", instance_path=tmp_path / "instance", database_url=relayed_url,
                        secret_key="test-secret-key-that-is-long-enough-0123456789", content_path=FIXTURE_CONTENT,
                        db_connect_timeout=2, db_statement_timeout=3)
    app = create_app(settings)
    errors._outages.reset("database")  # the log throttle is per process; start this test afresh
    yield Browser(app.test_client()).sign_in(employee)
    app.extensions["digitoets"].dispose()


def test_pages_during_a_refusal_are_a_dutch_503_that_asks_to_retry_and_the_service_recovers(web, relay, caplog):
    assert web.get("/mijn-overzicht").status_code == 200
    relay.refuse()
    caplog.set_level(logging.INFO)
    for _ in range(5):
        page = web.get("/mijn-overzicht")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == str(errors.DATABASE_RETRY_AFTER)
        body = page.get_data(as_text=True)
        assert DUTCH in body and "Internal Server Error" not in body
        # the security headers are still there: the header hook did not need the database
        assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    autosave = web.client.get("/mijn-overzicht", headers={"Accept": "application/json"})
    assert autosave.status_code == 503 and autosave.get_json()["code"] == 503
    # one line for the outage, not one per request, and no traceback
    outage_lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(outage_lines) == 1, [r.getMessage() for r in outage_lines]
    assert "Database unavailable" in outage_lines[0].getMessage() and outage_lines[0].exc_info is None
    relay.accept()
    assert web.get("/mijn-overzicht").status_code == 200  # the outage invalidated the pool: fresh connections


def test_a_database_that_hangs_does_not_hold_the_request_for_gunicorns_30_seconds(web, committed_database):
    """The database answers nothing for a while (here: a lock another session holds on the people)."""
    assert web.get("/mijn-overzicht").status_code == 200
    with committed_database.engine.connect() as other:
        other.execute(text("LOCK TABLE people IN ACCESS EXCLUSIVE MODE"))  # held until this block ends
        started = time.monotonic()
        page = web.get("/mijn-overzicht")
        took = time.monotonic() - started
        other.rollback()
    assert page.status_code == 503 and DUTCH in page.get_data(as_text=True)
    # the 3 s statement timeout, with room for a busy machine: well under gunicorn's 30 s
    assert took < 25, f"a hanging database held the request {took:.1f} s"
    assert web.get("/mijn-overzicht").status_code == 200


def test_a_new_connection_to_a_black_hole_gives_up_after_the_connect_timeout(tmp_path, relay, relayed_url, employee):
    relay.blackhole()
    settings = Settings(env="testing", instance_path=tmp_path / "instance", database_url=relayed_url,
                        secret_key="test-secret-key-that-is-long-enough-0123456789", content_path=FIXTURE_CONTENT,
                        db_connect_timeout=2, db_statement_timeout=3)
    app = create_app(settings)
    started = time.monotonic()
    page = Browser(app.test_client()).sign_in(employee).get("/mijn-overzicht")
    assert page.status_code == 503 and DUTCH in page.get_data(as_text=True)
    assert time.monotonic() - started < 25
    app.extensions["digitoets"].dispose()
