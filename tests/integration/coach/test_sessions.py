"""Coaching sessions: minutes per attendee, versions instead of edits, voiding, hours and xAPI; spreekuren."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from service import models as m
from service.operations import privacy
from service.web.coach import LOCAL
from tests.integration.coach.conftest import NOW, ask_help, become, load


def db(browser):
    return browser.client.application.extensions["digitoets"]


def local(moment):
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def second_employee(make_person, database, world, team="team_north"):
    person_id = make_person("emp-2")
    with database.begin() as session:
        session.get(m.Person, person_id).team_id = getattr(world, team)
    return person_id


def hours(database, person_id):
    with database.begin() as session:
        return session.scalar(select(func.coalesce(func.sum(m.LearningHours.minutes), 0))
                              .where(m.LearningHours.person_id == person_id))


def statements(database, verb):
    with database.begin() as session:
        return [i.payload for i in session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.XAPI)
                                                   .order_by(m.OutboxItem.id)) if i.payload["verb"]["id"].endswith(verb)]


def log(browser, attendees, **extra):
    data = {"held_at": local(NOW - timedelta(hours=1)), "form": "on_the_job", "attendee": [str(a) for a in attendees],
            **{f"minutes-{a}": str(n) for a, n in attendees.items()}, **extra}
    return browser.post("/coach/gesprekken/nieuw", data=data)


def test_a_session_from_a_request_resolves_it_and_books_hours_and_the_attended_statement(browser, world, database):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    form = browser.get(f"/coach/gesprekken/nieuw?hulpvraag={request_id}").get_data(as_text=True)
    assert f'id="attendee-{world.employee}" name="attendee" value="{world.employee}" checked' in form
    response = log(browser, {world.employee: 45}, hulpvraag=request_id, resolve="yes", note="Wachtwoordkluis uitgelegd",
                   skill="wachtwoord-veilig")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert load(database, m.HelpRequest, request_id).status is m.HelpRequestStatus.RESOLVED
    assert hours(database, world.employee) == 45
    attended = statements(database, "attended")
    assert len(attended) == 1 and attended[0]["result"]["duration"] == "PT45M00S"
    become(browser, world.employee)
    assert "Wachtwoordkluis" not in browser.get("/mijn-overzicht").get_data(as_text=True)


def test_a_group_session_gives_each_attendee_their_own_minutes(browser, world, database, make_person):
    other = second_employee(make_person, database, world)
    become(browser, world.coach)
    assert log(browser, {world.employee: 60, other: 30}, form="drop_in").status_code == 302
    assert hours(database, world.employee) == 60 and hours(database, other) == 30
    assert sorted(s["result"]["duration"] for s in statements(database, "attended")) == ["PT01H00M00S", "PT30M00S"]


def test_bad_minutes_a_future_date_and_a_stranger_are_refused_and_nothing_is_stored(browser, world, database):
    become(browser, world.coach)
    for minutes in (0, 601, -5):
        refused = log(browser, {world.employee: minutes})
        assert refused.status_code == 422 and "Vul per deelnemer 1 tot 600 minuten in." in refused.get_data(as_text=True)
    missing = browser.post("/coach/gesprekken/nieuw",
                           data={"held_at": local(NOW), "form": "online", "attendee": str(world.employee)})
    assert missing.status_code == 422
    future = log(browser, {world.employee: 30}, held_at=local(NOW + timedelta(days=1)))
    assert future.status_code == 422 and "nog niet vastleggen" in future.get_data(as_text=True)
    stranger = log(browser, {world.employee: 30, world.stranger_coach: 30})
    assert stranger.status_code == 422 and "Een deelnemer hoort niet bij jouw organisatie." in stranger.get_data(as_text=True)
    with database.begin() as session:
        assert session.query(m.CoachingSession).count() == 0 and session.query(m.LearningHours).count() == 0


def test_a_correction_is_a_new_version_and_the_ledger_and_lrs_follow_it(browser, world, database):
    become(browser, world.coach)
    log(browser, {world.employee: 60})
    with database.begin() as session:
        session_id = session.query(m.CoachingSession).one().id
    browser.get(f"/coach/gesprekken/{session_id}/corrigeren")
    corrected = browser.post(f"/coach/gesprekken/{session_id}/corrigeren", data={
        "held_at": local(NOW - timedelta(hours=2)), "form": "on_the_job", "attendee": str(world.employee),
        f"minutes-{world.employee}": "40"})
    assert corrected.status_code == 302, corrected.get_data(as_text=True)
    assert hours(database, world.employee) == 40
    with database.begin() as session:
        record = session.get(m.CoachingSession, session_id)
        assert [(v.number, v.recorded_by_id) for v in record.versions] == [(1, world.coach), (2, world.coach)]
        assert [v.attendances[0].minutes for v in record.versions] == [60, 40]
        reversal = session.scalar(select(m.LearningHours).where(m.LearningHours.minutes == -60))
        assert reversal.reverses_id is not None
    voided = statements(database, "voided")
    first = statements(database, "attended")[0]
    assert [v["object"]["id"] for v in voided] == [first["id"]]
    assert "Versie 2" in browser.get("/coach/gesprekken").get_data(as_text=True)


def test_voiding_needs_a_reason_then_the_hours_go_to_zero_and_the_session_stays_listed(browser, world, database):
    become(browser, world.coach)
    log(browser, {world.employee: 50})
    with database.begin() as session:
        session_id = session.query(m.CoachingSession).one().id
    browser.post(f"/coach/gesprekken/{session_id}/ongeldig", data={"reason": ""})
    assert hours(database, world.employee) == 50
    browser.post(f"/coach/gesprekken/{session_id}/ongeldig", data={"reason": "Dubbel ingevoerd"})
    assert hours(database, world.employee) == 0
    page = browser.get("/coach/gesprekken").get_data(as_text=True)
    assert "Telt niet mee:" in page and "Dubbel ingevoerd" in page
    again = browser.post(f"/coach/gesprekken/{session_id}/corrigeren", data={
        "held_at": local(NOW - timedelta(hours=2)), "form": "on_the_job", "attendee": str(world.employee),
        f"minutes-{world.employee}": "40"})
    assert again.status_code == 409 and hours(database, world.employee) == 0


def test_another_coach_cannot_correct_and_another_organisation_cannot_see_it(browser, world, database):
    become(browser, world.coach)
    log(browser, {world.employee: 50})
    with database.begin() as session:
        session_id = session.query(m.CoachingSession).one().id
    become(browser, world.rival)
    assert browser.get(f"/coach/gesprekken/{session_id}/corrigeren").status_code == 403
    become(browser, world.stranger_coach)
    assert browser.get(f"/coach/gesprekken/{session_id}/corrigeren").status_code == 404
    assert browser.post(f"/coach/gesprekken/{session_id}/ongeldig", data={"reason": "x"}).status_code == 404
    assert hours(database, world.employee) == 50


def test_a_spreekuur_shows_on_the_result_page_of_employees_of_that_location_only(browser, world, database, make_person):
    become(browser, world.coach)
    day = (NOW + timedelta(days=3)).astimezone(LOCAL).strftime("%Y-%m-%d")
    past = browser.post("/coach/spreekuren", data={"location": world.north, "day": "2020-01-01", "start": "10:00",
                                                    "end": "11:00", "place": "Kamer 1"})
    assert past.status_code == 422 and "Kies een moment in de toekomst." in past.get_data(as_text=True)
    backwards = browser.post("/coach/spreekuren", data={"location": world.north, "day": day, "start": "11:00",
                                                         "end": "10:00", "place": "Kamer 1"})
    assert backwards.status_code == 422 and "De eindtijd moet na de begintijd liggen." in backwards.get_data(as_text=True)
    ok = browser.post("/coach/spreekuren", data={"location": world.north, "day": day, "start": "10:00", "end": "11:30",
                                                  "place": "Kamer 1.04"})
    assert ok.status_code == 302
    registration, page = ask_help(browser, world)
    result = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
    assert "Spreekuur van de digicoach" in result and "Kamer 1.04" in result and "10:00 – 11:30" in result
    refused = browser.post(f"/poging/{registration}/hulp", data={"skill": "ecd-rapporteren"})  # no consent
    assert refused.status_code == 422 and "Kamer 1.04" in refused.get_data(as_text=True)
    south = second_employee(make_person, database, world, team="team_south")
    become(browser, south)
    from tests.integration.web.test_result_page import finished_attempt
    _, south_page = finished_attempt(browser)
    assert "Kamer 1.04" not in south_page


def test_pseudonymising_a_leaver_removes_the_coaches_notes_of_their_sessions_and_keeps_the_hours(browser, world, database):
    become(browser, world.coach)
    log(browser, {world.employee: 50}, note="Wachtwoordkluis uitgelegd")
    with database.begin() as session:
        assert privacy.pseudonymise(session, session.get(m.Person, world.employee), NOW) is not None
        assert session.scalars(select(m.CoachingSessionVersion.note)).all() == [None]
    assert hours(database, world.employee) == 50


def crowd(database, world, count: int, *, store_names: bool) -> dict[str, int]:
    """``count`` colleagues in the coach's team (Medewerker 0000...), one more sorted after them by
    name (Zeger Zwart), and one of the same name in the other location; returns their ids by key."""
    with database.begin() as session:
        employee = session.get(m.Person, world.employee)
        org_id = employee.organisation_id
        session.get(m.Organisation, org_id).store_personal_data = store_names
        people = [m.Person(organisation_id=org_id, issuer=employee.issuer, subject=f"bulk-{n}", name=f"Medewerker {n:04}",
                           team_id=world.team_north) for n in range(count)]
        last = m.Person(organisation_id=org_id, issuer=employee.issuer, subject="zeger", name="Zeger Zwart",
                        team_id=world.team_north)
        south = m.Person(organisation_id=org_id, issuer=employee.issuer, subject="zeger-zuid", name="Zwart Zuid",
                         team_id=world.team_south)
        session.add_all([*people, last, south])
        session.flush()
        return {"last": last.id, "south": south.id, "last_code": str(last.pseudonym)[:8]}


def test_in_a_scope_of_more_than_500_a_search_reaches_anyone_and_keeps_what_was_entered(browser, world, database):
    ids = crowd(database, world, 500, store_names=True)
    become(browser, world.coach)  # scope: location north
    page = browser.get("/coach/gesprekken/nieuw").get_data(as_text=True)
    assert f'value="{ids["last"]}"' not in page and "Er zijn meer dan 500 mensen." in page

    entered = {"held_at": local(NOW - timedelta(hours=1)), "form": "drop_in", "attendee": [str(world.employee)],
               f"minutes-{world.employee}": "40", "note": "Groepsuitleg", "actie": "zoeken", "zoek": "zwart"}
    searched = browser.post("/coach/gesprekken/nieuw", data=entered)
    page = searched.get_data(as_text=True)
    assert searched.status_code == 200
    assert f'id="attendee-{ids["last"]}"' in page  # found beyond the first 500
    assert f'value="{ids["south"]}"' not in page  # the same name outside the coach's scope is not
    assert f'value="{world.employee}" checked' in page and f'name="minutes-{world.employee}"' in page
    assert 'value="40"' in page and "Groepsuitleg" in page and 'value="drop_in" checked' in page
    assert "Medewerker 0001" not in page  # the list is narrowed
    with database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.CoachingSession)) == 0  # a search stores nothing

    assert log(browser, {world.employee: 40, ids["last"]: 25}, form="drop_in").status_code == 302
    assert hours(database, ids["last"]) == 25 and hours(database, world.employee) == 40


def test_without_stored_names_a_coach_finds_a_colleague_by_the_code_shown_and_not_by_name_or_account(browser, world, database):
    ids = crowd(database, world, 3, store_names=False)
    become(browser, world.coach)
    by_code = browser.post("/coach/gesprekken/nieuw", data={"actie": "zoeken", "zoek": f"#{ids['last_code']}"})
    assert f'id="attendee-{ids["last"]}"' in by_code.get_data(as_text=True)
    by_name = browser.post("/coach/gesprekken/nieuw", data={"actie": "zoeken", "zoek": "zwart"}).get_data(as_text=True)
    assert f'id="attendee-{ids["last"]}"' not in by_name and "Niemand gevonden" in by_name
    # nor by LMS account: that would tie the code to the person
    by_account = browser.post("/coach/gesprekken/nieuw", data={"actie": "zoeken", "zoek": "zeger"})
    assert f'id="attendee-{ids["last"]}"' not in by_account.get_data(as_text=True)
