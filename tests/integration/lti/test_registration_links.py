"""Dynamic registration only through a registration link an organisation admin made (and can revoke);
the same answer for an unknown organisation and a wrong link; https and public addresses only outside
development; a cap on registrations waiting for approval."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from service import create_app
from service import models as m
from service.operations import registration_links
from service.operations.people import grant_role
from tests.integration.lti.conftest import registration_link

REFUSED = "Dit registratieadres klopt niet of is ingetrokken."


@pytest.fixture
def admin(database, make_person, browser):
    person = make_person("admin-1", org_slug="zorg-a")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser.sign_in(person).get("/beheer/lti")
    return person


def _register(client, lms, link: dict[str, str]):
    config_url, token = lms.start_dynamic_registration()
    return client.get("/lti/register?" + urlencode({"openid_configuration": config_url, "registration_token": token,
                                                     **link}))


def _pending(database) -> int:
    with database.begin() as session:
        return len(session.scalars(select(m.LtiRegistration).where(
            m.LtiRegistration.status == m.RegistrationStatus.PENDING)).all())


def test_an_admin_makes_a_link_and_the_lms_registers_with_it(browser, admin, database, lms, app):
    page = browser.post("/beheer/lti/registratie-link").get_data(as_text=True)
    link = re.search(r'<code id="registratie-link">([^<]+)</code>', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/lti/register" and query["org"] == ["zorg-a"]
    token = query["link"][0]
    with database.begin() as session:  # only a hash is stored
        [row] = session.scalars(select(m.RegistrationLink)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert token not in browser.get("/beheer/lti").get_data(as_text=True)  # shown once
    answer = _register(app.test_client(), lms, {"org": "zorg-a", "link": token})
    assert answer.status_code == 200 and "Koppeling aangevraagd" in answer.get_data(as_text=True)
    assert _pending(database) == 1 and len(lms.dynamic_registrations) == 1


def test_a_revoked_link_no_longer_registers(browser, admin, database, lms, client):
    link = registration_link(database, "zorg-a")
    with database.begin() as session:
        link_id = session.scalars(select(m.RegistrationLink.id)).one()
    browser.get("/beheer/lti")
    assert browser.post(f"/beheer/lti/registratie-link/{link_id}/intrekken").status_code == 302
    assert "Het registratieadres is ingetrokken." in browser.get("/beheer/lti").get_data(as_text=True)
    with database.begin() as session:  # both in the audit log, with who did it
        events = session.scalars(select(m.AuditEvent).order_by(m.AuditEvent.id)).all()
        assert [(e.action, e.actor_id) for e in events] == [("registration_link.create", None),
                                                            ("registration_link.revoke", admin)]
    refused = _register(client, lms, link)
    assert refused.status_code == 404 and REFUSED in refused.get_data(as_text=True)
    assert _pending(database) == 0 and lms.dynamic_registrations == []


def test_an_unknown_organisation_and_a_wrong_link_get_the_same_answer(make_person, database, lms, client):
    make_person("emp-a", org_slug="zorg-a")
    make_person("emp-b", org_slug="zorg-b")
    good_a = registration_link(database, "zorg-a")
    answers = [
        _register(client, lms, {"org": "bestaat-niet", "link": good_a["link"]}),
        _register(client, lms, {"org": "zorg-b", "link": good_a["link"]}),  # another organisation's link
        _register(client, lms, {"org": "zorg-a", "link": good_a["link"][:-1] + "x"}),
        _register(client, lms, {"org": "zorg-a"}),
        _register(client, lms, {"org": "bestaat-niet"}),
    ]
    bodies = {re.search(r"<main.*</main>", a.get_data(as_text=True), re.S).group(0) for a in answers}
    assert {a.status_code for a in answers} == {404} and len(bodies) == 1 and REFUSED in bodies.pop()
    assert _pending(database) == 0 and lms.dynamic_registrations == []  # nothing was fetched or posted


def test_at_most_five_registrations_wait_for_approval(make_person, database, lms, client):
    make_person("emp-a", org_slug="zorg-a")
    link = registration_link(database, "zorg-a")
    for _ in range(registration_links.MAX_PENDING):
        assert _register(client, lms, link).status_code == 200
    refused = _register(client, lms, link)
    assert refused.status_code == 409
    assert "Er wachten al 5 koppelingen op goedkeuring." in refused.get_data(as_text=True)
    assert _pending(database) == 5 and len(lms.dynamic_registrations) == 5


def test_outside_development_an_internal_or_plain_http_platform_is_not_contacted(settings, database, make_person,
                                                                                    lms):
    make_person("emp-a", org_slug="zorg-a")
    strict = create_app(replace(settings, allow_internal_targets=False), database=database).test_client()
    for config in (lms.openid_configuration_url,  # http, on loopback: a real platform that would register us
                   lms.openid_configuration_url.replace("http://", "https://"),  # https, on loopback
                   "https://169.254.169.254/latest/meta-data/"):
        _config, token = lms.start_dynamic_registration()  # a token the test LMS accepts
        answer = strict.get("/lti/register?" + urlencode({"openid_configuration": config, "registration_token": token,
                                                           **registration_link(database, "zorg-a")}))
        assert answer.status_code == 400 and "Koppelen lukte niet" in answer.get_data(as_text=True)
    assert _pending(database) == 0 and lms.dynamic_registrations == []
