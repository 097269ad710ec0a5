"""The employee's registration number: format per registry, consent, withdrawal, encrypted at rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from service import models as m
from service.jobs import points as points_job
from tests.integration.accreditation.conftest import NOW, sign_in


@pytest.fixture
def anna(make_person, registries):
    return make_person("anna")


def registry_id(registries, code):
    return registries[code]


@pytest.mark.parametrize(("registry", "number", "message"), [
    ("knmg-gaia", "1234567890", "Een BIG-nummer heeft 11 cijfers."),
    ("vvn-kwaliteitsregister", "1234567", "Vul je relatienummer van V&amp;VN in (6 cijfers) of je BIG-nummer (11 cijfers)."),
    ("nvvpo", "12", "Je registratienummer bij de NVvPO heeft 3 of 4 cijfers."),
    ("nvvpo", "12a4", "Je registratienummer bij de NVvPO heeft 3 of 4 cijfers."),
    ("nvvpo", "   ", "Vul je nummer in."),
])
def test_a_number_that_does_not_fit_the_registry_is_refused_with_a_dutch_message(
        browser, database, anna, registries, registry, number, message):
    sign_in(browser, anna).get("/mijn-overzicht/registers")
    response = browser.post(f"/mijn-overzicht/registers/{registries[registry]}", {"number": number, "consent": "ja"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    with database.begin() as session:
        assert session.scalar(select(m.RegistrationNumber)) is None  # nothing half-stored


def test_without_consent_nothing_is_stored(browser, database, anna, registries):
    sign_in(browser, anna).get("/mijn-overzicht/registers")
    response = browser.post(f"/mijn-overzicht/registers/{registries['knmg-gaia']}", {"number": "12345678901"})
    assert response.status_code == 422
    assert "Zet een vinkje" in response.get_data(as_text=True)
    with database.begin() as session:
        assert session.scalar(select(m.RegistrationNumber)) is None


def test_a_number_with_consent_is_kept_encrypted_and_shown_only_to_its_owner(
        browser, database, anna, registries, make_person, client):
    sign_in(browser, anna).get("/mijn-overzicht/registers")
    response = browser.post(f"/mijn-overzicht/registers/{registries['knmg-gaia']}",
                            {"number": "123 456 789 01", "consent": "ja"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Je nummer: 12345678901." in response.get_data(as_text=True)
    with database.begin() as session:
        stored = session.execute(text("SELECT number FROM registration_numbers")).scalar()
    assert "12345678901" not in stored and stored.startswith("gAAAAA")  # a Fernet token, not the number
    colleague = make_person("bram")
    other = sign_in(browser, colleague).get("/mijn-overzicht/registers").get_data(as_text=True)
    assert "12345678901" not in other


def test_withdrawing_consent_erases_the_number(browser, database, anna, registries):
    sign_in(browser, anna).get("/mijn-overzicht/registers")
    browser.post(f"/mijn-overzicht/registers/{registries['nvvpo']}", {"number": "0421", "consent": "ja"})
    response = browser.post(f"/mijn-overzicht/registers/{registries['nvvpo']}/intrekken", follow_redirects=True)
    assert "Je toestemming is ingetrokken" in response.get_data(as_text=True)
    assert "0421" not in response.get_data(as_text=True)
    with database.begin() as session:
        row = session.scalar(select(m.RegistrationNumber))
        assert row.number is None and row.withdrawn_at is not None


def test_my_points_per_registry_are_on_my_page_and_linked_from_my_overview(
        browser, database, anna, registries, add_hours):
    add_hours(anna, 180)
    with database.begin() as session:
        org = session.get(m.Person, anna).organisation_id
    points_job.run(database, [org], clock=lambda: NOW)
    overview = sign_in(browser, anna).get("/mijn-overzicht").get_data(as_text=True)
    assert 'href="/mijn-overzicht/registers"' in overview
    page = browser.get("/mijn-overzicht/registers").get_data(as_text=True)
    assert page.count("Je punten hier: 3 punten.") == 1  # V&VN: the registry of her function
    assert "wacht: 1" in page
