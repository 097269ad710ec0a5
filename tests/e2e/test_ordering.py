"""The ordering question: built by touch with Omhoog/Omlaag, announced, saved by autosave; and
without script the number drop-downs still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mappings.model import ItemType
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.person import ECD, first_of_type, open_test, shown_order, sign_in

pytestmark = pytest.mark.browser

NUMBER = first_of_type(ItemType.ORDERING)
STEPS = list(ECD.items[NUMBER - 1].steps)


def to_question(page) -> None:
    sign_in(page, "Ans de Vries")
    open_test(page, "Start de toets")
    page.goto(page.url.replace("/vraag/1", f"/vraag/{NUMBER}"))


def test_a_phone_builds_the_order_by_tapping_and_autosave_keeps_it(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL", has_touch=True, is_mobile=True,
                                   viewport={"width": 375, "height": 667})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        to_question(page)
        assert page.locator("ol.steps").is_hidden()  # the drop-downs are only the no-script fallback
        for index, step in enumerate(STEPS):
            while shown_order(page).index(step) > index:
                page.get_by_role("button", name=f"Omhoog: {step}", exact=True).tap()
        assert shown_order(page) == STEPS
        last = STEPS[-1]
        expect(page.locator(".order-live")).to_contain_text("staat nu op plaats")
        expect(page.locator(".saved")).to_have_text("Je antwoord is bewaard.")  # no button pressed
        page.reload()
        assert shown_order(page) == STEPS, "the saved order comes back after a reload"
        page.get_by_role("button", name=f"Omhoog: {last}", exact=True).tap()
        expect(page.locator(".order-live")).to_have_text(f"{last} staat nu op plaats {len(STEPS) - 1} van {len(STEPS)}.")
        assert shown_order(page)[-2] == last
    finally:
        context.close()


def test_without_script_the_number_drop_downs_still_answer(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        to_question(page)
        expect(page.locator("ol.order-list")).to_have_count(0)
        for position, step in enumerate(STEPS, start=1):
            page.get_by_label(step, exact=True).select_option(str(position))
        with page.expect_navigation():
            page.get_by_role("button", name="Volgende vraag").click()
        page.goto(page.url.replace(f"/vraag/{NUMBER + 1}", f"/vraag/{NUMBER}"))
        for position, step in enumerate(STEPS, start=1):
            expect(page.get_by_label(step, exact=True)).to_have_value(str(position))
    finally:
        context.close()

