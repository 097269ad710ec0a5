"""Subject access and erasure: an employee downloads everything about them (and nothing of a
colleague); an organisation admin erases a person of their own organisation after confirming,
keeps the accreditation ledger, and voids the person's xAPI statements through the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from service import models as m
from service.errors import NotFoundError
from service.operations import attempts, events, help_requests, privacy
from service.operations.people import grant_role

ANSWERS = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "b"}


def take_test_and_ask_help(database, person_id: int, message: str) -> str:
    """A scored attempt plus a help request with ``message``; returns the attempt's registration."""
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        for code, value in ANSWERS.items():
            attempts.save_answer(session, attempt, code, value, now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)
        help_requests.request_help(session, person, attempt, "wachtwoord-veilig", "toestemming", now, message=message)
        return str(attempt.registration)


def make_admin(database, make_person, org_slug="zorg-a"):
    person_id = make_person(f"admin-{org_slug}", org_slug=org_slug)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def deliver_all(database) -> None:
    """As if the forwarder had sent everything waiting (the real LRS: tests/integration/xapi)."""
    with database.begin() as session:
        session.execute(update(m.OutboxItem).values(status=m.OutboxStatus.DELIVERED, delivered_at=datetime.now(UTC)))


def test_my_data_as_json_holds_my_attempts_answers_and_help_requests_and_nothing_of_a_colleague(
        browser, make_person, database):
    me, colleague = make_person("emp-me"), make_person("emp-colleague")
    mine = take_test_and_ask_help(database, me, "Ik snap het wachtwoord niet")
    theirs = take_test_and_ask_help(database, colleague, "Bericht van de collega 7781")
    response = browser.sign_in(me).get("/mijn-gegevens.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    [attempt] = data["attempts"]
    assert attempt["registration"] == mine
    assert [a["item"] for a in attempt["answers"]] == list(ANSWERS)
    assert attempt["answers"][0]["answer"] == "a" and attempt["skill_levels"]
    assert [h["message"] for h in data["help_requests"]] == ["Ik snap het wachtwoord niet"]
    assert data["person"]["lms_account"] == "emp-me"
    text = response.get_data(as_text=True)
    assert theirs not in text and "7781" not in text and "emp-colleague" not in text
    with database.begin() as session:
        [event] = session.scalars(select(m.AuditEvent)).all()
        assert (event.actor_id, event.action, event.subject, event.detail) == (
            me, "personal_data.export", f"person:{me}", "format=json")


def test_my_data_page_shows_my_questions_answers_and_help_text(browser, make_person, database):
    me, colleague = make_person("emp-me"), make_person("emp-colleague")
    take_test_and_ask_help(database, me, "Ik snap het wachtwoord niet")
    take_test_and_ask_help(database, colleague, "Bericht van de collega 7781")
    browser.sign_in(me)
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert 'href="/mijn-gegevens"' in overview
    page = browser.get("/mijn-gegevens").get_data(as_text=True)
    assert "Mijn gegevens" in page and "Jouw antwoord" in page
    assert "Ik snap het wachtwoord niet" in page and "7781" not in page
    assert 'href="/mijn-gegevens.json"' in page


def test_someone_not_signed_in_gets_no_data(client):
    assert client.get("/mijn-gegevens.json").status_code == 302


def test_admin_erases_a_person_after_confirming_and_the_ledger_stays(browser, make_person, database):
    admin = make_admin(database, make_person)
    person, colleague = make_person("emp-gone"), make_person("emp-stays")
    with database.begin() as session:
        session.execute(update(m.Person).where(m.Person.id == person).values(name="Anna de Vries"))
    take_test_and_ask_help(database, person, "Help mij")
    take_test_and_ask_help(database, colleague, "Help mij ook")
    with database.begin() as session:
        org_id = session.get(m.Person, person).organisation_id
        session.add(m.LearningHours(organisation_id=org_id, person_id=person, kind=next(iter(
            m.LearningHours.kind.type.enum_class)), minutes=60, occurred_at=datetime.now(UTC), source="attempt",
            source_ref="x"))
        pseudonym = str(session.get(m.Person, person).pseudonym)
    deliver_all(database)
    with database.begin() as session:
        sent = {r.dedupe_key: r.payload for r in session.scalars(select(m.OutboxItem))}
    about_person = sorted(k for k, p in sent.items() if pseudonym in json.dumps(p))
    assert about_person and len(about_person) < len(sent)

    browser.sign_in(admin)
    page = browser.get(f"/beheer/personen/{person}/wissen").get_data(as_text=True)
    assert "Anna de Vries" in page and "1 regel met uren of punten" in page
    refused = browser.post(f"/beheer/personen/{person}/wissen", data={})
    assert refused.status_code == 422 and "Zet een vinkje" in refused.get_data(as_text=True)
    with database.begin() as session:
        assert session.get(m.Person, person).name == "Anna de Vries"
        viewed = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "person.view")).all()
        assert [(e.actor_id, e.subject) for e in viewed] == [(admin, f"person:{person}")] * 2  # page, refused post

    assert browser.post(f"/beheer/personen/{person}/wissen", data={"bevestig": "ja"}).status_code == 302
    with database.begin() as session:
        gone = session.get(m.Person, person)
        assert (gone.name, gone.issuer, gone.pseudonymised_at is not None) == (None, "urn:digitoets:removed", True)
        for model in (m.Attempt, m.HelpRequest, m.CurrentSkillLevel, m.PersonRole):
            assert session.scalar(select(func.count()).select_from(model).where(model.person_id == person)) == 0
        assert session.scalar(select(func.count()).select_from(m.LearningHours)
                              .where(m.LearningHours.person_id == person)) == 1
        assert session.scalar(select(func.count()).select_from(m.Attempt)
                              .where(m.Attempt.person_id == colleague)) == 1
        voids = [r.payload for r in session.scalars(select(m.OutboxItem).where(
            m.OutboxItem.status == m.OutboxStatus.PENDING).order_by(m.OutboxItem.id))]
        builder = events.builder(session)
        assert sorted(v["object"]["id"] for v in voids) == about_person  # one per statement about the person
        assert all(v["verb"]["id"].endswith("/voided") and v["id"] == builder.statement_id(
            f"void:{v['object']['id']}") for v in voids)
        [event] = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "person.erase")).all()
        assert (event.actor_id, event.subject) == (admin, f"person:{person}")
        assert f"statements_voided={len(about_person)}" in event.detail


