"""In two browsers: an employee asks help after a low score, a digicoach claims and plans it with the
keyboard only, the employee sees "gepland" and gets the mail with the .ics, the coach logs the session,
the employee retakes and the request shows the level before and after; axe on every coach page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service import models as m
from service.jobs import mail as mail_job
from service.web.coach import LOCAL
from tests.e2e.person import (ECD, LOW_SKILL, SKILLS, WRONG, answer, axe_violations, describe, open_test, press,
                              saves_done, sign_in, tab_to)
from tests.e2e.conftest import _new_context
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
COACH = "Fatma Yilmaz (digicoach)"


def take_test(page):
    open_test(page, "Start de toets")
    for number, item in enumerate(ECD.items, start=1):
        answer(page, item, correct=item.code not in WRONG)
        press(page, "Volgende vraag" if number < len(ECD.items) else "Naar inleveren")
    press(page, "Inleveren en resultaat zien")


def clean(page) -> list[dict]:
    found = axe_violations(page)
    assert not found, f"{page.url}\n{describe(found)}"
    return found


def give_ans_an_address(live_server):
    with live_server.database.begin() as session:
        session.scalar(select(m.Person).where(m.Person.name == "Ans de Vries")).email = "ans@zorg.example"


def setup_coach(live_server):
    """The coach serves Ans's location and may coordinate."""
    with live_server.database.begin() as session:
        ans = session.scalar(select(m.Person).where(m.Person.name == "Ans de Vries"))
        coach = session.scalar(select(m.Person).where(m.Person.name == COACH))
        session.add(m.CoachScope(organisation_id=coach.organisation_id, person_id=coach.id,
                                 location_id=ans.team.location_id))
        session.add(m.PersonRole(person_id=coach.id, role=m.ToolRole.COACH_COORDINATOR, source=m.RoleSource.TOOL))


def test_low_score_help_claim_plan_mail_session_retake(chromium, live_server, smtp_server):  # noqa: F811
    # two people, two browsers; bypass_csp only so axe-core can be injected (tests/e2e/conftest.py)
    employee_context = _new_context(chromium, live_server, bypass_csp=True)
    coach_context = _new_context(chromium, live_server, bypass_csp=True)
    try:
        employee, coach = employee_context.new_page(), coach_context.new_page()
        sign_in(employee, "Ans de Vries")
        setup_coach(live_server)
        take_test(employee)
        form = employee.locator("form.help")
        form.get_by_label(SKILLS[LOW_SKILL].name, exact=True).check()
        form.get_by_label("Bellen", exact=True).check()
        form.get_by_label(re.compile("^Je telefoonnummer")).fill("06 12345678")
        form.get_by_label(re.compile("^Ik geef toestemming")).check()
        press(employee, "Vraag hulp aan een digicoach", within=form)

        sign_in(coach, COACH)
        give_ans_an_address(live_server)  # after the last demo sign-in, which sets the demo people again
        coach.goto("/coach")
        expect(coach).to_have_title("(1) Hulpvragen – Digitoets")
        clean(coach)
        coach.get_by_role("link", name=SKILLS[LOW_SKILL].name).click()
        expect(coach.get_by_text("bellen: 06 12345678")).to_be_visible()
        clean(coach)
        tab_to(coach, "Oppakken", tag="button")  # keyboard only from here
        with coach.expect_navigation():
            coach.keyboard.press("Enter")
        expect(coach.locator("dd.status")).to_contain_text("opgepakt")
        moment = (datetime.now(UTC) + timedelta(days=3)).astimezone(LOCAL).replace(hour=10, minute=30)
        tab_to(coach, "Datum en tijd", tag="input")
        # headless chromium lays the field out as mm/dd/yyyy hh:mm AM whatever the page locale
        coach.keyboard.type(moment.strftime("%m%d%Y"))
        coach.keyboard.press("ArrowRight")
        coach.keyboard.type("1030A")
        assert coach.locator("#when").input_value() == moment.strftime("%Y-%m-%dT10:30")
        tab_to(coach, "Plek of link", tag="input")
        coach.keyboard.type("Teamkamer Noord")
        tab_to(coach, "Plannen", tag="button")
        saves_done(coach)
        with coach.expect_navigation():
            coach.keyboard.press("Enter")
        expect(coach.locator("dd.status")).to_contain_text("gepland")
        clean(coach)

        employee.goto("/mijn-overzicht")
        mine = employee.locator(".help-requests > li").filter(has_text=SKILLS[LOW_SKILL].name)
        expect(mine).to_contain_text("er is een afspraak gepland")
        expect(mine).to_contain_text("Teamkamer Noord")
        report = mail_job.send_pending(live_server.database, smtp_server.target())
        assert report is not None
        mails = [msg for msg in smtp_server.wait_for(1) if "ans@zorg.example" in msg["To"]]
        assert [msg["Subject"] for msg in mails] == ["Je afspraak met een digicoach"]
        invite = next(part for part in mails[0].iter_attachments() if part.get_content_type() == "text/calendar")
        assert "Teamkamer Noord" in invite.get_content()

        coach.get_by_role("link", name="Gesprek vastleggen").click()
        clean(coach)
        held = (datetime.now(UTC) - timedelta(hours=1)).astimezone(LOCAL)
        coach.locator("#held_at").fill(held.strftime("%Y-%m-%dT%H:%M"))
        with live_server.database.begin() as session:
            ans_id = session.scalar(select(m.Person.id).where(m.Person.name == "Ans de Vries"))
        coach.locator(f"#minutes-{ans_id}").fill("45")
        with coach.expect_navigation():
            coach.get_by_role("button", name="Opslaan").click()
        expect(coach.get_by_role("status")).to_have_text("Het gesprek is vastgelegd.")
        expect(coach.locator("ul.sessions")).to_contain_text("45 minuten")
        clean(coach)
        for path in ("/coach/spreekuren", "/coach/mail", "/coach/overzicht", "/coach/coordinator"):
            coach.goto(path)
            clean(coach)

        employee.goto("/mijn-overzicht")
        expect(mine).to_contain_text("Doe de toets nog een keer")
        mine.get_by_role("link", name=re.compile("^Toets opnieuw maken")).click()
        with employee.expect_navigation():
            employee.get_by_role("button", name="Opnieuw maken").click()
        for number, item in enumerate(ECD.items, start=1):
            answer(employee, item, correct=True)
            press(employee, "Volgende vraag" if number < len(ECD.items) else "Naar inleveren")
        press(employee, "Inleveren en resultaat zien")
        employee.goto("/mijn-overzicht")
        expect(mine).to_contain_text(re.compile(r"Voor de hulp: .+\. Nu: .+\."))

        sign_in(coach, "Sanne Visser (beheerder)")  # the admin's page where coaches get their area
        coach.goto("/beheer/coaches")
        expect(coach.get_by_role("group", name=COACH).get_by_label("Locatie Almere")).to_be_checked()
        clean(coach)
    finally:
        employee_context.close()
        coach_context.close()
