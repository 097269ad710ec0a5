"""The demo LMS at /dev/lms: a real LTI 1.3 platform inside the development app.

Every launch here is the browser's path with the Flask test client: the course page's login
initiation form is posted to /lti/login, the tool redirects to /dev/lms/auth, which signs the
id_token (lti1p3platform) and answers with the form that posts it to /lti/launch. The demo LMS
keeps its key set on its registration, so nothing goes over the network: the tests make any
HTTP request fail.
"""

from __future__ import annotations

import dataclasses
import logging
import stat
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from sqlalchemy import func, select

from service import create_app
from service import models as m
from service.operations.registrations import to_registration
from service.web.demo_lms import platform as demo_lms
from tests.integration.lti.conftest import TOOL, follow

ISSUER = f"{TOOL}/dev/lms"


@pytest.fixture
def settings(settings):
    """The LTI tests' settings (base URL http://localhost) with the development login on."""
    return dataclasses.replace(settings, dev_login=True)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any HTTP request (requests, which pylti1p3 and lti1p3platform use) fails the test."""

    def refuse(self, method, url, *args, **kwargs):
        raise AssertionError(f"network request during a demo LMS launch: {method} {url}")

    monkeypatch.setattr(requests.Session, "request", refuse)


class Forms(HTMLParser):
    """Every form of a page: action, hidden fields and the text inside it (its button)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._open = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action"), "fields": {}, "text": "",
                               "auto": "data-auto-submit" in values})
            self._open = True
        elif tag == "input" and self._open and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.forms[-1]["text"] += data

    def named(self, text: str) -> dict:
        found = [f for f in self.forms if text in f["text"]]
        assert len(found) == 1, f"{len(found)} forms with {text!r}: {[f['text'] for f in self.forms]}"
        return found[0]


def forms(response) -> Forms:
    return Forms(response.get_data(as_text=True))


def path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == TOOL, url  # every step stays on the tool's origin
    return parts.path + (f"?{parts.query}" if parts.query else "")


def launch_from_course(client, button: str, person: str = "ans", steps: bool = False):
    """Press ``button`` on the course page as ``person``; returns (auth page, tool's answer)."""
    course = client.get(f"/dev/lms?als={person}" + ("&stappen=1" if steps else ""))
    assert course.status_code == 200
    initiation = forms(course).named(button)
    assert path(initiation["action"]) == "/lti/login"
    login = client.post(path(initiation["action"]), data=initiation["fields"])
    assert login.status_code == 302, login.get_data(as_text=True)
    assert path(login.location).startswith("/dev/lms/auth?")
    auth = client.get(path(login.location))
    assert auth.status_code == 200, auth.get_data(as_text=True)
    [post] = forms(auth).forms
    assert path(post["action"]) == "/lti/launch" and set(post["fields"]) == {"id_token", "state"}
    assert post["auto"] is not steps
    return auth, post, client.post("/lti/launch", data=post["fields"])


def demo_registration(database):
    """The demo LMS's registration as the tool reads it (lti.registration.Registration)."""
    with database.begin() as session:
        return to_registration(session.scalars(select(m.LtiRegistration).where(m.LtiRegistration.issuer == ISSUER)).one())


