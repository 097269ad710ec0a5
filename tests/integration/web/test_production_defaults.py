"""Production defaults: HSTS, and no personal page left in a browser's or proxy's cache."""

from __future__ import annotations

import pytest

from service import create_app
from service import models as m
from service.config import Settings
from service.operations.people import grant_role


@pytest.fixture
def production_client(tmp_path, database_url, database):
    settings = Settings(
        env="production",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        secret_key="production-secret-key-that-is-long-enough-0123",
        base_url="https://toets.zorg.example",
        encryption_key="7BlOXl1eSIdosawHBTK0ZlhxOPqbKIpOT2CqJncky_U=",  # required in production (secrets at rest)
    )
    return create_app(settings, database=database).test_client()


def test_production_responses_carry_hsts(production_client):
    for url in ("/", "/healthz", "/lti/jwks", "/static/digitoets.css"):
        response = production_client.get(url, base_url="https://toets.zorg.example")
        response.close()
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", url


def test_no_hsts_outside_production(client):
    # development runs on http://127.0.0.1, where HSTS would lock the browser out of it for a year
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_personal_and_admin_pages_are_never_stored(browser, make_person, database):
    person_id = make_person()
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser.sign_in(person_id)
    for url in ("/mijn-overzicht", "/toetsen", "/beheer/instellingen", "/beheer/xapi", "/beheer/rollen", "/beheer/status"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_a_signed_out_redirect_and_an_error_page_are_not_stored_either(client):
    assert client.get("/mijn-overzicht").headers["Cache-Control"] == "no-store"
    assert client.get("/bestaat-niet").headers["Cache-Control"] == "no-store"


def test_public_files_and_the_key_set_may_be_cached(client):
    for url in ("/static/digitoets.css", "/lti/jwks"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
    assert client.get("/lti/jwks").headers["Cache-Control"] == "max-age=300"
