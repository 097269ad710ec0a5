"""The page's script stores an answer as soon as it is given, and says so to screen readers too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service import models as m
from tests.e2e.person import ECD, chosen_labels, open_test, sign_in

pytestmark = pytest.mark.browser


def stored_answers(database) -> dict[str, object]:
    with database.begin() as session:
        rows = session.execute(select(m.Item.code, m.Response.answer).join(m.Response.item))
        return {code: answer["value"] for code, answer in rows}


def test_choosing_an_option_stores_it_before_any_button_is_pressed(page, live_server):
    sign_in(page, "Ans de Vries")
    open_test(page, "Start de toets")
    first = ECD.items[0]
    [label] = chosen_labels(first)
    status = page.locator(".saved")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    question_url = page.url

    with page.expect_response(re.compile(r"/antwoord$")) as saved:
        page.get_by_label(label, exact=True).check()
    assert saved.value.status == 200
    expect(status).to_have_text("Je antwoord is bewaard.")
    assert page.url == question_url  # nothing was submitted
    [code] = [o.code for o in first.options if o.correct]
    assert stored_answers(live_server.database) == {first.code: code}

    page.reload()
    expect(page.get_by_label(label, exact=True)).to_be_checked()
    expect(status).to_have_text("")  # a fresh page says nothing until the next answer
