"""What a person does in the browser: sign in, answer questions, tab around, and run axe-core.

The answers come from the starter content itself (mappings/content/tests/ecd-rapportage.yaml),
so the tests follow the content when it changes. Options and steps are shuffled per attempt,
so questions are answered by their visible label text, never by position.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from mappings.loader import load_folder
from mappings.model import Item, ItemType
from tests.conftest import STARTER_CONTENT
from tests.e2e.conftest import AXE_JS

STARTER = load_folder(STARTER_CONTENT)
ECD = next(test for test in STARTER.tests if test.code == "ecd-rapportage")
SKILLS = STARTER.skills
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SELF_RATING = "Kan ik zelfstandig"  # one of the four fixed labels (service/web/templating.py)


def number_of(item_code: str) -> int:
    """The question number (1-based) of an item in the ecd-rapportage test."""
    return next(i for i, item in enumerate(ECD.items, start=1) if item.code == item_code)


def first_of_type(kind: ItemType) -> int:
    return next(i for i, item in enumerate(ECD.items, start=1) if item.type is kind)


def chosen_labels(item: Item, correct: bool = True) -> list[str]:
    """The option labels a person ticks: all correct ones, or one wrong one."""
    if correct:
        return [o.text for o in item.options if o.correct]
    return [next(o.text for o in item.options if not o.correct)]


def sign_in(page: Page, name: str = "Ans de Vries") -> None:
    """Use the development login to become one of the demo employees."""
    page.goto("/dev/login")
    page.get_by_label(name).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Aanmelden").click()


def open_test(page: Page, button: str = "Start de toets") -> None:
    """On the test list, press the button on the card of the ecd-rapportage test."""
    page.goto("/toetsen")
    card = page.locator("li.card").filter(has=page.get_by_role("heading", name=ECD.title))
    with page.expect_navigation():
        card.get_by_role("button", name=button).click()


def answer(page: Page, item: Item, correct: bool = True) -> None:
    """Answer the question on the page with the mouse, as most people do."""
    expect(page.get_by_role("heading", level=1)).to_have_text(item.prompt)
    if item.type is ItemType.ORDERING:
        order_steps(page, list(item.steps) if correct else list(reversed(item.steps)))
    elif item.type is ItemType.SELF_RATING:
        page.get_by_label(SELF_RATING, exact=True).check()
    else:
        for label in chosen_labels(item, correct):
            page.get_by_label(label, exact=True).check()


def shown_order(page: Page) -> list[str]:
    """The steps of an ordering question as the list on the page shows them now."""
    return page.locator("ol.order-list > li .step-text").all_inner_texts()


def order_steps(page: Page, steps: list[str]) -> None:
    """Put the steps in this order by tapping "Omhoog" (as on a phone), top step first."""
    for index, step in enumerate(steps):
        while shown_order(page).index(step) > index:
            before = shown_order(page).index(step)
            page.get_by_role("button", name=f"Omhoog: {step}", exact=True).click()
            expect(page.locator("ol.order-list > li").nth(before - 1)).to_contain_text(step)
    assert shown_order(page) == steps


def saves_done(page: Page) -> None:
    """Wait until no autosave request is in flight (counted by the e2e conftest's init script)."""
    page.wait_for_function("() => window.__pendingFetches === 0")


def press(page: Page, button: str | re.Pattern, within: Locator | None = None) -> None:
    """Press a form button (in ``within``, default the page) and wait for the page it leads to."""
    saves_done(page)
    with page.expect_navigation():
        (within or page).get_by_role("button", name=button).click()


WRONG = frozenset({"ecd-01", "ecd-02", "ecd-11"})  # every question on the skill below
LOW_SKILL = "ecd-dossier-lezen"  # ... so this one ends below the level Verzorgende IG asks


def visit_every_page(page: Page, visit: Callable[[str], None]) -> None:
    """As Ans, take the whole test and call ``visit(name)`` on every kind of page on the way.

    The pages: the test list, the first question of each item type, the review page, the
    result page (with its help form, then with help asked) and the overview.
    """
    firsts = {first_of_type(kind): kind.value for kind in ItemType}
    sign_in(page, "Ans de Vries")
    visit("test list /toetsen")
    open_test(page, "Start de toets")
    for number, item in enumerate(ECD.items, start=1):
        if number in firsts:
            visit(f"question {number} ({firsts[number]})")
        answer(page, item, correct=item.code not in WRONG)
        press(page, "Volgende vraag" if number < len(ECD.items) else "Naar inleveren")
    visit("review /inleveren")
    press(page, "Inleveren en resultaat zien")
    visit("result /resultaat (with help form)")
    ask_help(page, LOW_SKILL)
    visit("result /resultaat (help asked)")
    page.goto("/mijn-overzicht")
    visit("overview /mijn-overzicht")


def ask_help(page: Page, *skill_codes: str, message: str = "") -> None:
    """In the one help form on the result page: tick the skills, give consent, send."""
    form = page.locator("form.help")
    for code in skill_codes:
        form.get_by_label(SKILLS[code].name, exact=True).check()
    if message:
        form.get_by_label(re.compile("^Wil je er iets bij vertellen")).fill(message)
    form.get_by_label(re.compile("^Ik geef toestemming")).check()
    press(page, "Vraag hulp aan een digicoach", within=form)


# --- keyboard ------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  let name = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return {
    tag: el.tagName.toLowerCase(), type: el.type || null, id: el.id || null, cls: el.className || null,
    name: (name || "").replace(/\\s+/g, " ").trim(), checked: el.checked === true, value: el.value ?? null,
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    box: {x: box.x, y: box.y, width: box.width, height: box.height},
    viewport: {width: window.innerWidth, height: window.innerHeight},
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED)


