"""An employee takes a digi-toets: answers are kept, the result is per skill, help can be asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from service import models as m

PERFECT = {  # form data per question number for the fixture test (see tests/fixtures/content)
    1: {"answer": "a"},
    2: {"answer": ["a", "b"]},
    4: {"answer": "3"},
    5: {"answer": "b"},
}


def start(browser, code="ecd-rapportage") -> str:
    response = browser.post(f"/toetsen/{code}/start")
    assert response.status_code == 302
    return response.location.rsplit("/", 1)[-1]


def ordering_form(browser, registration, number, order):
    """Fill the ordering question by reading the steps as the page shows them."""
    page = browser.get(f"/poging/{registration}/vraag/{number}").get_data(as_text=True)
    shown = [step for step in order if step in page]
    positions = sorted(shown, key=page.index)  # the steps in the page's (shuffled) order
    return {f"position-{i}": str(order.index(step) + 1) for i, step in enumerate(positions)}


STEPS = ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"]


def answer_all(browser, registration):
    for number in (1, 2, 3, 4, 5):
        browser.get(f"/poging/{registration}/vraag/{number}")
        data = PERFECT.get(number) or ordering_form(browser, registration, number, STEPS)
        response = browser.post(f"/poging/{registration}/vraag/{number}", data={**data, "go": "next"})
        assert response.status_code == 302, response.get_data(as_text=True)


def card(page: str, code: str) -> str:
    """The HTML of one skill's card on the result page."""
    start = page.index(f'id="skill-{code}"')
    end = page.find('class="skill card"', start)
    return page[start:end if end > 0 else len(page)]


def count(database, model, **where) -> int:
    with database.begin() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_whole_attempt_shows_level_per_skill_against_the_function(browser, make_person):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    assert browser.get(f"/poging/{registration}/inleveren").status_code == 200
    response = browser.post(f"/poging/{registration}/inleveren")
    assert response.location.endswith(f"/poging/{registration}/resultaat")
    page = browser.get(response.location).get_data(as_text=True)
    assert "Je resultaat: Rapporteren in het ECD" in page
    assert "Voor 1 van de 2 vaardigheden haal je al het niveau dat je functie (Verzorgende IG) vraagt." in page
    rapporteren = card(page, "ecd-rapporteren")
    assert "Op niveau" in rapporteren and "Vaardig (niveau 3)" in rapporteren
    wachtwoord = card(page, "wachtwoord-veilig")
    assert "Nog niet op niveau" in wachtwoord
    assert "Met hulp (niveau 1)" in wachtwoord and "Zelfstandig (niveau 2)" in wachtwoord
    assert "Een sterk wachtwoord maken" in wachtwoord  # the link from resources.yaml
    assert 'name="skill" value="wachtwoord-veilig"' in page  # it can be ticked in the one help form
    assert "Wie ziet wat?" in page and "minstens 5 mensen" in page


