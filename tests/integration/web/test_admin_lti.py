"""/beheer/lti: the registration's number (for `lti activate`) and a name the admin chooses."""

from __future__ import annotations

import re

from service import models as m
from service.operations import registrations
from service.operations.people import grant_role


def _admin(database, make_person, org_slug="zorg-a"):
    person_id = make_person(f"admin-{org_slug}", org_slug=org_slug)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def _pending(database, org_slug="zorg-a", name="Moodle - leren.zorg-a.example"):
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=org_slug).one()
        return registrations.register_platform(
            session, org, issuer="https://leren.zorg-a.example", client_id=f"dyn-{org_slug}",
            auth_login_url="https://leren.zorg-a.example/mod/lti/auth.php",
            auth_token_url="https://leren.zorg-a.example/mod/lti/token.php",
            key_set_url="https://leren.zorg-a.example/mod/lti/certs.php", name=name,
            status=m.RegistrationStatus.PENDING).id


def _cells(page, registration_id):
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if f"/lti/{registration_id}/naam" in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_admin_sees_the_number_and_renames_a_registration(browser, make_person, database):
    browser.sign_in(_admin(database, make_person))
    registration_id = _pending(database)
    page = browser.get("/beheer/lti").get_data(as_text=True)
    assert _cells(page, registration_id).startswith(f"{registration_id} Moodle - leren.zorg-a.example")
    assert "digitoets lti activate NUMMER" in page

    response = browser.post(f"/beheer/lti/{registration_id}/naam", data={"name": "  Moodle Zorgacademie  "})
    assert response.status_code == 302
    page = browser.get("/beheer/lti").get_data(as_text=True)
    assert "De naam is opgeslagen." in page
    assert _cells(page, registration_id).startswith(f"{registration_id} Moodle Zorgacademie")


def test_an_empty_or_too_long_name_is_refused_and_nothing_changes(browser, make_person, database):
    browser.sign_in(_admin(database, make_person))
    registration_id = _pending(database)
    browser.get("/beheer/lti")
    for name in ("   ", "x" * 201):
        response = browser.post(f"/beheer/lti/{registration_id}/naam", data={"name": name})
        assert response.status_code == 422
        assert "Geef de koppeling een naam van 1 tot 200 tekens." in response.get_data(as_text=True)
    with database.begin() as session:
        assert session.get(m.LtiRegistration, registration_id).name == "Moodle - leren.zorg-a.example"


def test_an_admin_cannot_rename_another_organisations_registration(browser, make_person, database):
    _admin(database, make_person, "zorg-b")
    registration_id = _pending(database, "zorg-b")
    browser.sign_in(_admin(database, make_person))
    browser.get("/beheer/lti")
    assert browser.post(f"/beheer/lti/{registration_id}/naam", data={"name": "Van mij"}).status_code == 404
    with database.begin() as session:
        assert session.get(m.LtiRegistration, registration_id).name == "Moodle - leren.zorg-a.example"