def assert_focus_visible(info: dict) -> None:
    """The focused element is on screen and has an outline a sighted keyboard user can see."""
    assert info["outlineStyle"] != "none" and info["outlineWidth"] > 0, f"no visible focus outline on {info}"
    box, viewport = info["box"], info["viewport"]
    assert box["width"] > 0 and box["height"] > 0, f"focused element has no size: {info}"
    assert box["x"] + box["width"] > 0 and box["x"] < viewport["width"], f"focused element is off screen: {info}"
    assert box["y"] + box["height"] > 0 and box["y"] < viewport["height"], f"focused element is off screen: {info}"


def tab_to(page: Page, name: str, tag: str | None = None, backwards: bool = False, limit: int = 40) -> dict:
    """Press Tab (or Shift+Tab) until the focused element's name starts with ``name``.

    Every element passed on the way must show a visible focus outline.
    """
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        if info is None:
            seen.append("<body>")
            continue
        assert_focus_visible(info)
        seen.append(f"{info['tag']}:{info['name'][:40]}")
        if info["name"].startswith(name) and (tag is None or info["tag"] == tag):
            return info
    raise AssertionError(f"{key} never reached {name!r}; focus went through {seen}")


def arrow_to(page: Page, name: str, limit: int = 10) -> dict:
    """In a radio group, press ArrowDown until the focused radio's label is ``name``."""
    info = focused(page)
    for _ in range(limit):
        if info and info["name"] == name:
            return info
        page.keyboard.press("ArrowDown")
        info = focused(page)
        assert_focus_visible(info)
    raise AssertionError(f"ArrowDown never reached {name!r}")


def submit_with_enter(page: Page, button: str, url_part: str) -> None:
    """Tab to a button, press Enter, and wait for the next page."""
    tab_to(page, button, tag="button")
    saves_done(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert url_part in page.url, f"{button!r} led to {page.url}, not {url_part}:\n{page.locator('main').inner_text()}"


def answer_with_keyboard(page: Page, item: Item, correct: bool = True) -> None:
    """Answer the question on the page with Tab, arrow keys, Space and typed digits only."""
    expect(page.get_by_role("heading", level=1)).to_have_text(item.prompt)
    if item.type is ItemType.ORDERING:
        _fill_ordering(page, list(item.steps) if correct else list(reversed(item.steps)))
    elif item.type is ItemType.MULTIPLE:
        wanted = set(chosen_labels(item, correct))
        for _ in item.options:  # every checkbox is a Tab stop, in page (shuffled) order
            info = tab_to(page, "", tag="input")
            if (info["name"] in wanted) != info["checked"]:
                page.keyboard.press("Space")
            assert focused(page)["checked"] == (info["name"] in wanted), f"Space did not toggle {info['name']!r}"
    else:
        label = SELF_RATING if item.type is ItemType.SELF_RATING else chosen_labels(item, correct)[0]
        tab_to(page, "", tag="input")  # Tab enters the radio group once
        arrow_to(page, label)
        page.keyboard.press("Space")
        assert focused(page)["checked"], f"Space did not choose {label!r}"


def _fill_ordering(page: Page, steps: list[str]) -> None:
    """Build the order with Tab and Enter on the "Omhoog" buttons only (no mouse).

    Top step first: Tab forward to the step's "Omhoog" button, press Enter until it is in
    place. Focus stays on the moved step's button, so the next step is always further down.
    Each move is announced in the polite live region.
    """
    for index, step in enumerate(steps):
        moves = shown_order(page).index(step) - index
        if moves <= 0:
            continue
        tab_to(page, f"Omhoog: {step}", tag="button")
        for _ in range(moves):
            page.keyboard.press("Enter")
        expect(page.locator(".order-live")).to_have_text(f"{step} staat nu op plaats {index + 1} van {len(steps)}.")
        info = focused(page)
        assert info["name"].endswith(f": {step}"), f"focus left the moved step: {info}"
        assert_focus_visible(info)
    assert shown_order(page) == steps


# --- axe-core ------------------------------------------------------------------------------

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target, failureSummary: n.failureSummary})),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (node_modules/axe-core) on the page for WCAG 2.1 A and AA."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
