"""The audit log: each admin action writes a row in its own transaction, and only the admin of
the same organisation reads it, at /beheer/audit (filtered, paginated). On PostgreSQL a
trigger refuses to change or delete rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service import models as m
from service.operations import audit
from service.operations.people import grant_role

SETTINGS = {"result_visibility": "employee_only", "min_group_size": "5", "help_request_mode": "opt_in",
            "retention_months": "36"}
REGISTRATION = {
    "name": "Moodle Zorgacademie", "issuer": "https://leren.zorg-a.example", "client_id": "client-a",
    "deployment_id": "1", "auth_login_url": "https://leren.zorg-a.example/auth",
    "auth_token_url": "https://leren.zorg-a.example/token", "key_set_url": "https://leren.zorg-a.example/certs",
    "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
}


def make_admin(database, make_person, org_slug="zorg-a"):
    person_id = make_person(f"admin-{org_slug}", org_slug=org_slug)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def rows(database, action=None):
    with database.begin() as session:
        query = select(m.AuditEvent).order_by(m.AuditEvent.id)
        if action:
            query = query.where(m.AuditEvent.action == action.value)
        return [(r.organisation_id, r.actor_id, r.action, r.subject, r.detail) for r in session.scalars(query)]


def test_changing_privacy_and_lrs_settings_is_logged_without_the_password(browser, make_person, database):
    admin = make_admin(database, make_person)
    browser.sign_in(admin)
    browser.get("/beheer/instellingen")
    assert browser.post("/beheer/instellingen", data={**SETTINGS, "retention_months": "24", "leaver_months": "18",
                                                      "lrs_endpoint": "https://lrs.zorg.example/xapi/",
                                                      "lrs_username": "digitoets", "lrs_password": "geheim-123"},
                        ).status_code == 302
    [privacy] = rows(database, audit.Action.PRIVACY_SETTINGS_CHANGED)
    assert privacy[1] == admin and privacy[3].startswith("organisation:")
    assert "retention_months=36->24" in privacy[4] and "leaver_months=24->18" in privacy[4]
    [lrs] = rows(database, audit.Action.LRS_SETTINGS_CHANGED)
    assert lrs[4] == "changed=endpoint,username,password" and "geheim" not in lrs[4]
    # saving the same values again changes nothing and logs nothing
    browser.get("/beheer/instellingen")
    browser.post("/beheer/instellingen", data={**SETTINGS, "retention_months": "24", "leaver_months": "18",
                                               "lrs_endpoint": "https://lrs.zorg.example/xapi/",
                                               "lrs_username": "digitoets"})
    assert len(rows(database)) == 2


def test_role_changes_are_logged_with_before_and_after(browser, make_person, database):
    admin = make_admin(database, make_person)
    coach = make_person("coach-1")
    browser.sign_in(admin)
    browser.get("/beheer/rollen")
    browser.post("/beheer/rollen", data={"person": str(coach), "role": ["coach", "hr"]})
    browser.post("/beheer/rollen", data={"person": str(coach), "role": ["hr"]})
    logged = rows(database, audit.Action.ROLES_CHANGED)
    assert [(r[1], r[3], r[4]) for r in logged] == [
        (admin, f"person:{coach}", "before=-, after=coach,hr"),
        (admin, f"person:{coach}", "before=coach,hr, after=hr"),
    ]


def test_adding_switching_and_renaming_a_registration_is_logged(browser, make_person, database):
    admin = make_admin(database, make_person)
    browser.sign_in(admin)
    browser.get("/beheer/lti")
    assert browser.post("/beheer/lti", data=REGISTRATION).status_code == 302
    with database.begin() as session:
        registration_id = session.scalar(select(m.LtiRegistration.id))
    browser.post(f"/beheer/lti/{registration_id}/uitzetten")
    browser.post(f"/beheer/lti/{registration_id}/naam", data={"name": "Moodle"})
    logged = [(r[1], r[2], r[3], r[4]) for r in rows(database)]
    subject = f"registration:{registration_id}"
    assert logged == [
        (admin, "registration.add", subject, "status=active"),
        (admin, "registration.status", subject, "active->disabled"),
        (admin, "registration.rename", subject, None),
    ]


def test_the_admin_reads_the_log_and_another_organisation_sees_none_of_it(browser, make_person, database, client):
    admin_a = make_admin(database, make_person, "zorg-a")
    admin_b = make_admin(database, make_person, "zorg-b")
    employee = make_person("emp-a")
    browser.sign_in(admin_a)
    browser.get("/beheer/rollen")
    browser.post("/beheer/rollen", data={"person": str(employee), "role": ["coach"]})
    page = browser.get("/beheer/audit").get_data(as_text=True)
    assert "Rollen veranderd" in page and f"person:{employee}" in page
    # the list of people is a person-level view: looking at it is logged too
    assert "Lijst van personen en hun rollen bekeken" in page and "2 regels gevonden." in page

    browser.sign_in(admin_b)
    response = browser.get("/beheer/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "0 regels gevonden." in page and f"person:{employee}" not in page
    # filtering on the action or guessing pages shows nothing of A either
    page = browser.get("/beheer/audit?actie=roles.change&pagina=1").get_data(as_text=True)
    assert f"person:{employee}" not in page


def test_an_employee_cannot_read_the_log(browser, make_person):
    browser.sign_in(make_person())
    assert browser.get("/beheer/audit").status_code == 403


def test_the_log_filters_by_action_and_date_and_pages_by_fifty(browser, make_person, database):
    admin = make_admin(database, make_person)
    now = datetime.now(UTC)
    with database.begin() as session:
        org = session.get(m.Person, admin).organisation
        for n in range(55):
            audit.record(session, org, admin, audit.Action.REGISTRATION_RENAMED, f"registration:{n}",
                         at=now - timedelta(days=10))
        audit.record(session, org, admin, audit.Action.ROLES_CHANGED, "person:999")
    browser.sign_in(admin)
    first = browser.get("/beheer/audit").get_data(as_text=True)
    assert "56 regels gevonden." in first and "Pagina 1 van 2" in first and "person:999" in first
    second = browser.get("/beheer/audit?pagina=2").get_data(as_text=True)
    assert second.count("registration:") == 6
    only_roles = browser.get("/beheer/audit?actie=roles.change").get_data(as_text=True)
    assert "1 regel gevonden." in only_roles and "registration:" not in only_roles.split("<table")[-1]
    day = (now - timedelta(days=10)).date().isoformat()
    that_day = browser.get(f"/beheer/audit?van={day}&tot={day}").get_data(as_text=True)
    assert "55 regels gevonden." in that_day and "person:999" not in that_day


@pytest.mark.parametrize("query", ["van=31-01-2026", "tot=9999-12-31", "actie=drop+table", "pagina=99999999999"])
def test_bad_filters_give_a_dutch_message_not_an_error(browser, make_person, database, query):
    browser.sign_in(make_admin(database, make_person))
    response = browser.get(f"/beheer/audit?{query}")
    if query.startswith("pagina"):
        assert response.status_code == 200
    else:
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Vul een datum in als jjjj-mm-dd" in page or "Kies een handeling uit de lijst." in page


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_audit_rows(database, make_person):
    admin = make_admin(database, make_person)
    with database.begin() as session:
        event = audit.record(session, session.get(m.Person, admin).organisation, admin, audit.Action.ROLES_CHANGED, "x")
        event_id = event.id
    for statement in ("UPDATE audit_events SET detail = 'rewritten' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            with database.begin() as session:
                session.execute(text(statement), {"id": event_id})
    assert rows(database)[0][4] is None
    # what the foreign keys do still works: removing the actor, and the organisation with all it has
    with database.begin() as session:
        session.execute(text("DELETE FROM person_roles WHERE person_id = :id"), {"id": admin})
        session.execute(text("DELETE FROM function_assignments WHERE person_id = :id"), {"id": admin})
        session.execute(text("DELETE FROM people WHERE id = :id"), {"id": admin})
    assert rows(database)[0][1] is None
    with database.begin() as session:
        session.execute(text("DELETE FROM organisations"))
    assert rows(database) == []


def test_looking_at_the_people_list_is_logged_without_the_search_text(browser, make_person, database):
    admin = make_admin(database, make_person)
    browser.sign_in(admin)
    assert browser.get("/beheer/rollen?zoek=Jansen&met_rol=1").status_code == 200
    logged = rows(database, audit.Action.PEOPLE_ROLES_VIEWED)
    with database.begin() as session:
        org_id = session.get(m.Person, admin).organisation_id
    assert [(r[1], r[3]) for r in logged] == [(admin, f"organisation:{org_id}")]
    assert "search=yes" in logged[0][4] and "with_role=yes" in logged[0][4] and "Jansen" not in logged[0][4]
