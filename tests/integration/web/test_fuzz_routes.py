"""Fuzz every route of the production app: whatever comes in, the answer is never a 5xx.

The routes come from ``app.url_map``, so a new route is fuzzed without touching this file.
Hypothesis fills path parameters, query arguments and form fields (the names the app's forms
and templates use, plus random ones) with what broke the service before: NUL characters, texts
longer than their column, integers beyond 32 bits, deeply nested JSON. It runs on SQLite and on
PostgreSQL (which refuses NUL and out-of-range integers where SQLite shrugs), signed out, as an
employee and as an organisation admin, with production settings. CSRF is switched off here so
the input reaches the views (CSRF has its own tests).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from service import create_app
from service import models as m
from service.config import Settings
from service.operations.people import grant_role
from service.web import forms
from tests.support.web import Browser

BASE = "https://toets.zorg.example"
ROOT = Path(__file__).resolve().parents[3]
#: every form field and query argument name the app knows: its form classes, templates and views
KNOWN_NAMES = sorted(
    {name for form in vars(forms).values() if isinstance(form, type)
     for name, value in vars(form).items() if isinstance(value, UnboundField)}
    | set(re.findall(r'name="([a-zA-Z_\-]+)"', "".join(p.read_text() for p in (ROOT / "service/templates").rglob("*.html"))))
    | set(re.findall(r'request\.(?:args|form|values)\.get(?:list)?\("([^"]+)"',
                     "".join(p.read_text() for p in (ROOT / "service/web").rglob("*.py"))))
    | {"position-0", "position-1", "id_token", "state", "iss", "login_hint", "target_link_uri", "client_id",
       "lti_message_hint", "lti_deployment_id", "openid_configuration", "registration_token", "lang"}
)
#: lengths just past the columns (64, 200, 255, 500, 1000) and a long text
LONG = st.sampled_from([65, 201, 256, 501, 1001, 20_000]).map(lambda n: "é" * n)
NUMBERS = st.sampled_from(["0", "-1", "2147483647", "2147483648", "9" * 25, "1e9", "٣"])
NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(max_size=10).map(lambda t: t + "\x00"),
    LONG,
    NUMBERS,
    st.sampled_from(["", " ", "ja", "yes", "next", "aanzetten", "hr", "coach", "../../etc/passwd", "%00", "<b>"]),
)


def nested(depth: int) -> dict:
    """An autosave body whose value nests ``depth`` lists deep, as the raw JSON a client would send."""
    return {"data": '{"item": "ecd-01", "value": ' + "[" * depth + '"x"' + "]" * depth + "}",
            "content_type": "application/json"}


#: the depth of a deeply nested body; it is built at send time (Hypothesis cannot print it)
DEEP = st.sampled_from([5, 40, 5000])
JSON_BODY = st.one_of(
    st.fixed_dictionaries({"item": NASTY_TEXT, "value": st.one_of(NASTY_TEXT, st.integers(), st.lists(NASTY_TEXT))}),
    st.recursive(st.none() | st.booleans() | st.integers() | NASTY_TEXT,
                 lambda children: st.lists(children) | st.dictionaries(NASTY_TEXT, children), max_leaves=10),
)
FIELDS = st.dictionaries(st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=8)), NASTY_TEXT, max_size=6)


def _production_app(tmp_path, database_url, database):
    app = create_app(Settings(
        env="production", instance_path=tmp_path / "instance", database_url=database_url,
        secret_key="production-secret-key-that-is-long-enough-0123", base_url=BASE,
        encryption_key="7BlOXl1eSIdosawHBTK0ZlhxOPqbKIpOT2CqJncky_U=",  # required in production (secrets at rest)
    ), database=database)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _signed_in(app, person_id):
    """A client signed in as ``person_id`` (None: anonymous), the way the other web tests sign in."""
    client = app.test_client()
    if person_id is not None:
        Browser(client).sign_in(person_id)
    return client


def _path_value(converter: str, known: dict[str, list[str]], name: str):
    real = st.sampled_from(known.get(name) or ["1"])
    if converter == "IntegerConverter" or converter == "BoundedInt":
        return st.one_of(real, NUMBERS, st.integers(min_value=0, max_value=2**64).map(str))
    return st.one_of(real, NASTY_TEXT.filter(lambda t: t != ""))


@pytest.fixture
def fuzz_app(tmp_path, database_url, database, make_person, content):
    """The production app, an employee with an attempt and an admin in organisation A."""
    app = _production_app(tmp_path, database_url, database)
    employee, admin = make_person("emp-1"), make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, admin), m.ToolRole.ORG_ADMIN, granted_by="test")
    client = _signed_in(app, employee)
    start = client.post("/toetsen/ecd-rapportage/start")
    registration = start.location.split("/poging/")[1].split("/")[0] if "/poging/" in (start.location or "") else "x"
    known = {"registration": [registration], "code": ["ecd-rapportage", "en", "nl"], "person_id": [str(employee)],
             "number": ["1", "2"], "rest": ["activities/digitoets"], "filename": ["digitoets.css"]}
    return app, {"anonymous": None, "employee": employee, "org_admin": admin}, known


def _requests(app, known):
    """A strategy of (method, url, keyword arguments) covering every route and method once."""
    parts = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            values = st.fixed_dictionaries({
                arg: _path_value(type(rule._converters[arg]).__name__, known, arg) for arg in rule.arguments
            })
            body = st.just({}) if method == "GET" else st.one_of(
                FIELDS.map(lambda f: {"data": f}), JSON_BODY.map(lambda j: {"json": j}), DEEP.map(lambda n: {"deep": n}))
            parts.append(st.tuples(st.just(method), st.just(rule), values, FIELDS, body))
    return st.tuples(*parts)


def _url(rule, values, query) -> str:
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(r"<[^>]*\b" + arg + ">", quote(value, safe=""), path)
    return path + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("who", ["anonymous", "employee", "org_admin"])
def test_no_route_answers_with_a_server_error(fuzz_app, who):
    app, people, known = fuzz_app
    client = _signed_in(app, people[who])

    @settings(max_examples=6, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_requests(app, known))
    def every_route(calls):
        for method, rule, values, query, body in calls:
            url = _url(rule, values, query)
            if "deep" in body:
                body = nested(body["deep"])
            response = client.open(url, method=method, **body)
            response.close()
            assert response.status_code < 500, f"{who}: {method} {url:.300} {str(body):.300} -> {response.status_code}"

    every_route()


def test_deep_json_nul_and_huge_ids_get_clear_refusals(fuzz_app):
    app, people, known = fuzz_app
    client = _signed_in(app, people["employee"])
    autosave = f"/poging/{known['registration'][0]}/antwoord"
    deep = client.post(autosave, **nested(5000))
    assert deep.status_code in (400, 422) and deep.get_json()["message"]  # was a RecursionError: 500
    nul = client.post(autosave, json={"item": "ecd-01", "value": "a\x00b"})
    assert nul.status_code == 400 and "NUL" in nul.get_json()["message"]
    page = client.get("/functie?next=%00")
    assert page.status_code == 400 and "teken" in page.get_data(as_text=True)
    assert client.get("/hulpvragen/2147483648/intrekken").status_code == 404
    assert client.get("/hulpvragen/99999999999999999999/intrekken").status_code == 404
    big = client.post("/functie", data={"reason": "x" * (1024 * 1024 + 1)})
    assert big.status_code == 413