def test_statements_not_sent_yet_never_leave_and_leased_ones_are_voided_after_their_lease(
        browser, make_person, database):
    admin = make_admin(database, make_person)
    person = make_person("emp-gone")
    take_test_and_ask_help(database, person, "Help mij")
    now = datetime.now(UTC)
    with database.begin() as session:
        rows = list(session.scalars(select(m.OutboxItem).order_by(m.OutboxItem.id)))
        leased = rows[0]
        leased.next_attempt_at = now + timedelta(minutes=5)  # a forwarder holds it right now
        leased_id, leased_key, waiting = leased.id, leased.dedupe_key, len(rows) - 1
    browser.sign_in(admin).get(f"/beheer/personen/{person}/wissen")
    browser.post(f"/beheer/personen/{person}/wissen", data={"bevestig": "ja"})
    with database.begin() as session:
        left = list(session.scalars(select(m.OutboxItem).order_by(m.OutboxItem.id)))
        assert [r.id for r in left if not r.payload["verb"]["id"].endswith("/voided")] == [leased_id]
        [void] = [r for r in left if r.payload["verb"]["id"].endswith("/voided")]
        assert void.payload["object"]["id"] == leased_key and void.next_attempt_at > now + timedelta(minutes=5)
        [event] = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "person.erase")).all()
        assert f"statements_unsent={waiting}" in event.detail


def test_another_organisations_admin_cannot_erase_or_see_the_person(browser, make_person, database):
    make_admin(database, make_person, "zorg-a")
    admin_b = make_admin(database, make_person, "zorg-b")
    person = make_person("emp-a", org_slug="zorg-a")
    browser.sign_in(admin_b)
    assert browser.get(f"/beheer/personen/{person}/wissen").status_code == 404
    browser.get("/beheer/rollen")
    assert browser.post(f"/beheer/personen/{person}/wissen", data={"bevestig": "ja"}).status_code == 404
    with database.begin() as session:  # the operation itself refuses too, not only the page
        org_b = session.get(m.Person, admin_b).organisation
        with pytest.raises(NotFoundError):
            privacy.erase_person(session, org_b, person, session.get(m.Person, admin_b), datetime.now(UTC))
    with database.begin() as session:
        assert session.get(m.Person, person).pseudonymised_at is None
        # nothing erased, nothing logged about the person; only B's admin looking at B's own list
        logged = session.execute(select(m.AuditEvent.action, m.AuditEvent.organisation_id)).all()
        assert logged == [("people.roles.view", org_b.id)]


def test_an_admin_cannot_erase_themselves_and_an_erased_person_cannot_download(browser, make_person, database):
    admin = make_admin(database, make_person)
    browser.sign_in(admin).get(f"/beheer/personen/{admin}/wissen")
    response = browser.post(f"/beheer/personen/{admin}/wissen", data={"bevestig": "ja"})
    assert response.status_code == 422 and "Vraag een andere beheerder" in response.get_data(as_text=True)
    person = make_person("emp-gone")
    take_test_and_ask_help(database, person, "Ik kom er niet uit met de rapportage")
    assert browser.post(f"/beheer/personen/{person}/wissen", data={"bevestig": "ja"}).status_code == 302
    # the erased person's own cookie: the session check signs them out before the download is served
    download = browser.sign_in(person).get("/mijn-gegevens.json")
    assert download.status_code == 302 and download.location.split("?")[0] in ("/", "http://localhost/")
    assert "Content-Disposition" not in download.headers and b"rapportage" not in download.data
    with browser.client.session_transaction() as cookie:
        assert "person_id" not in cookie
    start = browser.get(download.location)
    page = start.get_data(as_text=True)
    assert start.status_code == 200 and "Je bent niet (meer) aangemeld" in page
    assert "Ik kom er niet uit" not in page and "Afmelden" not in page and "Mijn overzicht" not in page
    assert browser.get("/mijn-gegevens").status_code == 302  # and every later page too


def test_an_unknown_or_huge_person_id_is_a_plain_not_found(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    assert browser.get("/beheer/personen/999999/wissen").status_code == 404
    assert browser.get("/beheer/personen/99999999999999/wissen").status_code == 404
    browser.get("/beheer/rollen")
    assert browser.post("/beheer/personen/99999999999999/wissen", data={"bevestig": "ja"}).status_code == 404
