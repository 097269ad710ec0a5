"""Dynamic registration inside the platform's own panel, as Moodle's "Add LTI Advantage" does.

The test LMS runs on ``localhost``, the tool on ``127.0.0.1``. The LMS frames the tool's
registration page before it is an active registration; the page must be framable by that LMS
(and only it) and post ``org.imsglobal.lti.close`` to it, so the panel closes.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service import models as m
from service.operations import registration_links
from service.operations.demo import DEMO_SLUG, ensure_demo_organisation
from service.web.auth import now
from tests.support.platform import TestPlatform

pytestmark = pytest.mark.browser


def test_the_registration_panel_shows_the_tool_and_closes(chromium, live_server):
    tool = f"http://127.0.0.1:{live_server.port}"
    with live_server.database.begin() as session:
        link = registration_links.create_link(session, ensure_demo_organisation(session, now()), None, now())
    with TestPlatform(tool_key_set={"keys": []}, tool_launch_url=f"{tool}/lti/launch") as lms:
        lms.base_url = lms.base_url.replace("127.0.0.1", "localhost")  # another site than the tool
        context = chromium.new_context(locale="nl-NL")
        try:
            page = context.new_page()
            blocked = []
            page.on("console", lambda message: blocked.append(message.text) if "frame-ancestors" in message.text else None)
            register = f"{tool}/lti/register?" + urlencode({"org": DEMO_SLUG, "link": link})
            page.goto(f"{lms.base_url}/admin/tool-registration?" + urlencode({"url": register}))
            # the panel closes only when the framed page rendered and posted the close message
            expect(page.locator("#panel")).to_have_count(0, timeout=15000)
            assert page.evaluate("window.registrationClosedBy") == tool
            assert blocked == []
        finally:
            context.close()
    with live_server.database.begin() as session:
        registration = session.scalars(select(m.LtiRegistration)).one()
        assert registration.status is m.RegistrationStatus.PENDING
        assert registration.name == f"Moodle - {lms.base_url.split('://')[1]}"
