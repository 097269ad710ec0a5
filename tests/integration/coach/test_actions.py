"""Claim, plan, hand over, close and resolve: each once, audited, with a Dutch refusal that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service import models as m
from service.web.coach import LOCAL
from tests.integration.coach.conftest import become, NOW, ask_help, load


def db(browser):
    return browser.client.application.extensions["digitoets"]


def future(days=2):
    return (NOW + timedelta(days=days)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def test_claim_then_a_second_coach_sees_who_has_it_and_nothing_changes(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    assert browser.post(f"/coach/hulpvragen/{request_id}/oppakken").status_code == 302
    become(browser, world.rival)
    second = browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    assert second.status_code == 409
    assert "Deze hulpvraag is al opgepakt door Anna Coach." in second.get_data(as_text=True)
    request = load(db(browser), m.HelpRequest, request_id)
    assert request.coach_id == world.coach and request.status is m.HelpRequestStatus.CLAIMED


def test_every_state_change_is_audited_and_the_xapi_claimed_and_resolved_statements_are_queued(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    browser.post(f"/coach/hulpvragen/{request_id}/plannen", data={"when": future(), "place_kind": "ward", "place": "Kantoor"})
    browser.post(f"/coach/hulpvragen/{request_id}/afronden", data={"note": "Samen geoefend"})
    with db(browser).begin() as session:
        changes = session.scalars(select(m.AuditEvent.detail).where(
            m.AuditEvent.action == "help_request.change", m.AuditEvent.subject == f"help_request:{request_id}")
            .order_by(m.AuditEvent.id)).all()
        verbs = [item.payload["verb"]["id"].rsplit("/", 1)[-1] for item in session.scalars(
            select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.XAPI).order_by(m.OutboxItem.id))]
    assert [d.split(",")[1].strip() for d in changes] == ["to=claimed", "to=planned", "to=resolved"]
    assert verbs[-3:] == ["requested-attention", "accept", "resolve"]


def test_planning_in_the_past_or_with_a_bad_link_is_refused_in_dutch(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    past = browser.post(f"/coach/hulpvragen/{request_id}/plannen",
                        data={"when": future(-1), "place_kind": "ward", "place": "Kantoor"})
    assert past.status_code == 422 and "Kies een moment in de toekomst." in past.get_data(as_text=True)
    link = browser.post(f"/coach/hulpvragen/{request_id}/plannen",
                        data={"when": future(), "place_kind": "online", "place": "javascript:alert(1)"})
    assert link.status_code == 422 and "Vul een link in die begint met https://." in link.get_data(as_text=True)
    garbage = browser.post(f"/coach/hulpvragen/{request_id}/plannen", data={"when": "morgen", "place_kind": "x", "place": ""})
    assert garbage.status_code == 422 and "Vul een datum en tijd in." in garbage.get_data(as_text=True)
    request = load(db(browser), m.HelpRequest, request_id)
    assert request.status is m.HelpRequestStatus.CLAIMED and request.planned_at is None


def test_the_employee_sees_planned_with_the_moment_and_after_resolving_the_retake(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    browser.post(f"/coach/hulpvragen/{request_id}/plannen",
                 data={"when": future(), "place_kind": "online", "place": "https://teams.example/meet/1"})
    become(browser, world.employee)
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "er is een afspraak gepland" in overview and "https://teams.example/meet/1" in overview
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/afronden")
    become(browser, world.employee)
    after = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Doe de toets nog een keer" in after and 'href="/toets/ecd-rapportage"' in after


def test_only_the_claiming_coach_plans_and_the_other_is_told(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    become(browser, world.rival)
    refused = browser.post(f"/coach/hulpvragen/{request_id}/plannen",
                           data={"when": future(), "place_kind": "ward", "place": "Kantoor"})
    assert refused.status_code == 403
    assert "Alleen de digicoach die deze hulpvraag heeft opgepakt" in refused.get_data(as_text=True)


def test_unclaim_puts_it_back_and_hand_over_moves_it_to_another_coach(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    browser.post(f"/coach/hulpvragen/{request_id}/overdragen", data={"coach": world.rival})
    assert load(db(browser), m.HelpRequest, request_id).coach_id == world.rival
    become(browser, world.rival)
    browser.post(f"/coach/hulpvragen/{request_id}/loslaten")
    request = load(db(browser), m.HelpRequest, request_id)
    assert request.status is m.HelpRequestStatus.NEW and request.coach_id is None


def test_hand_over_to_someone_of_another_organisation_is_refused(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    refused = browser.post(f"/coach/hulpvragen/{request_id}/overdragen", data={"coach": world.stranger_coach})
    assert refused.status_code == 422 and "Kies een digicoach van je eigen organisatie." in refused.get_data(as_text=True)
    assert load(db(browser), m.HelpRequest, request_id).coach_id == world.coach


def test_referring_to_ict_needs_a_note_and_closes_with_the_reason(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    empty = browser.post(f"/coach/hulpvragen/{request_id}/sluiten", data={"reason": "referred_ict", "note": " "})
    assert empty.status_code == 422 and "Schrijf kort op wat er aan de hand is." in empty.get_data(as_text=True)
    assert load(db(browser), m.HelpRequest, request_id).status is m.HelpRequestStatus.CLAIMED
    browser.post(f"/coach/hulpvragen/{request_id}/sluiten", data={"reason": "referred_ict", "note": "Account geblokkeerd"})
    request = load(db(browser), m.HelpRequest, request_id)
    assert request.status is m.HelpRequestStatus.CLOSED and request.close_reason is m.CloseReason.REFERRED_ICT
    assert "(0) Hulpvragen" in browser.get("/coach").get_data(as_text=True)


def test_forged_request_ids_are_unknown(browser, world):
    become(browser, world.coach)
    for path in ("", "/oppakken", "/plannen", "/afronden", "/sluiten", "/loslaten"):
        response = browser.get(f"/coach/hulpvragen/999999{path}") if not path else browser.post(f"/coach/hulpvragen/999999{path}")
        assert response.status_code in (404, 405) if not path else response.status_code == 404


def test_the_coordinator_sees_overdue_requests_and_assigns_them(browser, world):
    _, request_id = ask_help(browser, world)
    with db(browser).begin() as session:
        session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=10)
    become(browser, world.coach)
    queue = browser.get("/coach").get_data(as_text=True)
    assert 'class="overdue"' in queue and "te laat" in queue
    become(browser, world.coordinator)
    page = browser.get("/coach/coordinator").get_data(as_text=True)
    overdue = page[page.index("Te laat opgepakt"):page.index("Nog niet opgepakt")]
    assert f'value="{request_id}"' in overdue
    browser.post("/coach/coordinator", data={"request": request_id, "coach": world.south_coach})
    request = load(db(browser), m.HelpRequest, request_id)
    assert request.coach_id == world.south_coach and request.status is m.HelpRequestStatus.CLAIMED
    become(browser, world.coach)
    assert browser.get("/coach/coordinator").status_code == 403
