"""The result page: a summary first, what to work on, what is on level (folded), one help request
for several skills with one consent, the answers explained, progress since the last attempt."""

from __future__ import annotations

import re

from sqlalchemy import select

from service import models as m
from tests.integration.web.test_attempt_flow import STEPS, answer_all, count, ordering_form, start

POOR = {1: {"answer": "b"}, 2: {"answer": ["c"]}, 4: {"answer": "0"}, 5: {"answer": "a"}}


def answer_poorly(browser, registration, skip=()):
    """Every question wrong (the self-rating: "Kan ik nog niet"); ``skip`` numbers stay empty."""
    for number in (1, 2, 3, 4, 5):
        if number in skip:
            continue
        data = POOR.get(number) or ordering_form(browser, registration, number, list(reversed(STEPS)))
        response = browser.post(f"/poging/{registration}/vraag/{number}", data={**data, "go": "next"})
        assert response.status_code == 302, response.get_data(as_text=True)


def finished_attempt(browser, poorly=True, skip=()) -> tuple[str, str]:
    registration = start(browser)
    if poorly:
        answer_poorly(browser, registration, skip)
    else:
        answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    return registration, browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_summary_comes_first_then_what_to_work_on_then_what_is_on_level_folded(browser, make_person):
    browser.sign_in(make_person())
    _registration, page = finished_attempt(browser, poorly=False)
    summary, work, on_level = page.index("In het kort"), page.index("Hier kun je aan werken"), page.index("Dit kun je al")
    assert summary < work < on_level
    # the bars are hidden from screen readers; the words beside them say the same
    block = text_of(page[summary:work])
    assert "Veilige wachtwoorden" in block
    assert "Jij: Met hulp (niveau 1) · Nodig: Zelfstandig (niveau 2)" in block
    assert "Jij: Vaardig (niveau 3) · Nodig: Zelfstandig (niveau 2)" in block
    assert page.count('class="level-bar" aria-hidden="true"') == 3
    # below the level: open; on level: inside a closed <details>
    assert 'id="skill-wachtwoord-veilig"' in page[work:on_level]
    folded = page[on_level:page.index("Wie ziet wat?")]
    assert "<details" in folded and 'id="skill-ecd-rapporteren"' in folded
    assert "Laat de 2 vaardigheden op niveau zien" in folded  # ecd-zoeken too (extra, level 2)


def test_levels_are_named_in_words_and_level_0_is_explained_once(browser, make_person):
    browser.sign_in(make_person())
    _registration, page = finished_attempt(browser)
    assert "Nog aan het begin (niveau 0)" in page
    assert "nog niet op niveau 1" not in page
    assert page.count("Je liet in de toets nog niet zien dat je dit met hulp kunt.") == 1
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Nog aan het begin (niveau 0)" in overview
    assert overview.count("Wat betekenen de niveaus?") == 1


def test_progress_between_attempts_on_the_result_page_and_the_overview(browser, make_person):
    browser.sign_in(make_person())
    finished_attempt(browser, poorly=True)
    _registration, page = finished_attempt(browser, poorly=False)
    was = "Was: Nog aan het begin (niveau 0). Nu: Vaardig (niveau 3)."
    assert was in text_of(page)
    overview = text_of(browser.get("/mijn-overzicht").get_data(as_text=True))
    assert was in overview
    assert "Eerder" not in overview  # no raw list of dates and numbers


