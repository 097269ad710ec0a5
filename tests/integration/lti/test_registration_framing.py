"""The dynamic registration page may be framed by the LMS that registers, and by no one else."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from service import models as m
from service.operations import registrations as lti_ops
from tests.integration.lti.conftest import registration_link


def _frame_ancestors(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]+)", policy).group(1).split()


def _organisation_with_another_active_lms(database):
    with database.begin() as session:
        org = m.Organisation(slug="zorg-dyn", name="Zorg dynamisch")
        session.add(org)
        session.flush()
        lti_ops.register_platform(session, org, issuer="https://other-lms.example", client_id="other",
                                  auth_login_url="https://other-lms.example/auth",
                                  auth_token_url="https://other-lms.example/token",
                                  key_set_url="https://other-lms.example/jwks", deployment_ids=["1"])


def test_registration_page_is_framable_by_the_registering_lms_only(client, lms, content, database):
    _organisation_with_another_active_lms(database)
    config_url, token = lms.start_dynamic_registration()
    page = client.get("/lti/register?" + urlencode({"openid_configuration": config_url, "registration_token": token,
                                                     **registration_link(database, "zorg-dyn")}))
    assert page.status_code == 200
    origin = f"http://{urlsplit(config_url).netloc}"
    assert _frame_ancestors(page) == ["'self'", origin]
    # the page tells only that LMS that the registration is done (lti.js posts to this origin)
    assert f'data-lti-close="{origin}"' in page.get_data(as_text=True)
    with database.begin() as session:
        pending = session.query(m.LtiRegistration).filter_by(status=m.RegistrationStatus.PENDING).one()
        assert pending.name == f"Moodle - {urlsplit(config_url).netloc}"
    # every other page: an anonymous visitor's pages are framed by no LMS at all
    assert _frame_ancestors(client.get("/")) == ["'self'"]


def test_a_failed_registration_is_shown_in_the_same_frame(client, lms, content, database):
    _organisation_with_another_active_lms(database)
    config_url, _ = lms.start_dynamic_registration()
    page = client.get("/lti/register?" + urlencode({"openid_configuration": config_url,
                                                     "registration_token": "not-issued",
                                                     **registration_link(database, "zorg-dyn")}))
    assert page.status_code == 400 and "Koppelen lukte niet" in page.get_data(as_text=True)
    assert _frame_ancestors(page) == ["'self'", f"http://{urlsplit(config_url).netloc}"]
    assert "data-lti-close" not in page.get_data(as_text=True)  # the admin reads the error first


def test_a_registration_link_without_a_platform_frames_nothing_new(client, content, database):
    _organisation_with_another_active_lms(database)
    page = client.get("/lti/register?" + urlencode({"openid_configuration": "javascript:alert(1)",
                                                     **registration_link(database, "zorg-dyn")}))
    assert "'self'" in _frame_ancestors(page) and "javascript:" not in page.headers["Content-Security-Policy"]
