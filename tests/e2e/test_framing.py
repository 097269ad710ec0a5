"""The tool opens inside an iframe of a registered LMS, and only there (CSP frame-ancestors)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service import models as m

pytestmark = pytest.mark.browser

HEADING = "Welkom bij Digitoets"


def lms_page(tool_url: str) -> str:
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Cursus – LMS</title></head>"
        f"<body><h1>Mijn cursus</h1><iframe src='{tool_url}/' title='Digitoets' width='900' height='600'></iframe>"
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


def test_a_registered_lms_frames_the_tool(page, live_server, lms_page_server):
    port = lms_page_server(lms_page(live_server.url))
    register_lms(live_server.database, f"http://localhost:{port}")
    page.goto(f"http://localhost:{port}/")
    expect(page.frame_locator("iframe").get_by_role("heading", name=HEADING)).to_be_visible()
    assert frame_of(page).url == f"{live_server.url}/"