def test_one_help_request_for_several_skills_with_one_consent(browser, make_person, database):
    browser.sign_in(make_person())
    registration, page = finished_attempt(browser)
    assert page.count('name="consent"') == 1 and page.count("<textarea") == 1
    assert 'value="ecd-rapporteren"' in page and 'value="wachtwoord-veilig"' in page
    response = browser.post(f"/poging/{registration}/hulp", data={
        "skill": ["ecd-rapporteren", "wachtwoord-veilig"], "consent": "yes", "message": "Liefst op dinsdag",
    })
    assert response.status_code == 302
    with database.begin() as session:
        made = session.scalars(select(m.HelpRequest).order_by(m.HelpRequest.id)).all()
        assert [r.skill.code for r in made] == ["ecd-rapporteren", "wachtwoord-veilig"]
        assert len({(r.consent_at, r.consent_text, r.message) for r in made}) == 1  # one consent, one text
        assert made[0].message == "Liefst op dinsdag" and "gekozen vaardigheden" in made[0].consent_text
    after = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
    assert after.count("Je hebt hulp gevraagd.") == 2
    assert 'name="consent"' in after  # ecd-zoeken (low, not asked by the function) can still be chosen
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Wat je schreef:" in overview and overview.count("Liefst op dinsdag") == 2


def test_a_refused_skill_stores_none_of_the_chosen_skills(browser, make_person, database):
    browser.sign_in(make_person())
    registration, _page = finished_attempt(browser, poorly=False)  # ecd-rapporteren on level
    response = browser.post(f"/poging/{registration}/hulp", data={
        "skill": ["wachtwoord-veilig", "ecd-rapporteren"], "consent": "yes",
    })
    assert response.status_code == 422
    assert "Voor deze vaardigheid heb je het niveau al gehaald." in response.get_data(as_text=True)
    assert count(database, m.HelpRequest) == 0


def test_no_skill_chosen_and_a_too_long_text_are_refused_in_dutch(browser, make_person, database):
    browser.sign_in(make_person())
    registration, page = finished_attempt(browser)
    assert 'maxlength="500"' in page and 'aria-live="polite" id="message-count-live"' in page
    none = browser.post(f"/poging/{registration}/hulp", data={"consent": "yes"})
    assert none.status_code == 422
    assert "Kies minstens één vaardigheid waarbij je hulp wilt." in none.get_data(as_text=True)
    long = browser.post(f"/poging/{registration}/hulp",
                        data={"skill": "wachtwoord-veilig", "consent": "yes", "message": "x" * 501})
    assert long.status_code == 422
    assert "Je bericht is te lang: 501 tekens. Er passen er 500 in." in long.get_data(as_text=True)
    assert count(database, m.HelpRequest) == 0
    fits = browser.post(f"/poging/{registration}/hulp",
                        data={"skill": "wachtwoord-veilig", "consent": "yes", "message": "x" * 500})
    assert fits.status_code == 302 and count(database, m.HelpRequest) == 1


def test_each_question_shows_the_answer_given_the_right_one_and_why(browser, make_person):
    browser.sign_in(make_person())
    _registration, page = finished_attempt(browser, skip=(2,))
    explained = page[page.index("Uitleg bij de vragen"):]
    first = text_of(explained[explained.index('id="uitleg-1"'):explained.index('id="uitleg-2"')])
    assert "Nog niet goed. Jouw antwoord: Op een briefje Het goede antwoord: In het ECD" in first
    assert "Waarom: Rapportages horen in het ECD." in first
    skipped = text_of(explained[explained.index('id="uitleg-2"'):explained.index('id="uitleg-3"')])
    assert "Overgeslagen: je hebt deze vraag niet beantwoord." in skipped
    assert "Het goede antwoord: Wat je zag Wat je deed" in skipped
    rating = text_of(explained[explained.index('id="uitleg-4"'):explained.index('id="uitleg-5"')])
    assert "Je schatte jezelf in als: Kan ik nog niet." in rating
    assert "Deels goed" not in rating and "Nog niet goed" not in rating


