"""One organisation's admin cannot take over, block or look into another organisation's LMS registration."""

from __future__ import annotations

import pytest

from service import models as m
from service.operations import registrations
from service.operations.people import grant_role
from tests.integration.lti.conftest import follow, launch, register
from tests.support.platform import LEARNER

CUSTOM = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


@pytest.fixture
def admin_b(database, make_person, browser, registered):
    """Organisation A has the test LMS; B's admin is signed in."""
    person = make_person("admin-b", org_slug="zorg-b")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser.sign_in(person).get("/beheer/lti")
    return person


def _register_by_hand(browser, lms, **fields):
    form = {"name": "Onze Moodle", "issuer": lms.issuer, "client_id": lms.client_id, "deployment_id": lms.deployment_id,
            "auth_login_url": "https://evil.example/auth", "auth_token_url": "https://evil.example/token",
            "key_set_url": lms.jwks_url, "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
            "personnel_number_parameter": "digitoets_personnel_number",
            **fields}
    return browser.post("/beheer/lti", data=form)


def test_registering_another_organisations_issuer_and_client_says_only_already_registered(
        admin_b, browser, database, lms, client):
    refused = _register_by_hand(browser, lms)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409, page
    assert "Deze leeromgeving is al gekoppeld." in page
    assert lms.client_id not in page and "zorg-a" not in page and "Zorg zorg-a" not in page
    with database.begin() as session:
        [row] = session.query(m.LtiRegistration).all()  # nothing added for B, A's row untouched
        assert (row.organisation.slug, row.auth_login_url) == ("zorg-a", lms.auth_url)
    # A's people still launch into A
    page = follow(client, launch(client, lms, custom=CUSTOM).response)
    assert page.status_code == 200 and "Rapporteren in het ECD" in page.get_data(as_text=True)


@pytest.mark.parametrize("send_deployment", [True, False])
def test_a_later_registration_of_the_same_issuer_does_not_lock_out_the_first(
        admin_b, browser, database, lms, client, send_deployment):
    # B's admin adds A's issuer with another client id (and A's deployment id): before, a login
    # without client_id became ambiguous and A's people got "unknown_registration"
    added = _register_by_hand(browser, lms, client_id="someone-else")
    assert added.status_code == 302
    initiation = {} if send_deployment else {"lti_deployment_id": ""}
    params = {k: v for k, v in {**lms.login_initiation(send_client_id=False), **initiation}.items() if v}
    login = client.post("/lti/login", data=params)
    assert login.status_code == 302 and login.location.startswith(lms.auth_url)  # A's LMS, not evil.example
    done = follow(client, client.post("/lti/launch", data=lms.authorize(login.location)))
    assert done.status_code == 200
    with database.begin() as session:
        launched = session.query(m.Person).filter(m.Person.issuer == lms.issuer).one()
        assert launched.organisation.slug == "zorg-a"


def test_a_login_without_client_id_is_told_apart_by_its_deployment(database, lms, client, content):
    register(database, lms, slug="zorg-a")
    with database.begin() as session:  # the same platform, a second tool installation for organisation B
        org_b = m.Organisation(slug="zorg-b", name="Zorg B")
        session.add(org_b)
        session.flush()
        registrations.register_platform(session, org_b, issuer=lms.issuer, client_id="client-b",
                                        auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
                                        key_set_url=lms.jwks_url, deployment_ids=["deployment-b"])
    params = {**lms.login_initiation(send_client_id=False, roles=[LEARNER]), "lti_deployment_id": "deployment-b"}
    login = client.post("/lti/login", data=params)
    assert login.status_code == 302 and "client_id=client-b" in login.location
    params = {**lms.login_initiation(send_client_id=False), "lti_deployment_id": lms.deployment_id}
    login = client.post("/lti/login", data=params)
    assert login.status_code == 302 and f"client_id={lms.client_id}" in login.location
