"""What a teacher does in the browser: open their course's overview from the demo LMS."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page
from sqlalchemy import select

from service import models as m
from service.operations import attempts
from tests.e2e.person import ECD


def open_course_overview(page: Page, live_server, levels: bool = True) -> None:
    """Ans opens the placement from the demo LMS and hands in; then Karin (Instructor) opens it.

    Ans's attempt is handed in without answers through the operations (the browser part of an
    attempt is covered elsewhere): a score of 0 waits for the gradebook.
    """
    page.goto("/dev/lms?als=ans")
    card = page.locator("li.card").filter(has=page.get_by_role("heading", name=ECD.title))
    with page.expect_navigation(url=re.compile(r"/toets/ecd-rapportage$")):
        card.get_by_role("button", name=re.compile("^Open de toets")).click()
    with page.expect_navigation(url=re.compile(r"/poging/")):
        page.get_by_role("button", name="Start de toets").click()
    with live_server.database.begin() as session:
        attempt = session.scalars(select(m.Attempt)).one()
        attempt.organisation.teacher_sees_levels = levels
        attempts.submit_attempt(session, attempt, datetime.now(UTC))
        attempts.score_attempt(session, attempt, datetime.now(UTC))
    page.goto("/dev/lms?als=docent")
    card = page.locator("li.card").filter(has=page.get_by_role("heading", name=ECD.title))
    with page.expect_navigation(url=re.compile(r"/docent/cursus/\d+$")):
        card.get_by_role("button", name=re.compile("^Open de toets")).click()