def test_reopening_resumes_at_the_first_open_question_with_answers_kept(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    for number in (1, 2):
        browser.post(f"/poging/{registration}/vraag/{number}", data={**PERFECT[number], "go": "next"})
    # the tab is closed; later the employee opens the test again from the list
    again = browser.post("/toetsen/ecd-rapportage/start")
    assert again.location.endswith(f"/poging/{registration}")
    assert browser.get(again.location).location.endswith(f"/poging/{registration}/vraag/3")
    page = browser.get(f"/poging/{registration}/vraag/2").get_data(as_text=True)
    assert 'value="a" aria-describedby="hint" checked' in page and 'value="b" aria-describedby="hint" checked' in page
    assert count(database, m.Attempt) == 1
    assert count(database, m.Response) == 2


def test_autosave_keeps_an_answer_before_any_button_is_pressed(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    browser.get(f"/poging/{registration}/vraag/1")
    response = browser.post_json(f"/poging/{registration}/antwoord", {"item": "ecd-05", "value": "b"})
    assert response.status_code == 200
    assert count(database, m.Response) == 1
    assert browser.get(f"/poging/{registration}/vraag/5").get_data(as_text=True).count("checked") == 1


def test_submitting_twice_gives_one_result(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    first = browser.post(f"/poging/{registration}/inleveren")
    second = browser.post(f"/poging/{registration}/inleveren")
    assert first.location == second.location
    assert count(database, m.SkillObservation) == 3
    assert count(database, m.CurrentSkillLevel) == 3
    with database.begin() as session:
        attempt = session.scalars(select(m.Attempt)).one()
        assert attempt.status is m.AttemptStatus.SCORED
        assert attempt.score_raw == 5.0 and attempt.score_max == 5.0


def test_answer_to_an_item_not_in_the_attempt_is_refused_and_changes_nothing(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    browser.get(f"/poging/{registration}/vraag/1")
    response = browser.post_json(f"/poging/{registration}/antwoord", {"item": "niet-bestaand", "value": "a"})
    assert response.status_code == 422
    assert response.get_json()["message"] == "Deze vraag hoort niet bij deze toets."
    assert count(database, m.Response) == 0


def test_answer_to_a_closed_attempt_is_refused(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    response = browser.post_json(f"/poging/{registration}/antwoord", {"item": "ecd-01", "value": "b"})
    assert response.status_code == 409
    assert "al ingeleverd" in response.get_json()["message"]
    with database.begin() as session:
        kept = session.scalars(select(m.Response).join(m.Item).where(m.Item.code == "ecd-01")).one()
        assert kept.answer == {"value": "a"}


def test_malformed_forms_get_a_dutch_message_and_store_nothing(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    bad_order = browser.post(f"/poging/{registration}/vraag/3", data={"position-0": "1", "position-1": "1", "position-2": "2"})
    assert bad_order.status_code == 422
    assert "Geef elke stap een ander nummer, van 1 tot en met 3." in bad_order.get_data(as_text=True)
    unknown_option = browser.post(f"/poging/{registration}/vraag/1", data={"answer": "z"})
    assert unknown_option.status_code == 422
    assert "Dit antwoord past niet bij de vraag." in unknown_option.get_data(as_text=True)
    not_json = browser.client.post(
        f"/poging/{registration}/antwoord", data="{", headers={"X-CSRFToken": browser.token, "Accept": "application/json"}
    )
    assert not_json.status_code == 422
    missing = ["Missing data for required field."]
    assert not_json.get_json()["errors"] == {"item": missing, "value": missing}
    assert count(database, m.Response) == 0


def test_a_form_without_csrf_token_is_refused(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    response = browser.client.post(f"/poging/{registration}/vraag/1", data={"answer": "a"})
    assert response.status_code == 400
    assert "Deze pagina was verlopen" in response.get_data(as_text=True)
    assert count(database, m.Response) == 0


def test_someone_elses_attempt_is_not_found(browser, make_person, client):
    browser.sign_in(make_person("emp-1"))
    registration = start(browser)
    browser.sign_in(make_person("emp-2"))
    assert browser.get(f"/poging/{registration}/vraag/1").status_code == 404
    other_org = make_person("emp-1", org_slug="zorg-b")  # same LMS subject, other organisation
    browser.sign_in(other_org)
    assert browser.get(f"/poging/{registration}/resultaat").status_code == 404


def test_time_limit_closes_the_attempt(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    browser.post(f"/poging/{registration}/vraag/1", data={"answer": "a"})
    with database.begin() as session:
        attempt = session.scalars(select(m.Attempt)).one()
        assert attempt.deadline_at is not None  # the fixture test has a 20 minute limit
        attempt.deadline_at = datetime.now(UTC) - timedelta(seconds=1)
    late = browser.post_json(f"/poging/{registration}/antwoord", {"item": "ecd-02", "value": ["a"]})
    assert late.status_code == 409
    assert "De tijd voor deze toets is om" in late.get_json()["message"]
    assert count(database, m.Response) == 1


def test_function_is_chosen_first_and_a_change_needs_a_reason(browser, make_person, database):
    browser.sign_in(make_person(function=None))
    response = browser.get("/toetsen")
    assert response.location.startswith("/functie")
    page = browser.get(response.location).get_data(as_text=True)
    assert "We weten je functie nog niet" in page and "Helpende" in page
    chosen = browser.post("/functie?next=/toetsen", data={"function": "helpende"})
    assert chosen.location == "/toetsen"
    again = browser.post("/functie", data={"function": "verzorgende-ig"})
    assert again.status_code == 422
    assert "Schrijf kort waarom je je functie verandert." in again.get_data(as_text=True)
    with database.begin() as session:
        [assignment] = session.scalars(select(m.FunctionAssignment)).all()
        assert assignment.profile.code == "helpende"
        assert assignment.source is m.AssignmentSource.SELF_CHOSEN and assignment.reason is None


def test_unknown_function_is_refused(browser, make_person):
    browser.sign_in(make_person(function=None))
    response = browser.post("/functie", data={"function": "astronaut"})
    assert response.status_code == 422
    assert "Deze functie kennen we niet: astronaut" in response.get_data(as_text=True)


def test_help_request_needs_consent_and_is_created_once(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    no_consent = browser.post(f"/poging/{registration}/hulp", data={"skill": "wachtwoord-veilig", "message": "Graag"})
    assert no_consent.status_code == 422
    refused = no_consent.get_data(as_text=True)
    assert "Zet een vinkje bij toestemming." in refused
    assert 'value="wachtwoord-veilig" checked' in refused and ">Graag</textarea>" in refused  # nothing typed is lost
    assert count(database, m.HelpRequest) == 0
    for _ in range(2):
        browser.post(f"/poging/{registration}/hulp",
                     data={"skill": "wachtwoord-veilig", "consent": "yes", "message": "Graag op dinsdag"})
    with database.begin() as session:
        [request] = session.scalars(select(m.HelpRequest)).all()
        assert request.status is m.HelpRequestStatus.NEW
        assert request.skill.code == "wachtwoord-veilig"
        assert request.consent_at is not None and "toestemming" in request.consent_text
        assert request.message == "Graag op dinsdag"
    page = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
    assert "Je hebt hulp gevraagd." in page


def test_help_is_refused_for_a_skill_at_level(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    response = browser.post(f"/poging/{registration}/hulp", data={"skill": "ecd-rapporteren", "consent": "yes"})
    assert response.status_code == 422
    assert "Voor deze vaardigheid heb je het niveau al gehaald." in response.get_data(as_text=True)
    assert count(database, m.HelpRequest) == 0


def test_automatic_mode_creates_help_requests_from_the_rules(browser, make_person, database):
    browser.sign_in(make_person(help_request_mode=m.HelpRequestMode.AUTOMATIC))
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    with database.begin() as session:
        [request] = session.scalars(select(m.HelpRequest)).all()
        assert request.skill.code == "wachtwoord-veilig"
        assert request.priority == "hoog"  # privacy-laag outranks onder-niveau
        assert request.consent_at is None
    page = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
    assert "maakt Digitoets zelf een hulpvraag" in page


def test_overview_shows_levels_plan_and_help(browser, make_person):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    browser.post(f"/poging/{registration}/hulp", data={"skill": "wachtwoord-veilig", "consent": "yes"})
    page = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Je functie: Verzorgende IG." in page
    assert "Je haalt het niveau voor 1 van de 2 vaardigheden van je functie." in page
    assert "<strong>Veilige wachtwoorden</strong>: verstuurd" in page
    plan = page[page.index("Mijn ontwikkelplan"):page.index("Mijn hulpvragen")]
    assert "Een sterk wachtwoord maken" in plan
    assert "Rapporteren in het ECD</h3>" not in plan  # met: nothing to plan


def test_withdrawing_a_help_request(browser, make_person, database):
    browser.sign_in(make_person())
    registration = start(browser)
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    browser.post(f"/poging/{registration}/hulp", data={"skill": "wachtwoord-veilig", "consent": "yes"})
    with database.begin() as session:
        request_id = session.scalars(select(m.HelpRequest.id)).one()
    browser.get("/mijn-overzicht")
    browser.post(f"/hulpvragen/{request_id}/intrekken")
    with database.begin() as session:
        assert session.get(m.HelpRequest, request_id).status is m.HelpRequestStatus.CANCELLED


def test_not_signed_in_is_sent_to_the_start_page(client):
    response = client.get("/toetsen")
    assert response.location == "/"
    assert "Open Digitoets vanuit je leeromgeving" in client.get("/").get_data(as_text=True)


def test_overview_before_any_test_suggests_the_tests_that_measure_the_function(browser, make_person):
    browser.sign_in(make_person())
    page = browser.get("/mijn-overzicht").get_data(as_text=True)
    suggestions = page[page.index("Toetsen die je nog kunt maken"):page.index("Mijn hulpvragen")]
    assert 'href="/toets/ecd-rapportage"' in suggestions
    assert "Er staat nu niets in je ontwikkelplan." in page  # nothing tested below the level yet


def test_started_and_submitted_attempts_are_counted_once_in_metrics(browser, make_person):
    def counted(name: str) -> float:
        text = browser.client.get("/metrics").get_data(as_text=True)
        return next((s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name), 0.0)

    browser.sign_in(make_person())
    started, submitted = counted("digitoets_attempts_started_total"), counted("digitoets_attempts_submitted_total")
    registration = start(browser)
    assert start(browser) == registration  # reopening the same test starts nothing new
    answer_all(browser, registration)
    browser.post(f"/poging/{registration}/inleveren")
    browser.post(f"/poging/{registration}/inleveren")  # handed in twice: scored once
    assert counted("digitoets_attempts_started_total") == started + 1
    assert counted("digitoets_attempts_submitted_total") == submitted + 1
