"""The coach overview, the admin's digicoach page, and reminders when the pick-up target passes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service import models as m
from service.operations import coach_mail
from tests.integration.coach.conftest import NOW, ask_help, become, load
from tests.support.sql_counter import count_sql
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


def _resolved_request(browser, world, database, make_person, name: str, team: int | None) -> None:
    """A new employee (in ``team``, or only on an HR record in the south) asks help; a coach resolves it."""
    world.employee = make_person(name)
    with database.begin() as session:
        person = session.get(m.Person, world.employee)
        person.team_id = team
        if team is None:
            session.add(m.HrRecord(organisation_id=world.org_id, personnel_number=f"PN-{name}",
                                   person_id=person.id, location_id=world.south))
    _, request_id = ask_help(browser, world)
    become(browser, world.coach)
    browser.post(f"/coach/hulpvragen/{request_id}/oppakken")
    browser.post(f"/coach/hulpvragen/{request_id}/afronden")


def _coordinator_page(browser, world, database, path: str) -> tuple[int, str]:
    """The SQL statements of one page as the coordinator (scope: the whole organisation), and the page."""
    become(browser, world.coordinator)
    with count_sql(database) as sql:
        page = browser.get(path)
    assert page.status_code == 200
    return sql.statements, page.get_data(as_text=True)


def test_the_overview_runs_the_same_queries_for_two_or_six_help_requests(browser, world, database, make_person):
    """Bounded whatever the size: no query per help request, person, location or coaching session."""
    def page_statements() -> tuple[int, str]:
        return _coordinator_page(browser, world, database, "/coach/overzicht")

    for n in range(2):
        _resolved_request(browser, world, database, make_person, f"emp-few-{n}", world.team_north if n else None)
    page_statements()  # the first request fills per-process caches (the frame-ancestors of this person)
    few, page = page_statements()
    assert "Huize Noord" in page and "Huize Zuid" in page  # by team, and by HR record
    for n in range(4):
        _resolved_request(browser, world, database, make_person, f"emp-more-{n}", world.team_south if n % 2 else None)
    more, page = page_statements()
    assert more == few, (few, more)


def test_the_queue_runs_the_same_queries_for_two_or_six_open_requests(browser, world, database, make_person):
    """The coach's queue reads each row's person, skill, levels, application and location with the
    requests themselves: no query per request."""
    def queue_statements() -> tuple[int, str]:
        return _coordinator_page(browser, world, database, "/coach")

    def open_request(name: str, team: int) -> None:
        world.employee = make_person(name)
        with database.begin() as session:
            session.get(m.Person, world.employee).team_id = team
        ask_help(browser, world)

    for n in range(2):
        open_request(f"emp-q-{n}", world.team_north)
    queue_statements()  # the first request fills per-process caches
    few, page = queue_statements()
    assert page.count("Huize Noord") >= 2 and "Veilige wachtwoorden" in page
    for n in range(4):
        open_request(f"emp-q-more-{n}", world.team_south)
    more, page = queue_statements()
    assert "Huize Zuid" in page
    assert more == few, (few, more)
