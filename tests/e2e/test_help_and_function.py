"""In the browser: the help text counts down, withdrawing asks first, the function can be changed;
axe-core finds nothing on these pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from service.operations.demo import DEMO_PEOPLE
from tests.e2e.person import ECD, LOW_SKILL, SKILLS, answer, ask_help, axe_violations, describe, open_test, press, sign_in
from tests.e2e.test_narrow_screens import take_the_test

pytestmark = pytest.mark.browser

WITHDRAW = re.compile(rf"^Intrekken\s*: {re.escape(SKILLS[LOW_SKILL].name)}$")  # the skill's name is for screen readers


def test_the_help_text_counts_down_politely_and_the_employee_sees_it_back(axe_page):
    page = axe_page
    take_the_test(page)
    assert not axe_violations(page), describe(axe_violations(page))
    box = page.get_by_label(re.compile("^Wil je er iets bij vertellen"))
    counter = page.locator("#message-count")
    expect(counter).to_have_text("Je kunt 500 tekens gebruiken.")
    box.press_sequentially("Graag op dinsdag")
    expect(counter).to_have_text("Nog 484 van de 500 tekens over.")
    expect(page.locator("#message-count-live")).to_have_text("Nog 484 van de 500 tekens over.")  # once typing pauses
    assert page.locator("#message-count-live").get_attribute("aria-live") == "polite"
    box.fill("x" * 600)
    assert len(box.input_value()) == 500  # the browser stops at the limit; the server refuses more too

    box.fill("Graag op dinsdag")
    ask_help(page, LOW_SKILL)
    page.goto("/mijn-overzicht")
    mine = page.locator(".help-requests > li").filter(has_text=SKILLS[LOW_SKILL].name)
    expect(mine.locator("blockquote")).to_have_text("Graag op dinsdag")

    mine.get_by_role("link", name=WITHDRAW).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hulpvraag intrekken?")
    assert not axe_violations(page), describe(axe_violations(page))
    page.get_by_role("link", name="Nee, terug naar mijn overzicht").click()
    expect(mine.get_by_text("verstuurd")).to_be_visible()  # "no" changes nothing
    mine.get_by_role("link", name=WITHDRAW).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, trek mijn hulpvraag in").click()
    expect(page.get_by_role("status")).to_have_text("Je hulpvraag is ingetrokken.")
    expect(mine.get_by_text("ingetrokken")).to_be_visible()


def test_a_self_chosen_function_is_changed_with_a_reason(axe_page):
    page = axe_page
    eva = next(p for p in DEMO_PEOPLE if p.function is None)
    sign_in(page, eva.name)
    page.get_by_label("Helpende", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    page.goto("/mijn-overzicht")
    page.get_by_role("link", name="Klopt je functie niet?").click()
    expect(page.get_by_role("heading", name="Klopt je functie niet?")).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))
    page.get_by_label("Verzorgende IG", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Functie veranderen").click()
    expect(page.get_by_role("alert")).to_have_text("Schrijf kort waarom je je functie verandert.")
    expect(page.locator("#fout")).to_be_focused()
    assert not axe_violations(page), describe(axe_violations(page))
    page.get_by_label("Waarom verander je je functie?").fill("Ik werk sinds deze maand als VIG.")
    with page.expect_navigation():
        page.get_by_role("button", name="Functie veranderen").click()
    expect(page.get_by_text("Je functie: Verzorgende IG.")).to_be_visible()


def test_the_admin_sets_a_default_function_and_a_new_employee_can_answer_dont_know(axe_page):
    page = axe_page
    admin = next(p for p in DEMO_PEOPLE if "beheerder" in p.name)
    sign_in(page, admin.name)
    page.goto("/beheer/instellingen")
    assert not axe_violations(page), describe(axe_violations(page))
    page.get_by_label("Functie voor wie zijn functie niet weet").select_option(label="Helpende")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_have_text("De instellingen zijn opgeslagen.")

    eva = next(p for p in DEMO_PEOPLE if p.function is None)
    sign_in(page, eva.name)
    page.get_by_label("Weet ik niet / staat er niet bij").check()
    expect(page.get_by_text("Dan vergelijken we je resultaat met Helpende.")).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    page.goto("/mijn-overzicht")
    expect(page.get_by_text("Je functie: Helpende.")).to_be_visible()


def test_a_retake_on_level_lets_the_employee_close_the_open_help_request(axe_page):
    page = axe_page
    take_the_test(page)
    ask_help(page, LOW_SKILL)
    open_test(page, "Opnieuw maken")
    for number, item in enumerate(ECD.items, start=1):
        answer(page, item)  # all right this time
        press(page, "Volgende vraag" if number < len(ECD.items) else "Naar inleveren")
    press(page, "Inleveren en resultaat zien")
    offer = page.locator("section").filter(has=page.get_by_role("heading", name="Je hebt nog een hulpvraag open"))
    expect(offer).to_contain_text(f"Je vroeg hulp bij {SKILLS[LOW_SKILL].name}. Nu haal je het niveau.")
    expect(page.locator("#kort")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Was: Nog aan het begin \(niveau 0\)\. Nu: .+ \(niveau \d\)\.")).first).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))
    press(page, re.compile("^Ik heb geen hulp meer nodig"), within=offer)
    expect(page.get_by_role("status")).to_have_text("Je hulpvraag is gesloten. Fijn dat het nu lukt!")
    expect(page.get_by_role("heading", name="Je hebt nog een hulpvraag open")).to_have_count(0)
