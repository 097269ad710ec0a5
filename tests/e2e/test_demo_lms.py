"""The demo LMS in chromium: a newcomer opens /dev/lms and launches Digitoets through LTI 1.3.

The browser does every step itself, under the app's real CSP (script-src 'self', form-action
'self'): the course page posts the login initiation to /lti/login, the tool redirects to
/dev/lms/auth, and that page's script (a static file) posts the signed id_token to /lti/launch.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.person import ECD

pytestmark = pytest.mark.browser


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_an_employee_opens_a_digitoets_from_the_demo_lms(page):
    violations = csp_violations(page)
    page.goto("/dev/lms")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursus Digitaal werken in de zorg")
    expect(page.get_by_text("Je bent nu Ans de Vries (medewerker).")).to_be_visible()
    card = page.locator("li.card").filter(has=page.get_by_role("heading", name=ECD.title))
    card.get_by_role("button", name=re.compile("^Open de toets")).click()

    expect(page).to_have_url(re.compile(r"/toets/ecd-rapportage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ECD.title)
    expect(page.get_by_role("button", name="Start de toets")).to_be_visible()
    assert violations == []


def test_a_teacher_adds_a_digitoets_to_the_course(page):
    violations = csp_violations(page)
    page.goto("/dev/lms?als=docent")
    page.get_by_role("button", name="Toets toevoegen aan de cursus").click()

    expect(page).to_have_url(re.compile(r"/lti/deep-linking$"))
    page.get_by_label(ECD.title).check()
    page.get_by_role("button", name="Toevoegen aan de cursus").click()  # the tool posts back to /dev/lms

    expect(page).to_have_url(re.compile(r"/dev/lms/deep-linking-return$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Toegevoegd aan de cursus")
    expect(page.get_by_role("heading", level=2, name=ECD.title)).to_be_visible()
    expect(page.get_by_text("digitoets_test=ecd-rapportage")).to_be_visible()
    assert violations == []
