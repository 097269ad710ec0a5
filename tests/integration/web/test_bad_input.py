"""Bad input is a clear Dutch 4xx and stores nothing, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service import models as m
from service.errors import InvalidInputError
from service.operations.people import grant_role


def _admin(database, make_person):
    person_id = make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def _count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("values", [
    {"slug": "s" * 65, "name": "Zorg"},  # SQLite would keep it, PostgreSQL refuses: both refuse now
    {"slug": "zorg-x", "name": "Zorg\x00"},  # PostgreSQL cannot store a NUL
    {"slug": "zorg-x", "name": "Zorg", "retention_months": 2**31},  # beyond a 32-bit integer
])
def test_a_value_its_column_cannot_hold_is_refused_before_the_database_sees_it(database, values):
    before = _count(database, m.Organisation)
    with pytest.raises(InvalidInputError) as refused, database.begin() as session:
        session.add(m.Organisation(**values))
        session.flush()
    assert "past niet" in str(refused.value)
    assert _count(database, m.Organisation) == before


def test_a_registration_field_longer_than_its_column_is_named_and_nothing_is_stored(browser, make_person, database):
    browser.sign_in(_admin(database, make_person)).get("/beheer/lti")
    issuer = "https://lms.example/" + "a" * 490
    response = browser.post("/beheer/lti", data={
        "issuer": issuer, "client_id": "c" * 256, "deployment_id": "1", "auth_login_url": "https://lms.example/auth",
        "auth_token_url": "https://lms.example/token", "key_set_url": "https://lms.example/jwks",
        "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "hoogstens 500 tekens" in page and "hoogstens 255 tekens" in page
    assert _count(database, m.LtiRegistration) == 0


def test_a_function_code_too_long_or_with_a_nul_is_refused(browser, make_person, database):
    browser.sign_in(_admin(database, make_person)).get("/beheer/functies")
    too_long = browser.post("/beheer/functies", data={"hr_code": "V" * 65, "profile": "verzorgende-ig"})
    assert too_long.status_code == 422 and "hoogstens 64 tekens" in too_long.get_data(as_text=True)
    nul = browser.post("/beheer/functies", data={"hr_code": "V\x00G", "profile": "verzorgende-ig"})
    assert nul.status_code == 400 and "NUL-teken" in nul.get_data(as_text=True)
    assert _count(database, m.OrganisationFunctionCode) == 0


@pytest.mark.parametrize("person", ["abc", "99999999999", "-1", ""])
def test_a_person_that_is_not_a_number_the_database_holds_is_not_found(browser, make_person, database, person):
    browser.sign_in(_admin(database, make_person)).get("/beheer/rollen")
    response = browser.post("/beheer/rollen", data={"person": person, "role": "hr"})
    assert response.status_code == 404
    assert "hoort niet bij je organisatie" in response.get_data(as_text=True)


def test_a_nul_in_a_query_or_the_path_is_refused(browser, make_person):
    browser.sign_in(make_person())
    for url in ("/mijn-overzicht?lang=n%00l", "/toets/ecd%00"):
        response = browser.get(url)
        assert response.status_code == 400, url
        assert "NUL-teken" in response.get_data(as_text=True)
