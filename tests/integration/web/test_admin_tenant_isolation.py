"""An organisation admin's actions never reach another organisation's rows: registrations (status,
name), dead-letter retry, roles and LRS settings. Organisation B is set up in full; A's admin acts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from service import models as m
from service.operations import registrations
from service.operations.people import grant_role


@dataclass
class OrganisationB:
    registration_id: int
    dead_letter_id: int
    person_id: int


def _registration(session, org, slug):
    origin = f"https://lms.{slug}.example"
    return registrations.register_platform(
        session, org, issuer=origin, client_id=f"client-{slug}", auth_login_url=f"{origin}/auth",
        auth_token_url=f"{origin}/token", key_set_url=f"{origin}/jwks", deployment_ids=["1"], name=f"LMS {slug}")


def _dead_letter(session, org, key):
    item = m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key=key, payload={},
                        status=m.OutboxStatus.DEAD, attempts=8, last_error="HTTP 400")
    session.add(item)
    session.flush()
    return item.id


@pytest.fixture
def organisation_b(database, make_person):
    person = make_person("emp-b", org_slug="zorg-b")
    with database.begin() as session:
        org = session.get(m.Person, person).organisation
        org.lrs_endpoint, org.lrs_username, org.lrs_password = "https://lrs.zorg-b.example/xapi/", "b", "geheim-b"
        return OrganisationB(_registration(session, org, "zorg-b").id, _dead_letter(session, org, "b-1"), person)


@pytest.fixture
def admin_a(database, make_person, browser, organisation_b):
    person = make_person("admin-a", org_slug="zorg-a")
    with database.begin() as session:
        admin = session.get(m.Person, person)
        grant_role(session, admin, m.ToolRole.ORG_ADMIN, granted_by="test")
        _registration(session, admin.organisation, "zorg-a")
        _dead_letter(session, admin.organisation, "a-1")
    browser.sign_in(person).get("/beheer/lti")
    return person


def _registration_b(database, organisation_b):
    with database.begin() as session:
        row = session.get(m.LtiRegistration, organisation_b.registration_id)
        return row.status, row.name


def test_switching_off_another_organisations_registration_is_not_found(browser, database, admin_a, organisation_b):
    for action in ("uitzetten", "aanzetten"):
        response = browser.post(f"/beheer/lti/{organisation_b.registration_id}/{action}")
        assert response.status_code == 404
    assert _registration_b(database, organisation_b) == (m.RegistrationStatus.ACTIVE, "LMS zorg-b")
    with database.begin() as session:  # the admin's own one still switches off
        own = session.scalars(select(m.LtiRegistration).where(m.LtiRegistration.name == "LMS zorg-a")).one().id
    assert browser.post(f"/beheer/lti/{own}/uitzetten").status_code == 302
    assert _registration_b(database, organisation_b) == (m.RegistrationStatus.ACTIVE, "LMS zorg-b")


def test_renaming_another_organisations_registration_is_not_found(browser, database, admin_a, organisation_b):
    response = browser.post(f"/beheer/lti/{organisation_b.registration_id}/naam", data={"name": "Overgenomen"})
    assert response.status_code == 404
    assert _registration_b(database, organisation_b) == (m.RegistrationStatus.ACTIVE, "LMS zorg-b")


def _statuses(database):
    with database.begin() as session:
        return {i.dedupe_key: i.status for i in session.scalars(select(m.OutboxItem))}


def test_retrying_dead_letters_retries_only_the_organisations_own(browser, database, admin_a, organisation_b):
    page = browser.get("/beheer/xapi").get_data(as_text=True)
    assert f'value="{organisation_b.dead_letter_id}"' not in page
    browser.post("/beheer/xapi/opnieuw", data={"id": str(organisation_b.dead_letter_id)})
    assert _statuses(database) == {"a-1": m.OutboxStatus.DEAD, "b-1": m.OutboxStatus.DEAD}
    browser.post("/beheer/xapi/opnieuw")  # "retry all": all of A's, none of B's
    assert _statuses(database) == {"a-1": m.OutboxStatus.PENDING, "b-1": m.OutboxStatus.DEAD}


def test_roles_cannot_be_given_to_another_organisations_person(browser, database, admin_a, organisation_b):
    browser.get("/beheer/rollen")
    response = browser.post("/beheer/rollen", data={"person": str(organisation_b.person_id), "role": ["hr"]})
    assert response.status_code == 404
    with database.begin() as session:
        assert session.get(m.Person, organisation_b.person_id).roles == []


def test_saving_the_lrs_settings_leaves_another_organisation_alone(browser, database, admin_a, organisation_b):
    with database.begin() as session:
        b = session.get(m.Person, organisation_b.person_id).organisation
        before = (b.min_group_size, b.retention_months, b.result_visibility)
    browser.get("/beheer/instellingen")
    response = browser.post("/beheer/instellingen", data={
        "result_visibility": "manager", "min_group_size": "8", "help_request_mode": "automatic",
        "retention_months": "24", "leaver_months": "24", "lrs_endpoint": "", "lrs_username": "", "lrs_password": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    with database.begin() as session:
        b = session.get(m.Person, organisation_b.person_id).organisation
        a = session.get(m.Person, admin_a).organisation
        assert (a.min_group_size, a.lrs_endpoint) == (8, None)
        assert (b.min_group_size, b.retention_months, b.result_visibility) == before
        assert (b.lrs_endpoint, b.lrs_username, b.lrs_password) == ("https://lrs.zorg-b.example/xapi/", "b", "geheim-b")
