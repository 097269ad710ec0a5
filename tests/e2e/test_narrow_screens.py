"""Phones (320 and 375 px) and an 800x600 LMS frame: pages reflow, the question comes first,
focus starts at the question, and "Open in nieuw venster" shows only inside a frame."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from service import models as m
from service.operations.demo import ensure_demo_organisation
from service.web.auth import now
from tests.e2e.person import ECD, WRONG, answer, open_test, press, sign_in, visit_every_page
from tests.e2e.test_reflow import OVERFLOW

pytestmark = pytest.mark.browser

#: at most this tall on a phone: brand and menu on two short lines, not four
PHONE_HEADER_MAX = 90

#: words in titles and status pills that are split over two lines (a break inside a word)
BROKEN_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll("h1, h2, h3, h4, legend, summary, .badge")) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
        if (lines.size > 1) { broken.push(match[0]); }
      }
    }
  }
  return broken;
}"""


def take_the_test(page) -> str:
    """As Ans, answer every question (a few wrong) and hand in; returns the result page's path."""
    sign_in(page, "Ans de Vries")
    open_test(page, "Start de toets")
    for number, item in enumerate(ECD.items, start=1):
        answer(page, item, correct=item.code not in WRONG)
        press(page, "Volgende vraag" if number < len(ECD.items) else "Naar inleveren")
    press(page, "Inleveren en resultaat zien")
    return page.url.split(":", 2)[2].split("/", 1)[1]


@pytest.mark.parametrize("width", [320, 375])
def test_every_page_reflows_on_a_phone(page, width):
    page.set_viewport_size({"width": width, "height": 667})
    too_wide: dict[str, dict] = {}
    tables: list[str] = []
    broken: dict[str, list[str]] = {}

    def check(name: str) -> None:
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["width"] or measured["elements"]:
            too_wide[name] = measured
        if words := page.evaluate(BROKEN_WORDS):
            broken[name] = words
        if name.startswith("overview") and page.locator("main table").count():
            tables.append(name)

    visit_every_page(page, check)
    assert not too_wide, f"at {width} px these pages are wider than the screen: {too_wide}"
    assert not tables, "the overview lists skills and attempts as cards, not as a table that scrolls sideways"
    assert not broken, f"at {width} px these words in titles or pills break in the middle: {broken}"


def test_a_phone_header_is_short_and_offers_no_new_window_outside_a_frame(page):
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in(page, "Ans de Vries")
    height = page.locator("header.top").bounding_box()["height"]
    assert height <= PHONE_HEADER_MAX, f"the header takes {height} px of a 667 px screen"
    expect(page.get_by_role("link", name="Open in nieuw venster")).to_be_hidden()


def test_every_first_answer_is_visible_without_scrolling_and_focus_starts_at_the_question(page):
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in(page, "Ans de Vries")
    open_test(page, "Start de toets")
    first_question = page.url
    below: dict[int, float] = {}
    for number, item in enumerate(ECD.items, start=1):
        page.goto(first_question.replace("/vraag/1", f"/vraag/{number}"))
        expect(page.get_by_role("heading", level=1)).to_have_text(item.prompt)
        first = page.locator(".order-list > li, .choice").first
        box = first.bounding_box()
        if page.evaluate("window.scrollY") != 0 or box["y"] + box["height"] > 667:
            below[number] = box["y"] + box["height"]
        focused = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent.trim()]")
        assert focused == ["H1", item.prompt], f"question {number}: focus is on {focused}, not on the question"
    assert not below, f"the first answer ends below the fold (667 px) on questions {below}"


def test_in_an_800_px_lms_frame_nothing_is_cut_off_and_pills_stay_on_one_line(page, live_server, lms_page_server):
    # The LMS page is served (and registered for Ans's organisation) first: frame-ancestors names
    # her organisation's LMSs, cached per process, and a registration added straight into the
    # database (not through /beheer/lti, which clears that cache) would only count after the TTL.
    # The result's path is known only after the test is taken: the page frames each name=path of its query.
    port = lms_page_server(
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Cursus</title></head>"
        "<body style='margin:0'><h1>Mijn cursus</h1><script>"
        "for (const [name, path] of new URLSearchParams(location.search)) {"
        " const frame = document.createElement('iframe');"
        f" frame.src = '{live_server.url}' + path; frame.title = 'Digitoets ' + name;"
        " frame.width = 800; frame.height = 600; frame.style = 'border:0;display:block';"
        " document.body.append(frame); }"
        "</script></body></html>")
    lms = f"http://127.0.0.1:{port}"  # same site as the tool (cookies go along), another origin
    with live_server.database.begin() as session:
        org = ensure_demo_organisation(session, now())  # the dev sign-in would make it later
        session.add(m.LtiRegistration(organisation_id=org.id, name="Test-LMS", issuer=lms, client_id="e2e",
                                      auth_login_url=f"{lms}/auth", auth_token_url=f"{lms}/token"))
    result = take_the_test(page)
    pages = {"result": f"/{result}", "overview": "/mijn-overzicht", "question list": "/toetsen"}
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{lms}/?{urlencode(pages)}")
    for name, path in pages.items():
        frame = next(f for f in page.frames if f.url == f"{live_server.url}{path}")
        expect(frame.get_by_role("link", name="Open in nieuw venster")).to_be_visible()  # inside a frame: offered
        measured = frame.evaluate(OVERFLOW)
        assert measured["width"] == 800 and measured["scrollWidth"] <= 800, f"{name} scrolls sideways: {measured}"
        assert not measured["elements"], f"{name}: elements wider than the 800 px frame: {measured['elements']}"
        heights = frame.evaluate("[...document.querySelectorAll('.badge')].map((b) => b.getBoundingClientRect().height)")
        line = frame.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize) * 1.55")
        assert all(h < 2 * line for h in heights), f"{name}: a status pill wraps onto more lines: {heights}"
        assert not (words := frame.evaluate(BROKEN_WORDS)), f"{name}: words in titles or pills break in the middle: {words}"
