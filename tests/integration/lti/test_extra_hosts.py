"""Canvas-shaped registrations: the issuer (canvas.instructure.com) and the endpoints are not on the
school's own host, where Canvas's deep linking return URL points. The admin names that host as an
extra host; the return URL may then be there, and still nowhere else."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from service import models as m
from service.operations import registrations
from tests.integration.lti.conftest import follow, launch, register, registration_link
from tests.support.platform import INSTRUCTOR, _with

CANVAS_ISSUER = "https://canvas.instructure.com"


def _canvas(database, lms, extra_hosts):
    """The test LMS as Canvas: issuer canvas.instructure.com; its pages also answer on localhost (the school)."""
    lms.issuer_override = CANVAS_ISSUER
    register(database, lms)
    with database.begin() as session:
        row = registrations.find_registration(session, CANVAS_ISSUER, lms.client_id)
        registrations.set_extra_hosts(session, row.organisation, row.id, extra_hosts)


def _school(lms) -> str:
    return lms.base_url.replace("127.0.0.1", "localhost")  # the same test LMS under another host name


def _deep_link(client, lms, return_url):
    return launch(client, lms, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest",
                  deep_linking={"data": "dl-data-42", "return_url": return_url}).response


def test_a_return_url_on_the_schools_own_host_is_accepted_when_it_is_an_extra_host(client, lms, content, database):
    _canvas(database, lms, [_school(lms).split("://", 1)[1]])
    page = follow(client, _deep_link(client, lms, _school(lms) + "/deep-linking-return"))
    text = page.get_data(as_text=True)
    assert "Welke digi-toets wil je in je cursus zetten?" in text
    token = text.split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post("/lti/deep-linking", data={"csrf_token": token, "test": ["ecd-rapportage"]}).get_data(as_text=True)
    assert f'action="{_school(lms)}/deep-linking-return"' in answer
    jwt = answer.split('name="JWT" value="')[1].split('"')[0]
    posted = requests.post(_school(lms) + "/deep-linking-return", data={"JWT": jwt}, timeout=10)
    assert posted.status_code == 200 and lms.deep_linking_items[-1]["custom"] == {"digitoets_test": "ecd-rapportage"}


@pytest.mark.parametrize("extra", [[], ["school.instructure.com"]])
def test_a_return_url_on_a_host_not_named_is_refused(client, lms, content, database, extra):
    _canvas(database, lms, extra)
    response = _deep_link(client, lms, _school(lms) + "/deep-linking-return")
    assert response.status_code == 400 and "deep_link_return_url_foreign" in response.get_data(as_text=True)


@pytest.mark.parametrize("extra, shown", [(True, True), (False, False)])
def test_the_way_back_to_the_course_may_lead_to_an_extra_host(client, lms, content, database, extra, shown):
    school = _school(lms)
    _canvas(database, lms, [school.split("://", 1)[1]] if extra else [])
    back = school + "/courses/7"
    presentation = _with(launch_presentation={"locale": "nl-NL", "return_url": back})
    custom = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
    page = follow(client, launch(client, lms, tamper=presentation, custom=custom).response).get_data(as_text=True)
    assert "Rapporteren in het ECD" in page
    assert (f'<a href="{back}" target="_top">Terug naar de cursus</a>' in page) is shown


@pytest.mark.parametrize("elsewhere", [True, False])
def test_dynamic_registration_stores_the_host_of_the_platforms_registration_endpoint(client, lms, database,
                                                                                     elsewhere):
    with database.begin() as session:
        session.add(m.Organisation(slug="zorg-d", name="Zorg D"))
    if elsewhere:
        lms.registration_base = _school(lms)  # its configuration names the school's own host
    config_url, token = lms.start_dynamic_registration()
    answer = client.get("/lti/register?" + urlencode({"openid_configuration": config_url, "registration_token": token,
                                                      **registration_link(database, "zorg-d")}))
    assert answer.status_code == 200 and len(lms.dynamic_registrations) == 1
    with database.begin() as session:
        [row] = session.query(m.LtiRegistration).all()
        assert row.extra_hosts == ([_school(lms).split("://", 1)[1]] if elsewhere else [])
