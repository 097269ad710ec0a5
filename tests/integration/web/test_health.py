"""/healthz tells anyone whether the service is up; the details are for an organisation admin."""

from __future__ import annotations

import logging

from service import create_app
from service import models as m
from service.config import Settings
from service.operations.people import grant_role


def _admin(database, make_person, subject="admin-1", org_slug="zorg-a"):
    person_id = make_person(subject, org_slug=org_slug)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def _pending(database, org_slug, *keys):
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=org_slug).one()
        for key in keys:
            session.add(m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key=key, payload={}))


def test_healthz_tells_an_anonymous_caller_only_that_it_is_up(client, database, make_person):
    make_person()
    _pending(database, "zorg-a", "waiting-1")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}  # no dialect, no outbox backlog, no counts


def test_an_admin_gets_the_details_of_their_own_organisation(browser, database, make_person, engine):
    admin = _admin(database, make_person)
    make_person("emp-b", org_slug="zorg-b")
    _pending(database, "zorg-a", "a-1", "a-2")
    _pending(database, "zorg-b", "b-1", "b-2", "b-3")
    response = browser.sign_in(admin).get("/beheer/status")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "dialect": engine.dialect.name}
    assert body["outbox"] == {"pending": 2}  # zorg-b's three are not zorg-a's business
    assert body["content"]["tests"] > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_the_details_are_not_for_employees_or_strangers(client, browser, make_person):
    assert client.get("/beheer/status").status_code == 302  # anonymous: to the start page
    assert browser.sign_in(make_person()).get("/beheer/status").status_code == 403


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, caplog):
    # a real refused connection: nothing listens on port 1
    settings = Settings(
        env="testing",
        instance_path=tmp_path,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        secret_key="x" * 40,
    )
    with caplog.at_level(logging.ERROR, logger="service.web.health"):
        response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}
    assert "database unreachable" in caplog.text  # the reason goes to the operator's log
