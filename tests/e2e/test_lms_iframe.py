"""A launch inside a cross-site LMS iframe whose cookies the browser does not send.

The test LMS runs on ``localhost``, the tool on ``127.0.0.1``: two sites. Inside the LMS's
frame the tool's cookies (SameSite=Lax on http) are not sent with the cross-site launch, as
in a browser that blocks third-party cookies. The launch must still be verified (the state
comes back through LTI Platform Storage), and the person is then offered a new window.
"""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from service.operations import registrations
from service.operations.demo import ensure_demo_organisation
from service.web.auth import now
from tests.support.platform import TestPlatform

pytestmark = pytest.mark.browser


def test_platform_storage_and_a_new_window_when_the_frame_gets_no_cookies(chromium, live_server):
    tool = f"http://127.0.0.1:{live_server.port}"
    with TestPlatform(tool_key_set=lambda: _tool_keys(tool), tool_launch_url=f"{tool}/lti/launch") as lms:
        lms.base_url = lms.base_url.replace("127.0.0.1", "localhost")  # another site than the tool
        with live_server.database.begin() as session:
            org = ensure_demo_organisation(session, now())
            registrations.register_platform(session, org, issuer=lms.issuer, client_id=lms.client_id,
                                      auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
                                      key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id])
        course = lms.browser_launch_url(f"{tool}/lti/login", iframe=True, target_link_uri=f"{tool}/lti/launch",
                                        storage_target="_parent",
                                        custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
        context = chromium.new_context(locale="nl-NL")
        try:
            page = context.new_page()
            page.goto(course)
            frame = page.frame_locator("iframe[name=lti]")
            expect(frame.get_by_role("heading", name="Open Digitoets in een nieuw venster")).to_be_visible(timeout=15000)
            # the launch was verified through platform storage: the LMS kept and gave back the state
            assert page.evaluate("window.platformStorageLog") == ["lti.put_data", "lti.get_data"]
            with context.expect_page() as opened:
                frame.get_by_role("link", name="Open in een nieuw venster").first.click()
            window = opened.value
            # the frame could not keep the binding cookie either: the new window asks first, naming the person
            expect(window.get_by_text("Je gaat verder als")).to_be_visible()
            window.get_by_role("button", name="Doorgaan").click()
            expect(window.get_by_role("heading", name="Rapporteren in het ECD")).to_be_visible()
            expect(window.get_by_role("button", name="Start de toets")).to_be_visible()
        finally:
            context.close()


def _tool_keys(tool: str) -> dict:
    """The tool's published key set, fetched as a platform does."""
    return requests.get(f"{tool}/lti/jwks", timeout=5).json()
