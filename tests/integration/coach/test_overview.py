"""The coach overview, the admin's digicoach page, and reminders when the pick-up target passes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service import models as m
from service.operations import coach_mail
from tests.integration.coach.conftest import NOW, ask_help, become, load
from tests.integration.web.test_attempt_flow import answer_all, start


def test_levels_before_and_after_show_only_for_five_or_more_people(browser, world, database, make_person):
    people = [world.employee] + [make_person(f"emp-{n}") for n in range(2, 6)]
    for n, person_id in enumerate(people):
        with database.begin() as session:
            session.get(m.Person, person_id).team_id = world.team_north
        world.employee = person_id
        _, request_id = ask_help(browser, world)
        become(browser, world.coach)
        browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
        browser.post(f"/coach/hulpvragen/{request_id}/afronden")
        if n == 3:
            become(browser, world.coach)
            four = browser.get("/coach/overzicht").get_data(as_text=True)
            assert "te weinig medewerkers" in four  # 4 people retook: not shown
        become(browser, person_id)
        registration = start(browser)
        answer_all(browser, registration)
        browser.post(f"/poging/{registration}/inleveren")
    become(browser, world.coach)
    page = browser.get("/coach/overzicht").get_data(as_text=True)
    table = page[page.index("Niveau voor en na coaching"):]
    assert "te weinig medewerkers" not in table and "Veilige wachtwoorden" in table
    become(browser, people[0])
    overview = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert "Voor de hulp:" in overview and "Nu:" in overview


def test_the_overview_shows_the_ratio_against_the_advice_and_open_work_per_coach(browser, world):
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    page = browser.get("/coach/overzicht").get_data(as_text=True)
    assert "4 digicoaches voor 5 medewerkers. Dat is 1 digicoach op 1.2 medewerkers." in " ".join(page.split())
    assert "Het advies is 1 op 35." in page
    anna = page[page.index("Anna Coach"):]
    assert anna.split("<td>")[1].startswith("1<"), "one open request for the coach who claimed it"


def test_the_admin_sets_a_scope_and_the_pick_up_target_within_the_own_organisation(browser, world, database):
    with database.begin() as session:
        admin = session.get(m.Person, world.coordinator)
        session.add(m.PersonRole(person_id=admin.id, role=m.ToolRole.ORG_ADMIN))
        other_org_location = m.Location(organisation_id=session.get(m.Person, world.stranger_coach).organisation_id,
                                        code="elders", name="Elders")
        session.add(other_org_location)
        session.flush()
        foreign = other_org_location.id
    become(browser, world.coordinator)
    assert "Werkgebied per digicoach" in browser.get("/beheer/coaches").get_data(as_text=True)
    refused = browser.post("/beheer/coaches", data={"coach": world.south_coach, "location": foreign})
    assert refused.status_code == 422 and "Kies locaties en teams van je eigen organisatie." in refused.get_data(as_text=True)
    browser.post("/beheer/coaches", data={"coach": world.south_coach, "location": [world.north, world.south]})
    bad = browser.post("/beheer/coaches", data={"what": "target", "pickup_days": "0"})
    assert bad.status_code == 422 and "van 1 tot 20" in bad.get_data(as_text=True)
    browser.post("/beheer/coaches", data={"what": "target", "pickup_days": "3"})
    with database.begin() as session:
        scopes = session.scalars(select(m.CoachScope.location_id).where(m.CoachScope.person_id == world.south_coach)).all()
        assert sorted(scopes) == sorted([world.north, world.south])
        assert session.get(m.Person, world.coordinator).organisation.pickup_days == 3
        assert session.query(m.AuditEvent).filter_by(action="coach_scope.change").count() == 1
    become(browser, world.coach)
    assert browser.get("/beheer/coaches").status_code == 403


def test_past_the_target_the_coaches_of_the_scope_are_reminded_once(browser, world, database):
    _, request_id = ask_help(browser, world)
    with database.begin() as session:
        for person_id, address in ((world.coach, "anna@zorg.example"), (world.rival, "bram@zorg.example"),
                                   (world.south_coach, "sanne@zorg.example")):
            session.get(m.Person, person_id).email = address
        session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=1)
        org = session.get(m.Person, world.coach).organisation
        assert coach_mail.remind_overdue(session, org, NOW) == 0  # not late yet
        session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=8)
        assert coach_mail.remind_overdue(session, org, NOW) == 1
        assert coach_mail.remind_overdue(session, org, NOW) == 0
        sent = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL)).all()
        overdue = sorted(i.payload["to"] for i in sent if i.payload["template"] == "pickup_overdue")
    assert overdue == ["anna@zorg.example", "bram@zorg.example"]
    assert load(database, m.HelpRequest, request_id).reminded_at is not None


def test_the_remind_command_reminds_once_per_late_request(browser, world, database, runner):
    _, request_id = ask_help(browser, world)
    with database.begin() as session:
        session.get(m.Person, world.coach).email = "anna@zorg.example"
        session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=8)
    first = runner.invoke(args=["coach", "remind"])
    assert first.exit_code == 0 and "reminded coaches of 1 late help request(s)" in first.output
    assert "reminded coaches of 0 late" in runner.invoke(args=["coach", "remind"]).output
    with database.begin() as session:
        sent = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL)).all()
        assert [i.payload["to"] for i in sent if i.payload["template"] == "pickup_overdue"] == ["anna@zorg.example"]
