"""The coach's queue: scope, what a coach sees (and never sees), filters, tenant isolation, withdrawal."""

from __future__ import annotations

import re

from service import models as m
from tests.integration.coach.conftest import become, ask_help, load


def queue_page(browser, person_id, query=""):
    become(browser, person_id)
    response = browser.get(f"/coach{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_coach_of_the_scope_sees_the_request_with_gap_contact_and_place_in_the_title_count(browser, world):
    ask_help(browser, world)
    page = queue_page(browser, world.coach)
    assert "<title>(1) Hulpvragen – Digitoets</title>" in page
    row = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "Veilige wachtwoorden" in row and "Huize Noord, Verpleging Noord" in row and "bellen" in row
    assert re.search(r"<td>\d / \d</td>", row), "the gap: level asked / level shown"


def test_the_queue_in_english_names_the_status_and_the_contact_in_english(browser, world):
    ask_help(browser, world)
    become(browser, world.coach)
    browser.get("/taal/en")
    page = browser.get("/coach").get_data(as_text=True)
    row = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "<td>phone</td>" in row and "<td>new" in row
    assert "bellen" not in row and "nieuw" not in row


def test_a_coach_outside_the_scope_and_another_organisation_see_nothing(browser, world):
    _, request_id = ask_help(browser, world)
    for outsider in (world.south_coach, world.stranger_coach):
        assert "<title>(0) Hulpvragen – Digitoets</title>" in queue_page(browser, outsider)
        assert browser.get(f"/coach/hulpvragen/{request_id}").status_code == 404
        assert browser.post(f"/coach/hulpvragen/{request_id}/oppakken").status_code == 404
    assert load(browser.client.application.extensions["digitoets"], m.HelpRequest, request_id).status is m.HelpRequestStatus.NEW


def test_a_team_scope_sees_it_too_and_an_employee_without_the_role_gets_403(browser, world):
    ask_help(browser, world)
    assert "(1) Hulpvragen" in queue_page(browser, world.rival)
    become(browser, world.employee)
    assert browser.get("/coach").status_code == 403


def test_the_coach_never_sees_answers_and_sees_the_wrong_questions_only_when_shared(browser, world, database):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    detail = browser.get(f"/coach/hulpvragen/{request_id}").get_data(as_text=True)
    assert "06 12345678" in detail
    assert "Vragen die niet goed gingen" not in detail and "Welke zin" not in detail
    _, shared_id = ask_help(browser, world, skill="ecd-rapporteren", share_items="yes")
    become(browser, world.coach)
    shared = browser.get(f"/coach/hulpvragen/{shared_id}").get_data(as_text=True)
    assert "Vragen die niet goed gingen" in shared
    with database.begin() as session:
        request = session.get(m.HelpRequest, shared_id)
        attempt = session.get(m.Attempt, request.attempt_id)
        prompts = [i.prompt for i in attempt.test_version.items
                   if request.skill_id in {s.skill_id for s in i.skills} and i.type != "self_rating"]
        answers = [str(r.answer["value"]) for r in attempt.responses if isinstance(r.answer["value"], str)]
    listed = shared[shared.index("Vragen die niet goed gingen"):]
    assert prompts and all(p in listed for p in prompts)
    assert not any(f"<li>{a}</li>" in listed for a in answers)


def test_viewing_a_request_is_audit_logged(browser, world, database):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.get(f"/coach/hulpvragen/{request_id}")
    with database.begin() as session:
        rows = session.query(m.AuditEvent).filter_by(action="help_request.view", actor_id=world.coach).all()
        assert [r.subject for r in rows] == [f"help_request:{request_id}"]


def test_a_request_without_consent_stays_out_of_the_queue(browser, world, database):
    _, request_id = ask_help(browser, world)
    with database.begin() as session:
        session.get(m.HelpRequest, request_id).consent_at = None
    assert "(0) Hulpvragen" in queue_page(browser, world.coach)


def test_a_withdrawn_request_disappears_from_the_queue_at_once(browser, world, database):
    _, request_id = ask_help(browser, world)
    assert "(1) Hulpvragen" in queue_page(browser, world.coach)
    become(browser, world.employee)
    browser.get("/mijn-overzicht")
    assert browser.post(f"/hulpvragen/{request_id}/intrekken").status_code == 302
    assert "(0) Hulpvragen" in queue_page(browser, world.coach)
    refused = browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    assert refused.status_code == 409 and "net ingetrokken" in refused.get_data(as_text=True)
    with database.begin() as session:
        assert session.query(m.AuditEvent).filter_by(action="help_request.change", actor_id=world.employee).count() == 1


def test_filters_and_sorting(browser, world):
    ask_help(browser, world)
    ask_help(browser, world, skill="ecd-rapporteren")
    everything = queue_page(browser, world.coordinator)
    assert "(2) Hulpvragen" in everything
    assert "(0) Hulpvragen" in queue_page(browser, world.coordinator, f"?locatie={world.south}")
    assert "(2) Hulpvragen" in queue_page(browser, world.coordinator, f"?team={world.team_north}")
    assert "(0) Hulpvragen" in queue_page(browser, world.coordinator, "?status=claimed")
    assert "(0) Hulpvragen" in queue_page(browser, world.coordinator, "?ouder=3")
    assert "(0) Hulpvragen" in queue_page(browser, world.coordinator, "?toepassing=Teams")
    by_skill = queue_page(browser, world.coordinator, "?sorteer=vaardigheid")
    body = by_skill[by_skill.index("<tbody>"):]
    assert body.index("Rapporteren") < body.index("Veilige wachtwoorden")
    newest = queue_page(browser, world.coordinator, "?sorteer=nieuwste")
    body = newest[newest.index("<tbody>"):]
    assert body.index("Rapporteren") < body.index("Veilige wachtwoorden")


def test_contact_by_phone_needs_a_number_and_nothing_is_stored_without_it(browser, world, database):
    become(browser, world.employee)
    from tests.integration.web.test_result_page import finished_attempt
    registration, _ = finished_attempt(browser)
    response = browser.post(f"/poging/{registration}/hulp", data={
        "skill": "wachtwoord-veilig", "consent": "yes", "contact": "phone", "contact_detail": "bel me"})
    assert response.status_code == 422
    assert "Vul je telefoonnummer in" in response.get_data(as_text=True)
    email = browser.post(f"/poging/{registration}/hulp", data={
        "skill": "wachtwoord-veilig", "consent": "yes", "contact": "teams", "contact_detail": "geen-adres"})
    assert email.status_code == 422 and "Vul je e-mailadres in" in email.get_data(as_text=True)
    with database.begin() as session:
        assert session.query(m.HelpRequest).count() == 0


def test_no_action_of_another_organisation_touches_a_request(browser, world, database):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    become(browser, world.stranger_coach)  # a coach and coordinator, of zorg-b
    actions = {"oppakken": {}, "loslaten": {}, "overdragen": {"coach": world.stranger_coach},
               "plannen": {"when": "2099-01-01T10:00", "place_kind": "ward", "place": "x"}, "afronden": {},
               "sluiten": {"reason": "no_response"}}
    for action, data in actions.items():
        assert browser.post(f"/coach/hulpvragen/{request_id}/{action}", data=data).status_code == 404, action
    assigned = browser.post("/coach/coordinator", data={"request": request_id, "coach": world.stranger_coach})
    assert assigned.status_code == 404
    logged = browser.post("/coach/gesprekken/nieuw", data={
        "hulpvraag": request_id, "held_at": "2026-01-01T10:00", "form": "online", "attendee": str(world.employee),
        f"minutes-{world.employee}": "30"})
    assert logged.status_code in (404, 422)
    request = load(database, m.HelpRequest, request_id)
    assert request.coach_id == world.coach and request.status is m.HelpRequestStatus.CLAIMED
    with database.begin() as session:
        assert session.query(m.CoachingSession).count() == 0
        assert session.query(m.AuditEvent).filter_by(actor_id=world.stranger_coach).count() == 0
