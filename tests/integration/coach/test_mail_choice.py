"""A coach chooses on /coach/mail: a mail per new help request, or one mail a day (issue 11)."""

from __future__ import annotations

import re

from service import models as m
from service.models.people import CoachMail
from tests.integration.coach.conftest import ask_help, become, load
from tests.integration.coach.test_scope_mail import give_addresses, sent_to


def checked(page: str) -> list[str]:
    """The values of the checked radio buttons of the mail choice."""
    return re.findall(r'name="coach_mail" value="(\w+)" checked', page)


def test_a_coach_who_chose_the_digest_gets_no_mail_at_once(browser, world, database):
    give_addresses(database, world)  # everyone starts with a mail at once
    page = become(browser, world.coach).get("/coach/mail").get_data(as_text=True)
    assert "<legend>Mail bij nieuwe hulpvragen</legend>" in page
    assert checked(page) == ["immediate"]

    response = browser.post("/coach/mail", data={"coach_mail": "daily"})
    assert response.status_code == 302 and response.location.endswith("/coach/mail")
    page = browser.get("/coach/mail").get_data(as_text=True)
    assert checked(page) == ["daily"] and "Je keuze is bewaard." in page
    assert load(database, m.Person, world.rival).coach_mail is CoachMail.IMMEDIATE  # only their own choice

    ask_help(browser, world)  # a request in the scope of both anna and bram
    assert sent_to(database, "help_request_arrived") == ["bram@zorg.example"]


def test_the_coach_can_switch_back_to_a_mail_at_once(browser, world, database):
    give_addresses(database, world, CoachMail.DAILY)
    become(browser, world.coordinator)  # a coach and coordinator chooses for themselves too
    assert checked(browser.get("/coach/mail").get_data(as_text=True)) == ["daily"]
    assert browser.post("/coach/mail", data={"coach_mail": "immediate"}).status_code == 302
    assert load(database, m.Person, world.coordinator).coach_mail is CoachMail.IMMEDIATE


def test_an_unknown_choice_is_refused_in_dutch_and_changes_nothing(browser, world, database):
    give_addresses(database, world)
    become(browser, world.coach)
    response = browser.post("/coach/mail", data={"coach_mail": "elk uur"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies: een mail per hulpvraag, of één mail per dag." in page
    assert checked(page) == ["immediate"]  # the stored choice, still shown
    assert load(database, m.Person, world.coach).coach_mail is CoachMail.IMMEDIATE
    assert browser.post("/coach/mail", data={}).status_code == 422  # no choice at all


def test_an_employee_may_not_see_or_change_the_choice(browser, world, database):
    become(browser, world.employee)
    assert browser.get("/coach/mail").status_code == 403
    assert browser.post("/coach/mail", data={"coach_mail": "daily"}).status_code == 403
    assert load(database, m.Person, world.employee).coach_mail is CoachMail.IMMEDIATE


def test_the_choice_needs_the_form_s_csrf_token(browser, world, database):
    become(browser, world.coach)
    assert browser.client.post("/coach/mail", data={"coach_mail": "daily"}).status_code == 400
    assert load(database, m.Person, world.coach).coach_mail is CoachMail.IMMEDIATE
