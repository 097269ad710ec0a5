"""Sessions on shared ward computers: sign out, idle timeout, absolute lifetime, a clean switch of person,
and roles read from the database on every request (the cookie carries none)."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from service import models as m
from service.config import Settings
from service.errors import ConfigurationError
from tests.integration.lti.conftest import follow, launch
from tests.support.platform import INSTITUTION_ADMIN, INSTRUCTOR, LEARNER, User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
BEA = User(id="8", name="Bea Jansen", given_name="Bea", family_name="Jansen", email="bea@zorg.example")


def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _age(client, **seconds) -> None:
    """Move the session's times into the past, as if that much time went by."""
    with client.session_transaction() as session:
        for key, value in seconds.items():
            session[key] -= value


def _csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_afmelden_in_the_header_signs_out(client, lms, registered):
    page = follow(client, launch(client, lms, custom=ECD).response).get_data(as_text=True)
    assert 'action="/afmelden"' in page and "Afmelden" in page
    assert client.post("/afmelden").status_code == 400  # no CSRF token: a page elsewhere cannot sign you out
    assert client.get("/mijn-overzicht").status_code == 200
    done = client.post("/afmelden", data={"csrf_token": _csrf(page)})
    assert done.status_code == 302 and "person_id" not in _session(client)
    home = client.get(done.location).get_data(as_text=True)
    assert "Je bent afgemeld." in home and 'action="/afmelden"' not in home
    assert client.get("/mijn-overzicht").status_code == 302  # to the start page


def test_thirty_idle_minutes_end_the_session(client, lms, registered):
    follow(client, launch(client, lms, custom=ECD).response)
    _age(client, seen_at=29 * 60, signed_in_at=29 * 60)
    assert client.get("/mijn-overzicht").status_code == 200  # 29 minutes: still there
    _age(client, seen_at=31 * 60)
    ended = client.get("/mijn-overzicht")
    assert ended.status_code == 302 and "person_id" not in _session(client)
    assert "Je was een tijd niet actief." in client.get(ended.location).get_data(as_text=True)


def test_a_session_ends_after_twelve_hours_even_when_active(client, lms, registered):
    follow(client, launch(client, lms, custom=ECD).response)
    _age(client, signed_in_at=11 * 3600)
    assert client.get("/mijn-overzicht").status_code == 200
    _age(client, signed_in_at=3600 + 60)
    assert client.get("/mijn-overzicht").status_code == 302 and "person_id" not in _session(client)


def test_the_idle_timeout_follows_the_setting(app, client, lms, registered):
    from dataclasses import replace

    app.config["DIGITOETS_SETTINGS"] = replace(app.config["DIGITOETS_SETTINGS"], session_idle_minutes=5)
    follow(client, launch(client, lms, custom=ECD).response)
    _age(client, seen_at=6 * 60)
    assert client.get("/mijn-overzicht").status_code == 302


def test_session_settings_come_from_the_environment():
    settings = Settings.from_env({"DIGITOETS_SESSION_IDLE_MINUTES": "15", "DIGITOETS_SESSION_MAX_HOURS": "8"})
    assert (settings.session_idle_minutes, settings.session_max_hours) == (15, 8)
    assert (Settings().session_idle_minutes, Settings().session_max_hours) == (30, 12)
    for name, value in (("SESSION_IDLE_MINUTES", "0"), ("SESSION_IDLE_MINUTES", "half"), ("SESSION_MAX_HOURS", "0")):
        try:
            Settings.from_env({f"DIGITOETS_{name}": value})
        except ConfigurationError as exc:
            assert f"DIGITOETS_{name}" in str(exc)
        else:
            raise AssertionError(f"{name}={value} was accepted")


def test_a_launch_for_another_person_leaves_nothing_of_the_previous_one(client, lms, registered):
    follow(client, launch(client, lms, user=User(id="9", name="Docent"), roles=[INSTRUCTOR], custom=ECD).response)
    teacher = _session(client)
    assert teacher.get("lti_teacher_course")
    follow(client, launch(client, lms, user=BEA, roles=[LEARNER], custom=ECD, locale=None).response)
    learner = _session(client)
    assert learner["person_id"] != teacher["person_id"]
    assert "lti_teacher_course" not in learner and learner.get("csrf_token") != teacher.get("csrf_token")
    assert "lang" not in learner  # the teacher's language went with the teacher
    assert "Mijn cursus" not in client.get("/mijn-overzicht").get_data(as_text=True)


def test_the_cookie_carries_no_roles_and_a_revoked_role_counts_at_once(client, lms, registered, database):
    page = follow(client, launch(client, lms, roles=[LEARNER, INSTITUTION_ADMIN], custom=ECD).response)
    assert "Beheer" in page.get_data(as_text=True) and client.get("/beheer/instellingen").status_code == 200
    assert set(_session(client)) <= {"person_id", "signed_in_at", "seen_at", "lang", "csrf_token", "lti_launch_id",
                                     "lti_links", "lti_return_url", "_permanent", "_flashes"}
    with database.begin() as session:
        person_id = session.scalar(select(m.Person.id).where(m.Person.subject == "2"))
        session.execute(delete(m.PersonRole).where(m.PersonRole.person_id == person_id,
                                                   m.PersonRole.role == m.ToolRole.ORG_ADMIN))
    assert client.get("/beheer/instellingen").status_code == 403  # no new launch needed
    assert ">Beheer<" not in client.get("/mijn-overzicht").get_data(as_text=True)


def test_an_erased_person_is_signed_out(client, lms, registered, database):
    follow(client, launch(client, lms, custom=ECD).response)
    with database.begin() as session:
        session.execute(delete(m.Person).where(m.Person.subject == "2"))
    assert client.get("/mijn-overzicht").status_code == 302 and "person_id" not in _session(client)


def test_one_query_per_request_reads_the_person_and_roles(app, client, lms, registered, database):
    from sqlalchemy import event

    follow(client, launch(client, lms, custom=ECD).response)
    statements: list[str] = []
    engine = database.engine

    def _count(conn, cursor, statement, *args):
        if "person_roles" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        assert client.get("/mijn-overzicht").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    assert len(statements) == 1 and "people" in statements[0]
