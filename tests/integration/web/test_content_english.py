"""The content in the page's language: English where the content has it, Dutch where it has not.

The starter content has English for every text, so these tests load it instead of the small
fixture content (which has none).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mappings.loader import STARTER_CONTENT, load_folder
from service import models as m
from service.models.texts import localized
from service.operations.content import load_content

STEPS_EN = [
    "Open Mr Bakker's record.", "Check that the name and date of birth are right.",
    "Choose a new report under the right goal.", "Write what you saw and what you did.", "Save the report.",
]


@pytest.fixture
def content(database):
    """Overrides tests/support/web.py: the starter content, English included."""
    with database.begin() as session:
        load_content(session, load_folder(STARTER_CONTENT))


def start(browser, code="ecd-rapportage") -> str:
    response = browser.post(f"/toetsen/{code}/start")
    assert response.status_code == 302
    return response.location.rsplit("/", 1)[-1]


def test_an_english_page_shows_the_contents_english(browser, make_person):
    browser.sign_in(make_person())
    assert browser.get("/taal/en").status_code == 302

    tests = browser.get("/toetsen").get_data(as_text=True)
    assert "Reporting in the EHR" in tests and "Rapporteren in het ECD" not in tests
    assert "Certified carer (IG)" in tests  # the function's name
    assert "Outlook and email" in tests

    registration = start(browser)
    question = browser.get(f"/poging/{registration}/vraag/1").get_data(as_text=True)
    assert "You start your shift. You want to know how Mrs Jansen" in question
    assert "In Mrs Jansen&#39;s latest reports in the EHR." in question
    assert "Je begint aan je dienst" not in question and "In de laatste rapportages" not in question
    browser.post(f"/poging/{registration}/vraag/1", data={"answer": "c", "go": "next"})  # wrong: a skill to work on

    ordering = browser.get(f"/poging/{registration}/vraag/4").get_data(as_text=True)
    assert all(step.replace("'", "&#39;") in ordering for step in STEPS_EN)
    assert "Open het dossier van meneer Bakker." not in ordering


def test_an_ordering_answer_given_on_an_english_page_is_scored_like_the_dutch_one(browser, make_person, database):
    person = make_person()
    browser.sign_in(person)
    browser.get("/taal/en")
    registration = start(browser)
    page = browser.get(f"/poging/{registration}/vraag/4").get_data(as_text=True)
    shown = sorted(STEPS_EN, key=lambda step: page.index(step.replace("'", "&#39;")))
    form = {f"position-{i}": str(STEPS_EN.index(step) + 1) for i, step in enumerate(shown)}
    assert browser.post(f"/poging/{registration}/vraag/4", data={**form, "go": "next"}).status_code == 302
    assert browser.post(f"/poging/{registration}/inleveren").status_code == 302
    with database.begin() as session:
        response = session.scalar(select(m.Response).join(m.Item).where(m.Item.code == "ecd-04"))
        assert response.answer["value"][0] == "Open het dossier van meneer Bakker."  # stored as the content's steps
        assert response.score == 1.0


def test_the_result_and_overview_name_skills_levels_and_tips_in_english(browser, make_person):
    browser.sign_in(make_person())
    browser.get("/taal/en")
    registration = start(browser)
    browser.post(f"/poging/{registration}/vraag/1", data={"answer": "c", "go": "next"})
    assert browser.post(f"/poging/{registration}/inleveren").status_code == 302
    result = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
    assert "Reading the record in the EHR" in result and "Het dossier lezen in het ECD" not in result
    assert "You look up a client yourself." in result  # the level descriptor asked
    assert "Je zoekt zelf een cliënt op." not in result
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Reading the record in the EHR" in overview and "Certified carer (IG)" in overview
    assert "Start your shift with the latest reports" in overview  # a tip
    assert "Begin je dienst met de laatste rapportages" not in overview


def test_a_text_without_english_falls_back_to_dutch_and_dutch_pages_stay_dutch(browser, make_person, database):
    with database.begin() as session:
        version = session.scalar(
            select(m.TestVersion).join(m.DigiTest).where(m.DigiTest.code == "outlook-mail"))
        version.title_en = None
    browser.sign_in(make_person())
    browser.get("/taal/en")
    english = browser.get("/toetsen").get_data(as_text=True)
    assert "Outlook en mail" in english and "Reporting in the EHR" in english
    browser.get("/taal/nl")
    dutch = browser.get("/toetsen").get_data(as_text=True)
    assert "Rapporteren in het ECD" in dutch and "Reporting in the EHR" not in dutch
    assert "Verzorgende IG" in dutch


def test_the_english_is_stored_with_the_content(database):
    with database.begin() as session:
        load_content(session, load_folder(STARTER_CONTENT))
        skill = session.scalar(select(m.Skill).where(m.Skill.code == "ecd-rapporteren"))
        assert skill.name_en == "Reporting in the EHR"
        assert [d.descriptor_en for d in skill.levels][0].startswith("You write a short report with help")
        item = session.scalar(select(m.Item).where(m.Item.code == "ecd-04"))
        assert item.data["steps_en"] == STEPS_EN
        option = session.scalar(select(m.Item).where(m.Item.code == "ecd-01")).data["options"][0]
        assert localized(option, "text", "en") == "In Mrs Jansen's latest reports in the EHR."
        assert localized(option, "text", "nl") == option["text"]
        registry = session.scalar(select(m.AccreditationRegistry).where(m.AccreditationRegistry.code == "knmg-gaia"))
        assert registry.number_label_en == "BIG number"


def test_loading_the_english_starter_content_twice_changes_nothing(database):
    bundle = load_folder(STARTER_CONTENT)
    with database.begin() as session:
        assert load_content(session, bundle).changed
    with database.begin() as session:
        again = load_content(session, bundle)
        assert not again.changed, again.as_dict()