def test_an_employee_opens_a_test_from_the_course_page(client, content, database):
    auth, post, launched = launch_from_course(client, "Rapporteren in het ECD")
    assert launched.status_code == 302, launched.get_data(as_text=True)
    page = follow(client, launched)
    assert page.request.path == "/toets/ecd-rapportage"
    text = page.get_data(as_text=True)
    assert "Rapporteren in het ECD" in text and "Start de toets" in text

    # the id_token is the demo LMS's, signed with the key published at /dev/lms/jwks
    keys = client.get("/dev/lms/jwks").get_json()["keys"]
    header = jwt.get_unverified_header(post["fields"]["id_token"])
    [key] = [k for k in keys if k["kid"] == header["kid"]]
    claims = jwt.decode(post["fields"]["id_token"], jwt.PyJWK(key).key, algorithms=["RS256"],
                        audience="digitoets-demo", issuer=ISSUER)
    assert claims["sub"] == "lms-ans-de-vries" and claims["name"] == "Ans de Vries"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/roles"] == [demo_lms.LEARNER]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/custom"] == {
        "digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}

    with database.begin() as session:
        person = session.scalars(select(m.Person).where(m.Person.issuer == ISSUER)).one()
        assert (person.subject, person.name, person.email) == ("lms-ans-de-vries", "Ans de Vries",
                                                               "ans.devries@delinde.example")
        assert person.organisation.slug == "demo"
        assert {r.role for r in person.roles} == {m.ToolRole.EMPLOYEE}
        assert person.function_assignments[-1].profile.code == "verzorgende-ig"
        link = session.scalars(select(m.LtiResourceLink)).one()
        assert session.get(m.DigiTest, link.digi_test_id).code == "ecd-rapportage"
        assert link.lineitem_url == f"{ISSUER}/ags/{demo_lms.COURSE_ID}/lineitems/ecd-rapportage"


def test_a_teacher_adds_a_test_to_the_course_by_deep_linking(client, content, database):
    auth, post, launched = launch_from_course(client, "Toets toevoegen aan de cursus", person="docent")
    assert launched.status_code == 302, launched.get_data(as_text=True)
    choose = follow(client, launched)
    assert choose.request.path == "/lti/deep-linking"
    picked = next(f for f in forms(choose).forms if "afmelden" not in (f["action"] or ""))["fields"]
    answer = client.post("/lti/deep-linking", data={**picked, "test": "ecd-rapportage"})
    assert answer.status_code == 200
    [back] = [f for f in forms(answer).forms if "afmelden" not in (f["action"] or "")]  # not the header's "Afmelden"
    assert path(back["action"]) == "/dev/lms/deep-linking-return" and back["auto"]
    # The tool's page posts there: same origin, which its CSP form-action ('self') allows.
    assert "form-action 'self'" in answer.headers["Content-Security-Policy"]

    returned = client.post("/dev/lms/deep-linking-return", data=back["fields"])
    text = returned.get_data(as_text=True)
    assert returned.status_code == 200, text
    assert "Toegevoegd aan de cursus" in text and "Rapporteren in het ECD" in text
    assert "digitoets_test=ecd-rapportage" in text
    with database.begin() as session:
        teacher = session.scalars(select(m.Person).where(m.Person.subject == "lms-karin-mulder")).one()
        assert {r.role for r in teacher.roles} == {m.ToolRole.COURSE_ADMIN}


def test_a_forged_deep_linking_response_is_refused(client, content, tool):
    from lti.keys import generate_key, signing_key

    client.get("/dev/lms")
    claims = {"iss": "digitoets-demo", "aud": ISSUER, "https://purl.imsglobal.org/spec/lti/claim/message_type":
              "LtiDeepLinkingResponse"}
    forged = jwt.encode(claims, signing_key(generate_key()), algorithm="RS256",
                        headers={"kid": tool.keys.current().kid})  # the tool's kid, another key
    refused = client.post("/dev/lms/deep-linking-return", data={"JWT": forged})
    assert refused.status_code == 400
    assert "heeft het antwoord van Digitoets geweigerd" in refused.get_data(as_text=True)


def test_an_admin_launch_gives_the_admin_pages(client, content, database):
    auth, post, launched = launch_from_course(client, "Digitoets-beheer openen", person="beheerder")
    assert launched.status_code == 302, launched.get_data(as_text=True)
    follow(client, launched)
    assert client.get("/beheer/instellingen").status_code == 200
    with database.begin() as session:
        admin = session.scalars(select(m.Person).where(m.Person.subject == "lms-sanne-visser")).one()
        assert m.ToolRole.ORG_ADMIN in {r.role for r in admin.roles}


def test_step_by_step_shows_the_claims_before_posting(client, content):
    auth, post, launched = launch_from_course(client, "Rapporteren in het ECD", steps=True)
    text = auth.get_data(as_text=True)
    assert "Wat staat er in het id_token?" in text and "lms-ans-de-vries" in text
    assert launched.status_code == 302


def test_the_registration_is_made_once_with_the_key_set_inline(client, content, database, app):
    assert client.get("/dev/lms").status_code == 200
    first = demo_registration(database)
    assert client.get("/dev/lms/").location.endswith("/dev/lms")
    assert client.get("/dev/lms?als=docent").status_code == 200
    with database.begin() as session:
        count = session.scalar(select(func.count()).select_from(m.LtiRegistration))
        assert count == 1
    again = demo_registration(database)
    assert again.id == first.id and again.active
    assert again.key_set == client.get("/dev/lms/jwks").get_json()  # the tool reads it, fetches nothing
    assert (again.client_id, again.auth_login_url) == ("digitoets-demo", f"{ISSUER}/auth")
    assert again.deployment_ids == {"demo-deployment"}
    with database.begin() as session:
        assert session.get(m.LtiRegistration, first.id).organisation.slug == "demo"
    key_file = Path(app.instance_path) / "demo-lms-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_auth_endpoint_refuses_what_it_did_not_start(client, content):
    course = client.get("/dev/lms")
    initiation = forms(course).named("Rapporteren in het ECD")
    login = client.post("/lti/login", data=initiation["fields"])
    good = path(login.location)
    assert client.get(good.replace("lti_message_hint=", "lti_message_hint=x")).status_code == 400
    assert client.get(good.replace("login_hint=lms-ans-de-vries", "login_hint=someone-else")).status_code == 400
    wrong = good.replace("redirect_uri=http%3A%2F%2Flocalhost%2Flti%2Flaunch", "redirect_uri=https%3A%2F%2Fevil.example%2F")
    assert wrong != good and client.get(wrong).status_code == 400


class ClientSession(requests.Session):
    """``requests`` over the Flask test client: the tool's AGS client talks to the demo LMS."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def request(self, method, url, data=None, json=None, headers=None, timeout=None, **ignored):
        response = self.client.open(path(url), method=method, data=data, json=json, headers=headers or {})
        answer = requests.Response()
        answer.status_code, answer._content, answer.url = response.status_code, response.data, url
        answer.headers.update(dict(response.headers))
        return answer


def test_scores_sent_by_the_tool_show_in_the_gradebook(client, content, database, tool):
    from lti.errors import NotGradableError

    launch_from_course(client, "Rapporteren in het ECD")
    ags = tool.ags(demo_registration(database))
    ags._session = ClientSession(client)
    lineitem = f"{ISSUER}/ags/{demo_lms.COURSE_ID}/lineitems/ecd-rapportage"
    moment = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert ags.put_score(lineitem, "lms-ans-de-vries", 80, 100, "Completed", "FullyGraded", moment) == 204
    with pytest.raises(NotGradableError):  # a teacher is not a learner
        ags.put_score(lineitem, "lms-karin-mulder", 80, 100, "Completed", "FullyGraded", moment)
    page = client.get("/dev/lms").get_data(as_text=True)
    gradebook = page[page.index("Cijferoverzicht"):]
    assert "Ans de Vries" in gradebook and "80 / 100" in gradebook
    anonymous = client.post(f"/dev/lms/ags/{demo_lms.COURSE_ID}/lineitems/ecd-rapportage/scores", json={})
    assert anonymous.status_code == 401


def test_no_demo_lms_without_the_development_login(settings, database):
    app = create_app(dataclasses.replace(settings, dev_login=False), database=database)
    assert app.test_client().get("/dev/lms").status_code == 404


def test_no_demo_lms_without_lti1p3platform(settings, database, monkeypatch, caplog):
    monkeypatch.setattr(demo_lms, "PlatformRegistration", None)
    with caplog.at_level(logging.INFO, logger="service.web.demo_lms"):
        app = create_app(settings, database=database)
    assert app.test_client().get("/dev/lms").status_code == 404
    assert "lti1p3platform is not installed" in caplog.text
