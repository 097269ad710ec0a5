"""A person who uses only the keyboard takes a whole digi-toets, seeing where the focus is."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.person import (ECD, answer_with_keyboard, arrow_to, assert_focus_visible, focused,
                              submit_with_enter, tab_to)

pytestmark = pytest.mark.browser


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None and "skip" in first["cls"] and first["name"] == "Naar de inhoud", first
    assert_focus_visible(first)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    after = tab_to(page, "")
    assert after["name"] == "Ontwikkel-login: kies een demo-medewerker", "after the skip link, Tab goes on in the content"


def test_a_whole_attempt_with_the_keyboard_only(page):
    page.goto("/dev/login")
    tab_to(page, "", tag="input")  # into the group of demo employees
    arrow_to(page, "Ans de Vries Verzorgende IG")
    page.keyboard.press("Space")
    submit_with_enter(page, "Aanmelden", "/toetsen")

    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Naar de inhoud"  # the skip link, on every page
    submit_with_enter(page, f"Start de toets: {ECD.title}", "/vraag/1")
    for number, item in enumerate(ECD.items, start=1):
        expect(page.get_by_text(f"Vraag {number} van {len(ECD.items)}")).to_be_visible()
        answer_with_keyboard(page, item, correct=item.code != "ecd-11")
        if number < len(ECD.items):
            submit_with_enter(page, "Volgende vraag", f"/vraag/{number + 1}")
        else:
            submit_with_enter(page, "Naar inleveren", "/inleveren")

    expect(page.get_by_text(f"Je hebt {len(ECD.items)} van de {len(ECD.items)} vragen beantwoord.")).to_be_visible()
    tab_to(page, "Terug naar de vragen")
    tab_to(page, "Inleveren en resultaat zien", tag="button", backwards=True)  # Shift+Tab goes back
    with page.expect_navigation(url="**/resultaat"):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Je resultaat: {ECD.title}")
    expect(page.locator("#skill-ecd-rapporteren .badge")).to_have_text("Op niveau")
