"""The teacher's course overview in Chromium: it reflows on a phone and in an 800 px LMS frame."""

from __future__ import annotations

import pytest

from tests.e2e.teacher import open_course_overview
from tests.e2e.test_reflow import OVERFLOW

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [320, 375, 800])
def test_the_course_overview_never_scrolls_sideways(page, live_server, width):
    """800 px is the width of a typical LMS frame (the page is laid out the same inside one)."""
    open_course_overview(page, live_server, levels=True)
    page.set_viewport_size({"width": width, "height": 600})
    participant = page.locator("li.participant")
    assert participant.count() == 1 and "Ans de Vries" in participant.inner_text()
    assert "Niveau per vaardigheid" in participant.inner_text()  # the widest content is there
    measured = page.evaluate(OVERFLOW)
    assert measured["scrollWidth"] <= measured["width"] and not measured["elements"], measured
