"""frame-ancestors and form-action name the LMSs of the person's own organisation, or before sign-in
those of the launching registration: never another organisation's LMS."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from service import models as m
from service.operations import registrations
from service.operations.people import grant_role
from tests.integration.lti.conftest import launch
from tests.support.platform import _with

A_LMS, B_LMS = "https://leren.zorg-a.example", "https://moodle.zorg-b.example"


def _policy(response, directive: str) -> list[str]:
    return re.search(rf"{directive} ([^;]+)", response.headers["Content-Security-Policy"]).group(1).split()


def _register(database, slug: str, origin: str) -> int:
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=slug).one_or_none()
        if org is None:
            org = m.Organisation(slug=slug, name=f"Zorg {slug}")
            session.add(org)
            session.flush()
        return registrations.register_platform(
            session, org, issuer=origin, client_id=f"client-{slug}", auth_login_url=f"{origin}/auth",
            auth_token_url=f"{origin}/token", key_set_url=f"{origin}/jwks", deployment_ids=["1"]).id


@pytest.fixture
def two_organisations(database, make_person):
    a, b = make_person("emp-a", org_slug="zorg-a"), make_person("emp-b", org_slug="zorg-b")
    _register(database, "zorg-a", A_LMS)
    _register(database, "zorg-b", B_LMS)
    return a, b


def test_each_person_is_framed_by_the_lms_of_their_own_organisation_only(app, browser, two_organisations):
    a, b = two_organisations
    page = browser.sign_in(a).get("/mijn-overzicht")
    assert _policy(page, "frame-ancestors") == ["'self'", A_LMS]
    assert _policy(page, "form-action") == ["'self'", A_LMS]
    other = app.test_client()
    with other.session_transaction() as session:
        session["person_id"] = b
    assert _policy(other.get("/mijn-overzicht"), "frame-ancestors") == ["'self'", B_LMS]
    assert _policy(app.test_client().get("/"), "frame-ancestors") == ["'self'"]  # anonymous: no LMS


def test_switching_a_registration_off_takes_its_lms_out_at_once(browser, database, two_organisations):
    a, _b = two_organisations
    with database.begin() as session:
        grant_role(session, session.get(m.Person, a), m.ToolRole.ORG_ADMIN, granted_by="test")
        registration_id = session.query(m.LtiRegistration).filter_by(issuer=A_LMS).one().id
    browser.sign_in(a)
    assert _policy(browser.get("/beheer/lti"), "frame-ancestors") == ["'self'", A_LMS]
    assert browser.post(f"/beheer/lti/{registration_id}/uitzetten").status_code == 302
    assert _policy(browser.get("/mijn-overzicht"), "frame-ancestors") == ["'self'"]


def test_html_pages_do_not_ask_the_database_for_the_origins_each_time(app, engine, browser, two_organisations):
    a, _b = two_organisations
    browser.sign_in(a).get("/mijn-overzicht")  # fills the cache
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            assert _policy(browser.get("/functie"), "frame-ancestors") == ["'self'", A_LMS]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements, "the page itself reads the database"
    assert not [s for s in statements if "lti_registrations" in s]


def test_the_launching_registration_frames_the_login_and_a_refused_launch(client, lms, registered, database):
    _register(database, "zorg-b", B_LMS)  # another organisation's LMS: never in these pages
    login = client.post("/lti/login", data=lms.login_initiation(storage_target="_parent"))
    assert login.status_code == 200  # the page that keeps the state in the platform's storage
    assert _policy(login, "frame-ancestors") == ["'self'", lms.base_url]

    refused = launch(client, lms, tamper=_with(nonce="not-the-nonce")).response
    assert refused.status_code == 400
    assert _policy(refused, "frame-ancestors") == ["'self'", lms.base_url]

    unknown = client.post("/lti/login", data={**lms.login_initiation(), "client_id": "nobody"})
    assert unknown.status_code == 400 and _policy(unknown, "frame-ancestors") == ["'self'"]
