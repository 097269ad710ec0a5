"""The database launch-state store (``service.lti_stores.DbLaunchStateStore``) ignores expired rows.

An expired row is not deleted at once (``lti purge`` does that hourly), so every read must
check ``expires_at`` itself: a login's state past its expiry may not finish a launch.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from service import models as m
from service.db import utcnow
from service.lti_stores import DbLaunchStateStore
from tests.integration.lti.conftest import LAUNCH_URL, follow

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


def expire(database, key: str | None = None) -> int:
    """Move rows' expiry (all, or one key) a second into the past; returns how many."""
    with database.begin() as session:
        query = update(m.LtiLaunchState).values(expires_at=utcnow() - timedelta(seconds=1))
        if key is not None:
            query = query.where(m.LtiLaunchState.key == key)
        return session.execute(query).rowcount


def test_an_expired_row_is_not_returned(database):
    store = DbLaunchStateStore(database)
    store.set("launch-1", '{"sub": "2"}', 600)
    store.set("launch-2", '{"sub": "3"}', 600)
    assert store.get("launch-1") == '{"sub": "2"}'
    assert expire(database, "launch-1") == 1
    assert store.get("launch-1") is None  # the row is still there, but past its expiry
    assert store.get("launch-2") == '{"sub": "3"}'
    with database.begin() as session:
        assert session.get(m.LtiLaunchState, "launch-1") is not None


def test_an_expired_once_key_can_be_taken_again_but_a_live_one_cannot(database):
    store = DbLaunchStateStore(database)
    assert store.add_once("nonce-1", 600)
    assert not store.add_once("nonce-1", 600)  # live: a replay
    expire(database, "nonce-1")
    assert store.add_once("nonce-1", 600)  # expired: free again (its token expired long before)
    assert not store.add_once("nonce-1", 600)


def test_a_login_state_past_its_expiry_cannot_finish_the_launch(client, lms, registered, database):
    params = lms.login_initiation(LAUNCH_URL, custom=ECD)
    login = client.post("/lti/login", data=params)
    assert login.status_code == 302
    form = lms.authorize(login.location)  # a valid id_token for that state
    assert expire(database) >= 1  # the login's state and nonce rows (as if the person waited too long)
    refused = client.post("/lti/launch", data=form)
    assert refused.status_code == 400
    assert "unknown_state" in refused.get_data(as_text=True)  # the state is as good as gone
    with database.begin() as session:
        assert session.scalars(select(m.Person)).all() == []  # nobody signed in, nothing stored


def test_the_same_login_within_its_expiry_finishes(client, lms, registered, database):
    """The control for the test above: only the expiry made the difference."""
    params = lms.login_initiation(LAUNCH_URL, custom=ECD)
    login = client.post("/lti/login", data=params)
    form = lms.authorize(login.location)
    page = follow(client, client.post("/lti/launch", data=form))
    assert page.status_code == 200 and page.request.path == "/toets/ecd-rapportage"
