"""axe-core finds no WCAG 2.1 A/AA violations on the pages an employee sees."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from service import models as m
from service.operations import attempts
from service.operations.demo import DEMO_PEOPLE
from tests.e2e.conftest import AXE_JS
from tests.e2e.person import ECD, axe_violations, describe, sign_in, visit_every_page

pytestmark = pytest.mark.browser


class Findings:
    """Violations per page; the assertion prints them all (id, impact, targets, summary)."""

    def __init__(self, page):
        self.page = page
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []

    def __call__(self, name: str) -> None:
        self.checked.append(name)
        violations = axe_violations(self.page)
        if violations:
            self.found[name] = violations

    def assert_none(self) -> None:
        assert not self.found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(self.found)


def test_the_csp_refuses_inline_scripts_so_axe_is_injected_with_bypass_csp(page):
    page.goto("/")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(path=str(AXE_JS))
    assert page.evaluate("typeof window.axe") == "undefined"


def test_start_and_login_pages_have_no_violations(axe_page):
    check = Findings(axe_page)
    axe_page.goto("/")
    check("start page /")
    axe_page.goto("/dev/login")
    check("dev login /dev/login")
    check.assert_none()


def test_function_choice_page_has_no_violations(axe_page):
    eva = next(p for p in DEMO_PEOPLE if p.function is None)
    sign_in(axe_page, eva.name)
    assert re.search(r"/functie\?next=", axe_page.url), axe_page.url  # no function yet: choose first
    check = Findings(axe_page)
    check("function choice /functie")
    check.assert_none()


def test_every_page_of_a_whole_attempt_has_no_violations(axe_page):
    check = Findings(axe_page)
    visit_every_page(axe_page, check)
    assert [name.split(" (")[1] for name in check.checked if name.startswith("question")] == [
        "single)", "ordering)", "multiple)", "self_rating)"
    ]
    check.assert_none()


def test_the_teachers_course_overview_has_no_violations(axe_page, live_server):
    """Ans opens the placement from the demo LMS and hands in; Karin (Instructor) then opens it."""
    axe_page.goto("/dev/lms?als=ans")
    card = axe_page.locator("li.card").filter(has=axe_page.get_by_role("heading", name=ECD.title))
    with axe_page.expect_navigation(url=re.compile(r"/toets/ecd-rapportage$")):
        card.get_by_role("button", name=re.compile("^Open de toets")).click()
    with axe_page.expect_navigation(url=re.compile(r"/poging/")):
        axe_page.get_by_role("button", name="Start de toets").click()
    with live_server.database.begin() as session:  # hand in without answers: a score of 0 for the gradebook
        attempt = session.scalars(select(m.Attempt)).one()
        attempt.organisation.teacher_sees_levels = True  # so the levels column is checked too
        attempts.submit_attempt(session, attempt, datetime.now(UTC))
        attempts.score_attempt(session, attempt, datetime.now(UTC))

    axe_page.goto("/dev/lms?als=docent")
    card = axe_page.locator("li.card").filter(has=axe_page.get_by_role("heading", name=ECD.title))
    with axe_page.expect_navigation(url=re.compile(r"/docent/cursus/\d+$")):
        card.get_by_role("button", name=re.compile("^Open de toets")).click()
    row = axe_page.get_by_role("row").filter(has_text="Ans de Vries")
    assert "Wacht op verzenden" in row.inner_text()
    check = Findings(axe_page)
    check("teacher course overview /docent/cursus")
    check.assert_none()
