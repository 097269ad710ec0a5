"""An organisation that stores names but does not identify by e-mail keeps xAPI pseudonymous.

A real launch from the test LMS carries the name and e-mail claims; the employee takes the
test, finishes it and asks for help. Every statement waiting in the outbox is then read as
JSON: with "identify by e-mail" off no name or e-mail may be in any of them, even though the
tool stored both. The second test is the control: with the setting on, the same flow puts
them in the actor, so the first test is not passing on an empty launch.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from service import models as m
from tests.integration.lti.conftest import follow, launch, register
from tests.integration.web.test_attempt_flow import answer_all, start
from tests.support.platform import User
from tests.support.web import Browser

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
ANNA = User(id="anna-1", name="Anna de Vries", given_name="Anna", family_name="de Vries", email="anna@zorg.example")
PERSONAL = ("Anna de Vries", "Anna", "de Vries", "anna@zorg.example", "mailto:", "mbox")


def _take_the_test_and_ask_for_help(client, lms) -> None:
    page = follow(client, launch(client, lms, user=ANNA, custom=ECD).response)
    assert page.status_code == 200, page.get_data(as_text=True)
    browser = Browser(client)
    browser.get("/mijn-overzicht")
    registration = start(browser)
    answer_all(browser, registration)
    assert browser.post(f"/poging/{registration}/inleveren").status_code == 302
    asked = browser.post(f"/poging/{registration}/hulp", data={"skill": "wachtwoord-veilig", "consent": "yes"})
    assert asked.status_code == 302, asked.get_data(as_text=True)


def _statements(database) -> list[dict]:
    with database.begin() as session:
        return [item.payload for item in session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.XAPI))]


def _verbs(statements) -> set[str]:
    return {s["verb"]["id"].rsplit("/", 1)[-1] for s in statements}


def test_names_stored_but_not_identified_by_email_never_reach_a_statement(client, lms, content, database):
    register(database, lms, store_personal_data=True, xapi_identify_by_email=False)
    _take_the_test_and_ask_for_help(client, lms)

    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        assert (person.name, person.email) == ("Anna de Vries", "anna@zorg.example")  # stored, as the setting allows
        assert session.scalar(select(m.HelpRequest.id)) is not None
        pseudonym = str(person.pseudonym)
    statements = _statements(database)
    assert len(statements) >= 5 and {"launched", "completed"} <= _verbs(statements), _verbs(statements)
    assert any("help" in json.dumps(s).lower() for s in statements)  # the help request is among them
    for statement in statements:
        text = json.dumps(statement, ensure_ascii=False)
        for value in PERSONAL:
            assert value not in text, (value, statement["verb"]["id"])
        actors = [statement["actor"], *statement.get("context", {}).get("instructor", {}).get("member", [])]
        for actor in actors:
            if "account" in actor:
                assert actor["account"]["name"] == pseudonym


def test_with_identify_by_email_on_the_same_flow_does_name_the_employee(client, lms, content, database):
    register(database, lms, store_personal_data=True, xapi_identify_by_email=True)
    _take_the_test_and_ask_for_help(client, lms)

    statements = _statements(database)
    assert statements
    for statement in statements:
        assert statement["actor"]["mbox"] == "mailto:anna@zorg.example"
        assert statement["actor"]["name"] == "Anna de Vries"
