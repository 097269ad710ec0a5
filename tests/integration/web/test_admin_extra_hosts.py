"""/beheer/lti: an admin names the LMS's other hosts (Canvas: the school's own host), checked; another
organisation's admin cannot set them."""

from __future__ import annotations

import pytest

from service import models as m
from tests.integration.web.test_admin_tenant_isolation import _registration, admin_a, organisation_b  # noqa: F401


def _hosts(database, registration_id):
    with database.begin() as session:
        return session.get(m.LtiRegistration, registration_id).extra_hosts


def _own(database, admin_a):  # noqa: F811 - the fixture's value
    with database.begin() as session:
        person = session.get(m.Person, admin_a)
        return session.query(m.LtiRegistration).filter_by(organisation_id=person.organisation_id).one().id


def test_the_admin_sets_and_sees_the_other_hosts(browser, database, admin_a):  # noqa: F811
    own = _own(database, admin_a)
    page = browser.get("/beheer/lti").get_data(as_text=True)
    assert "Andere adressen van deze leeromgeving" in page
    saved = browser.post(f"/beheer/lti/{own}/adressen", data={"extra_hosts": "School.Instructure.com\nleren.zorg-a.nl"})
    assert saved.status_code == 302
    assert _hosts(database, own) == ["school.instructure.com", "leren.zorg-a.nl"]
    page = browser.get("/beheer/lti").get_data(as_text=True)
    assert "<code>school.instructure.com</code>" in page and "school.instructure.com\nleren.zorg-a.nl</textarea>" in page
    assert browser.post(f"/beheer/lti/{own}/adressen", data={"extra_hosts": ""}).status_code == 302
    assert _hosts(database, own) == []


@pytest.mark.parametrize("bad, named", [
    ("https://school.instructure.com", '"https://school.instructure.com" is geen hostnaam'),
    ("school.instructure.com/courses/7", '"school.instructure.com/courses/7" is geen hostnaam'),
    ("\n".join(f"h{i}.zorg.nl" for i in range(11)), "Vul hoogstens 10 andere adressen in."),
])
def test_anything_but_host_names_is_refused_in_dutch_and_nothing_changes(browser, database, admin_a, bad, named):  # noqa: F811
    own = _own(database, admin_a)
    browser.post(f"/beheer/lti/{own}/adressen", data={"extra_hosts": "school.instructure.com"})
    response = browser.post(f"/beheer/lti/{own}/adressen", data={"extra_hosts": "goed.zorg.nl\n" + bad})
    assert response.status_code == 422
    assert named in response.get_data(as_text=True).replace("&#34;", '"').replace("&quot;", '"')
    assert _hosts(database, own) == ["school.instructure.com"]


def test_a_new_registration_with_a_bad_extra_host_is_refused_and_not_stored(browser, database, admin_a):  # noqa: F811
    response = browser.post("/beheer/lti", data={
        "issuer": "https://canvas.instructure.com", "client_id": "10000", "deployment_id": "1",
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks", "extra_hosts": "https://school.instructure.com",
        "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
        "personnel_number_parameter": "digitoets_personnel_number"})
    assert response.status_code == 422
    with database.begin() as session:
        assert session.query(m.LtiRegistration).filter_by(issuer="https://canvas.instructure.com").count() == 0
    response = browser.post("/beheer/lti", data={
        "issuer": "https://canvas.instructure.com", "client_id": "10000", "deployment_id": "1",
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks", "extra_hosts": "school.instructure.com",
        "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
        "personnel_number_parameter": "digitoets_personnel_number"})
    assert response.status_code == 302
    with database.begin() as session:
        row = session.query(m.LtiRegistration).filter_by(issuer="https://canvas.instructure.com").one()
        assert row.extra_hosts == ["school.instructure.com"]


def test_another_organisations_hosts_cannot_be_set(browser, database, admin_a, organisation_b):  # noqa: F811
    response = browser.post(f"/beheer/lti/{organisation_b.registration_id}/adressen",
                            data={"extra_hosts": "evil.example"})
    assert response.status_code == 404
    assert _hosts(database, organisation_b.registration_id) == []