def test_a_retake_on_level_offers_to_close_the_open_help_request(browser, make_person, database):
    browser.sign_in(make_person())
    first, _page = finished_attempt(browser)
    browser.post(f"/poging/{first}/hulp", data={"skill": "ecd-rapporteren", "consent": "yes"})
    registration, page = finished_attempt(browser, poorly=False)
    offer = text_of(page[page.index("Je hebt nog een hulpvraag open"):page.index("Hier kun je aan werken")])
    assert "Je vroeg hulp bij Rapporteren in het ECD. Nu haal je het niveau." in offer
    with database.begin() as session:
        request_id = session.scalars(select(m.HelpRequest.id)).one()
    closed = browser.post(f"/hulpvragen/{request_id}/niet-meer-nodig",
                          data={"next": f"/poging/{registration}/resultaat"})
    assert closed.location == f"/poging/{registration}/resultaat"
    with database.begin() as session:
        request = session.get(m.HelpRequest, request_id)
        assert request.status is m.HelpRequestStatus.CANCELLED and "nu op niveau" in request.resolution_note
    after = browser.get(closed.location).get_data(as_text=True)
    assert "Je hebt nog een hulpvraag open" not in after and "Fijn dat het nu lukt!" in after


def test_withdrawing_asks_for_confirmation_first(browser, make_person, database):
    browser.sign_in(make_person())
    registration, _page = finished_attempt(browser)
    browser.post(f"/poging/{registration}/hulp", data={"skill": "wachtwoord-veilig", "consent": "yes"})
    with database.begin() as session:
        request_id = session.scalars(select(m.HelpRequest.id)).one()
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert f'href="/hulpvragen/{request_id}/intrekken"' in overview  # a link to the question, not a direct POST
    confirm = browser.get(f"/hulpvragen/{request_id}/intrekken").get_data(as_text=True)
    assert "Hulpvraag intrekken?" in confirm and "Ja, trek mijn hulpvraag in" in confirm
    with database.begin() as session:
        assert session.get(m.HelpRequest, request_id).status is m.HelpRequestStatus.NEW  # looking changes nothing
    browser.post(f"/hulpvragen/{request_id}/intrekken")
    with database.begin() as session:
        assert session.get(m.HelpRequest, request_id).status is m.HelpRequestStatus.CANCELLED
    browser.sign_in(make_person("emp-2"))
    assert browser.get(f"/hulpvragen/{request_id}/intrekken").status_code == 404  # not someone else's


def test_the_overview_recommends_only_tests_made_for_the_function(browser, make_person):
    browser.sign_in(make_person(function="helpende"))  # asks ecd-rapporteren; the only test is for VIG
    page = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert 'href="/toets/ecd-rapportage"' not in page
    tests = browser.get("/toetsen").get_data(as_text=True)
    other = tests[tests.index("Andere toetsen"):]
    assert "Deze toetsen zijn voor andere functies." in other and "Rapporteren in het ECD" in other
    browser.sign_in(make_person("emp-2", function="verzorgende-ig"))
    assert 'href="/toets/ecd-rapportage"' in browser.get("/mijn-overzicht").get_data(as_text=True)


def test_the_progress_bar_follows_the_question_number_and_the_review_names_skipped_ones(browser, make_person):
    browser.sign_in(make_person())
    registration = start(browser)
    page = browser.get(f"/poging/{registration}/vraag/3").get_data(as_text=True)
    assert "Vraag 3 van 5" in page and 'max="5" value="3"' in page  # nothing answered yet, still 3 of 5
    browser.post(f"/poging/{registration}/vraag/1", data={"answer": "a", "go": "next"})
    review = text_of(browser.get(f"/poging/{registration}/inleveren").get_data(as_text=True))
    assert "Vraag 2 : Overgeslagen" in review and "Vraag 1 :" not in review


def test_the_overview_shows_tested_skills_as_cards_and_folds_the_untested_ones(browser, make_person):
    browser.sign_in(make_person())
    before = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert 'class="card" id="vaardigheid-' not in before and "Je hebt nog geen vaardigheden getest." in before
    folded = text_of(before[before.index('<details class="untested">'):before.index("Mijn ontwikkelplan")])
    assert "2 vaardigheden van je functie zijn nog niet getest" in folded
    assert "Veilige wachtwoorden · Nodig: Zelfstandig (niveau 2)" in folded
    finished_attempt(browser, poorly=False)
    after = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert 'class="card" id="vaardigheid-ecd-rapporteren"' in after and '<details class="untested">' not in after
