"""An organisation admin sets the privacy rules and the LRS, and sees what waits for the LRS."""

from __future__ import annotations

from sqlalchemy import select

from service import models as m
from service.operations.people import grant_role


def make_admin(database, make_person):
    person_id = make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def test_an_employee_may_not_open_the_admin_pages(browser, make_person):
    browser.sign_in(make_person())
    assert browser.get("/beheer/instellingen").status_code == 403
    assert browser.get("/beheer/xapi").status_code == 403


def test_admin_changes_privacy_settings_and_employees_are_told(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    page = browser.get("/beheer/instellingen").get_data(as_text=True)
    assert "Wie ziet losse resultaten van een medewerker?" in page
    response = browser.post("/beheer/instellingen", data={
        "result_visibility": "manager", "min_group_size": "8", "help_request_mode": "automatic",
        "retention_months": "24", "lrs_endpoint": "https://lrs.zorg.example/xapi/", "lrs_username": "digitoets",
        "lrs_password": "geheim-wachtwoord",
    })
    assert response.status_code == 302
    with database.begin() as session:
        org = session.scalars(select(m.Organisation)).one()
        assert org.result_visibility is m.ResultVisibility.MANAGER
        assert (org.min_group_size, org.retention_months) == (8, 24)
        assert org.help_request_mode is m.HelpRequestMode.AUTOMATIC
        assert org.lrs_password == "geheim-wachtwoord"
    again = browser.get("/beheer/instellingen").get_data(as_text=True)
    assert "geheim-wachtwoord" not in again  # a stored secret is never shown back


def test_bad_settings_are_refused_with_the_field_named(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    browser.get("/beheer/instellingen")
    response = browser.post("/beheer/instellingen", data={
        "result_visibility": "iedereen", "min_group_size": "1", "help_request_mode": "opt_in", "retention_months": "12",
        "lrs_endpoint": "lrs zonder adres",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies een getal van 2 tot en met 100." in page
    assert "Vul een volledig adres in, met https://." in page
    with database.begin() as session:
        org = session.scalars(select(m.Organisation)).one()
        assert (org.min_group_size, org.lrs_endpoint) == (5, None)


def test_admin_sees_dead_letters_and_retries_them(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    with database.begin() as session:
        org = session.scalars(select(m.Organisation)).one()
        session.add(m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key="abc", status=m.OutboxStatus.DEAD,
                                 payload={"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}},
                                 last_error="Voider cannot void another voider"))
        session.add(m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key="def", payload={}))
    page = browser.get("/beheer/xapi").get_data(as_text=True)
    assert "Voider cannot void another voider" in page
    assert "Er is geen eigen LRS ingesteld." in page
    browser.post("/beheer/xapi/opnieuw")
    with database.begin() as session:
        assert {r.status for r in session.scalars(select(m.OutboxItem))} == {m.OutboxStatus.PENDING}


def test_the_xapi_profile_resolves(client, settings):
    response = client.get("/xapi/profile")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.get_json()["id"] == f"{settings.base_url}/xapi/profile"


def test_an_unknown_choice_is_refused_in_dutch(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    browser.get("/beheer/instellingen")
    response = browser.post("/beheer/instellingen", data={
        "result_visibility": "iedereen", "min_group_size": "5", "help_request_mode": "opt_in", "retention_months": "12",
    })
    assert response.status_code == 422
    assert "Ongeldige keuze." in response.get_data(as_text=True)  # WTForms' own Dutch catalogue


def test_admin_registers_an_lms_and_switches_a_pending_one_on(browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    page = browser.get("/beheer/lti").get_data(as_text=True)
    assert "Nieuw registratieadres maken" in page and "/lti/jwks" in page
    response = browser.post("/beheer/lti", data={
        "name": "Moodle Zorgacademie", "issuer": "https://moodle.zorg.example", "client_id": "abc123",
        "deployment_id": "1", "auth_login_url": "https://moodle.zorg.example/mod/lti/auth.php",
        "auth_token_url": "https://moodle.zorg.example/mod/lti/token.php",
        "key_set_url": "https://moodle.zorg.example/mod/lti/certs.php",
        "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
        "personnel_number_parameter": "", "extra_hosts": "",  # cleared: optional
    })
    assert response.status_code == 302
    with database.begin() as session:
        registration = session.scalars(select(m.LtiRegistration)).one()
        assert registration.status is m.RegistrationStatus.ACTIVE and registration.client_id == "abc123"
        assert [d.deployment_id for d in registration.deployments] == ["1"]
        # the optional fields left out of the form take their defaults
        assert registration.personnel_number_parameter == "digitoets_personnel_number"
        assert registration.extra_hosts == [] and registration.name == "Moodle Zorgacademie"
        registration.status = m.RegistrationStatus.PENDING
        registration_id = registration.id
    browser.post(f"/beheer/lti/{registration_id}/aanzetten")
    with database.begin() as session:
        assert session.get(m.LtiRegistration, registration_id).status is m.RegistrationStatus.ACTIVE


def test_admin_grants_the_coach_role(browser, make_person, database):
    admin_id = make_admin(database, make_person)
    employee_id = make_person("emp-9")
    browser.sign_in(admin_id)
    browser.get("/beheer/rollen")
    browser.post("/beheer/rollen", data={"person": str(employee_id), "role": ["coach", "org_admin"]})
    with database.begin() as session:
        roles = {r.role for r in session.get(m.Person, employee_id).roles}
        assert m.ToolRole.COACH in roles and m.ToolRole.ORG_ADMIN not in roles
