"""`next` parameters and the language switch send the browser to a path on this site only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from service import models as m
from tests.integration.web.test_result_page import finished_attempt

#: each one leaves the site in some browser: the tab is dropped (//evil), the backslash is read as a slash
FOREIGN = ["//evil.example/", "/\\evil.example", "/\t/evil.example", "/\r/evil.example",
           "/\n/evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example", "/\u3000/evil.example"]


@pytest.mark.parametrize("target", FOREIGN)
def test_the_function_choice_never_sends_the_employee_to_another_site(browser, make_person, target):
    browser.sign_in(make_person(function=None))
    page = browser.get("/functie", query_string={"next": target}).get_data(as_text=True)
    actions = re.findall(r'<form method="post" action="([^"]*)"', page)
    assert actions and all("evil" not in a and "javascript" not in a for a in actions)
    chosen = browser.post("/functie", query_string={"next": target}, data={"function": "helpende"})
    assert chosen.status_code == 302 and chosen.location == "/toetsen"


def test_the_function_choice_follows_a_path_on_this_site(browser, make_person):
    browser.sign_in(make_person(function=None))
    chosen = browser.post("/functie", query_string={"next": "/mijn-overzicht?x=1#wijzigen"},
                          data={"function": "helpende"})
    assert chosen.location == "/mijn-overzicht?x=1#wijzigen"


def test_closing_a_help_request_never_leaves_the_site(browser, make_person, database):
    browser.sign_in(make_person())
    registration, _page = finished_attempt(browser)
    browser.post(f"/poging/{registration}/hulp", data={"skill": "ecd-rapporteren", "consent": "yes"})
    with database.begin() as session:
        request_id = session.scalars(select(m.HelpRequest.id)).one()
    closed = browser.post(f"/hulpvragen/{request_id}/niet-meer-nodig", data={"next": "/\\evil.example"})
    assert closed.status_code == 302 and closed.location == "/mijn-overzicht"


@pytest.mark.parametrize(("referrer", "expected"), [
    ("http://localhost/mijn-overzicht", "/mijn-overzicht"),
    ("http://localhost//evil.example/", "/"),
    ("http://localhost/\\evil.example", "/"),
    ("http://localhost.evil.example/", "/"),
    ("https://evil.example/", "/"),
])
def test_the_language_switch_returns_to_our_own_page_only(client, referrer, expected):
    response = client.get("/taal/en", headers={"Referer": referrer})
    assert response.status_code == 302 and response.location == expected
