"""A person takes a whole digi-toets in chromium, stops halfway, comes back, and asks for help."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.person import ECD, LOW_SKILL, SKILLS, WRONG, answer, ask_help, number_of, open_test, press, sign_in

pytestmark = pytest.mark.browser

MET_SKILLS = ("ecd-rapporteren", "ecd-zorgplan", "privacy-clientgegevens")  # all in Verzorgende IG
HALF = 7  # answer questions 1..7, then close the page


def test_a_person_takes_a_whole_digitoets_with_a_break_and_asks_for_help(context, tmp_path):
    page = context.new_page()
    sign_in(page, "Ans de Vries")
    open_test(page, "Start de toets")
    for item in ECD.items[: HALF - 1]:
        answer(page, item, correct=item.code not in WRONG)
        press(page, "Volgende vraag")
    seventh = ECD.items[HALF - 1]
    answer(page, seventh)  # no button: the script saves it
    expect(page.locator(".saved")).to_have_text("Je antwoord is bewaard.")
    page.close()

    page = context.new_page()
    page.goto("/toetsen")
    expect(page.get_by_text("Je bent hier al mee begonnen.")).to_be_visible()
    open_test(page, "Verder met de toets")
    expect(page).to_have_url(re.compile(rf"/vraag/{HALF + 1}$"))
    expect(page.get_by_text(f"Vraag {HALF + 1} van {len(ECD.items)}")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", str(HALF + 1))  # the bar says what the text says
    press(page, "Vorige vraag")
    for label in [o.text for o in seventh.options if o.correct]:
        expect(page.get_by_label(label, exact=True)).to_be_checked()
    page.goto(page.url.replace(f"/vraag/{HALF}", f"/vraag/{number_of('ecd-04')}"))
    for position, step in enumerate(ECD.items[number_of("ecd-04") - 1].steps, start=1):
        expect(page.get_by_label(step, exact=True)).to_have_value(str(position))
    page.goto(page.url.replace(f"/vraag/{number_of('ecd-04')}", f"/vraag/{HALF + 1}"))

    for item in ECD.items[HALF:]:
        answer(page, item, correct=item.code not in WRONG)
        press(page, "Volgende vraag" if item is not ECD.items[-1] else "Naar inleveren")
    expect(page.get_by_text(f"Je hebt {len(ECD.items)} van de {len(ECD.items)} vragen beantwoord.")).to_be_visible()
    press(page, "Inleveren en resultaat zien")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Je resultaat: {ECD.title}")
    expect(page.get_by_text(f"Voor {len(MET_SKILLS)} van de {len(MET_SKILLS) + 1} vaardigheden haal je al het niveau dat je functie (Verzorgende IG) vraagt.")).to_be_visible()
    low = page.locator(f"#skill-{LOW_SKILL}")
    expect(low.get_by_role("heading", level=3)).to_contain_text(SKILLS[LOW_SKILL].name)
    expect(low.locator(".badge")).to_have_text("Nog niet op niveau")
    expect(low.get_by_text("Nodig voor je functie")).to_be_visible()
    page.locator("details.on-level > summary").click()  # what is on level is folded
    for code in MET_SKILLS:
        card = page.locator(f"#skill-{code}")
        expect(card.get_by_role("heading", level=3)).to_contain_text(SKILLS[code].name)
        expect(card.locator(".badge")).to_have_text("Op niveau")
        expect(card.get_by_text("Nodig voor je functie")).to_be_visible()
    page.screenshot(path=tmp_path / "result.png", full_page=True)

    ask_help(page, LOW_SKILL)
    expect(page.get_by_role("status")).to_have_text("Je hulpvraag is verstuurd. Een digicoach neemt contact met je op.")
    expect(page.locator(f"#skill-{LOW_SKILL}").get_by_text("Je hebt hulp gevraagd")).to_be_visible()
    page.screenshot(path=tmp_path / "result-after-help.png", full_page=True)
