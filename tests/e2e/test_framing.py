"""The tool opens inside an iframe of the person's own organisation's LMS, and only there (CSP frame-ancestors)."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from service import models as m
from service.operations import registrations
from service.operations.demo import ensure_demo_organisation
from service.web.auth import now
from tests.support.platform import TestPlatform

pytestmark = pytest.mark.browser

HEADING = "Welkom bij Digitoets"


def lms_page(tool_url: str, path: str = "/") -> str:
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Cursus – LMS</title></head>"
        f"<body><h1>Mijn cursus</h1><iframe src='{tool_url}{path}' title='Digitoets' width='900' height='600'></iframe>"
        "</body></html>"
    )


def register_lms(database, issuer: str) -> None:
    with database.begin() as session:
        org = m.Organisation(slug="zorg-lms", name="Zorggroep met LMS")
        session.add(org)
        session.flush()
        session.add(m.LtiRegistration(
            organisation_id=org.id, name="Test-LMS", issuer=issuer, client_id="digitoets-e2e",
            auth_login_url=f"{issuer}/auth", auth_token_url=f"{issuer}/token",
        ))


def frame_of(page):
    [frame] = [f for f in page.frames if f is not page.main_frame]
    return frame


def test_an_unregistered_site_cannot_frame_the_tool(page, live_server, lms_page_server):
    port = lms_page_server(lms_page(live_server.url))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"http://localhost:{port}/")  # localhost vs 127.0.0.1: another origin than the tool
    expect(page.get_by_role("heading", name="Mijn cursus")).to_be_visible()
    frame = frame_of(page)
    expect(frame.locator("body")).to_be_attached()  # the frame has finished (with an error page)
    assert frame.url.startswith("chrome-error://"), f"the frame was not blocked: it shows {frame.url}"
    expect(page.frame_locator("iframe").get_by_role("heading", name=HEADING)).to_have_count(0)
    assert any("frame-ancestors" in line and "blocked" in line for line in console), console


def test_the_persons_own_lms_frames_the_tool_and_another_organisations_lms_cannot(chromium, live_server,
                                                                                    lms_page_server):
    """A launch from the organisation's LMS opens in its frame and stays usable there; the pages of
    that signed-in person refuse the frame of an LMS registered by another organisation.

    Both LMSs run on 127.0.0.1 (the tool's site, so its cookies go along) on their own ports:
    other origins, told apart by frame-ancestors only.
    """
    tool = live_server.url
    with TestPlatform(tool_key_set=lambda: _tool_keys(tool), tool_launch_url=f"{tool}/lti/launch") as lms:
        other_port = lms_page_server(lms_page(tool, "/mijn-overzicht"))
        other = f"http://127.0.0.1:{other_port}"
        with live_server.database.begin() as session:
            org = ensure_demo_organisation(session, now())
            registrations.register_platform(session, org, issuer=lms.issuer, client_id=lms.client_id,
                                            auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
                                            key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id])
        register_lms(live_server.database, other)
        course = lms.browser_launch_url(f"{tool}/lti/login", iframe=True, target_link_uri=f"{tool}/lti/launch",
                                        custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
        context = chromium.new_context(locale="nl-NL")
        try:
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(course)
            frame = page.frame_locator("iframe[name=lti]")
            expect(frame.get_by_role("heading", name="Rapporteren in het ECD")).to_be_visible(timeout=15000)
            expect(frame.get_by_role("button", name="Start de toets")).to_be_visible()
            # a next page inside the frame is framed for the signed-in person's organisation
            frame.get_by_role("link", name="Mijn overzicht").first.click()
            expect(frame.get_by_role("heading", name="Mijn overzicht", level=1)).to_be_visible()
            assert not [line for line in console if "frame-ancestors" in line], console

            page.goto(other)  # another organisation's LMS shows the same person's overview
            expect(page.get_by_role("heading", name="Mijn cursus")).to_be_visible()
            blocked = frame_of(page)
            expect(blocked.locator("body")).to_be_attached()
            assert blocked.url.startswith("chrome-error://"), f"the frame was not blocked: it shows {blocked.url}"
            expect(page.frame_locator("iframe").get_by_role("heading", name="Mijn overzicht")).to_have_count(0)
            assert any("frame-ancestors" in line and "blocked" in line for line in console), console
        finally:
            context.close()


def _tool_keys(tool: str) -> dict:
    """The tool's published key set, fetched as a platform does."""
    return requests.get(f"{tool}/lti/jwks", timeout=5).json()
