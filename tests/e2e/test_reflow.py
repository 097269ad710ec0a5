"""WCAG 1.4.10 (reflow), which axe-core cannot check: at 320 CSS px wide no page scrolls sideways."""

from __future__ import annotations

import pytest

from service.operations.demo import DEMO_PEOPLE
from tests.e2e.person import sign_in, visit_every_page

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 1);
  const outermost = wide.filter((el) => !wide.includes(el.parentElement));
  return {scrollWidth: document.documentElement.scrollWidth, width,
          elements: outermost.slice(0, 5).map((el) => el.outerHTML.slice(0, 120))};
}"""


def test_every_page_fits_320_css_pixels_without_scrolling_sideways(page):
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide: dict[str, dict] = {}

    def check(name: str) -> None:
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["width"]:
            too_wide[name] = measured

    page.goto("/")
    check("start page /")
    sign_in(page, next(p.name for p in DEMO_PEOPLE if p.function is None))
    check("function choice /functie")
    visit_every_page(page, check)
    assert not too_wide, f"pages that scroll sideways at 320 px: {too_wide}"
