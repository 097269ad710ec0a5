"""The HR dashboard's figures against a hand-built organisation with known statuses (both databases)."""

from __future__ import annotations

from datetime import date

import pytest

from mappings.compliance import OTHER
from service import models as m
from service.operations import compliance as c
from tests.support.compliance_org import TODAY, build


@pytest.fixture
def org(database, content):
    with database.begin() as session:
        built = build(session)
    return built


def figures(session, built, **kwargs):
    organisation = session.get(m.Organisation, built.organisation.id)
    return c.dashboard(session, organisation, today=TODAY, **kwargs)


def split_of(group, skill):
    return {k: v for k, v in next(s for s in group.requirements if s.skill_code == skill).counts.items() if v}


def by_key(dashboard):
    return {g.key: g for g in dashboard.groups}


def test_team_figures_show_every_status(database, org):
    with database.begin() as session:
        board = figures(session, org, level="team")
    t1 = by_key(board)[(org.locations["L1"], org.teams["T1"])]
    assert (t1.name, t1.headcount, t1.all_met) == ("Afdeling Zon", 6, 2)
    assert split_of(t1, "ecd-rapporteren") == {"met": 3, "follow_up": 1, "not_tested": 2}
    assert split_of(t1, "wachtwoord-veilig") == {
        "met": 1, "expiring": 1, "expired": 1, "exempt": 1, "not_met": 1, "not_tested": 1}
    wachtwoord = next(s for s in t1.requirements if s.skill_code == "wachtwoord-veilig")
    assert (wachtwoord.met, wachtwoord.not_met, wachtwoord.not_tested, wachtwoord.expired, wachtwoord.exempt) == (
        2, 1, 1, 1, 1)
    # p3 (expired), p4 (untested ECD) and p6 (HR record, never started) still have to take the test
    assert [(t.code, t.people) for t in t1.tests_to_take] == [("ecd-rapportage", 3)]
    assert t1.percent_met == pytest.approx(33.3)


def test_not_tested_counts_roster_learners_and_hr_records_without_a_launch(database, org):
    with database.begin() as session:
        board = figures(session, org, level="team")
    t2 = by_key(board)[(org.locations["L1"], org.teams["T2"], OTHER)[:2]]
    # 4 roster learners on the default function (the one who left the course is not counted),
    # 1 helpende from HR who met the level, and 1 VIG who launched but never tested
    assert (t2.headcount, t2.all_met) == (6, 1)
    assert split_of(t2, "ecd-rapporteren") == {"met": 1, "not_tested": 5}
    assert split_of(t2, "wachtwoord-veilig") == {"not_tested": 1}


def test_locations_and_the_organisation_add_up(database, org):
    with database.begin() as session:
        board = figures(session, org, level="location")
    assert {g.key: g.headcount for g in board.groups} == {(org.locations["L1"],): 12, (org.locations["L2"],): 6}
    assert (board.total.headcount, board.total.all_met) == (18, 3)


def test_small_teams_are_pooled_into_overig(database, org):
    with database.begin() as session:
        board = figures(session, org, level="team")
    keys = {g.key: g.headcount for g in board.groups}
    assert keys[(org.locations["L2"], OTHER)] == 6
    assert (org.locations["L2"], org.teams["T3"]) not in keys
    assert all(g.headcount >= 5 for g in board.groups)


def test_a_function_filter_never_shows_the_small_function_of_a_team(database, org):
    # Afdeling Maan has 5 helpende and 1 VIG: filtering either function must show nothing of it,
    # otherwise "team minus helpende" would give away the one VIG.
    with database.begin() as session:
        vig = figures(session, org, level="team", filters=c.Filters(profile_ids=frozenset({org.profiles["vig"]})))
        helpende = figures(session, org, level="team",
                           filters=c.Filters(profile_ids=frozenset({org.profiles["helpende"]})))
    assert [g.key for g in vig.groups] == [(org.locations["L1"], org.teams["T1"])]
    assert vig.total.headcount == 6
    assert helpende.groups == () and helpende.total is None


def test_filters_on_location_and_team_drill_down(database, org):
    with database.begin() as session:
        board = figures(session, org, level="function",
                        filters=c.Filters(location_ids=frozenset({org.locations["L1"]}),
                                          team_ids=frozenset({org.teams["T1"]})))
    assert [(g.key, g.name, g.headcount) for g in board.groups] == [
        ((org.locations["L1"], org.teams["T1"], org.profiles["vig"]), "Verzorgende IG", 6)]


def test_a_manager_sees_only_the_teams_hr_names_them_for(database, org):
    with database.begin() as session:
        manager = session.get(m.Person, org.people["manager"])
        teams = c.viewer_teams(session, manager)
        board = c.dashboard(session, manager.organisation, today=TODAY, level="team", teams=teams)
        employee = session.get(m.Person, org.people["p1"])
        nothing = c.dashboard(session, employee.organisation, today=TODAY, level="team",
                              teams=c.viewer_teams(session, employee))
    assert teams == frozenset({org.teams["T1"]})
    assert [g.key for g in board.groups] == [(org.locations["L1"], org.teams["T1"])]
    assert board.total.headcount == 6
    assert nothing.groups == () and nothing.total is None


def test_another_organisation_sees_only_its_own_people(database, org):
    with database.begin() as session:
        other = session.get(m.Organisation, org.other.id)
        board = c.dashboard(session, other, today=TODAY, level="organisation")
        mine = figures(session, org, level="organisation")
    assert (board.total.headcount, board.total.all_met) == (6, 0)  # their VIG lack wachtwoord-veilig
    assert split_of(board.total, "ecd-rapporteren") == {"met": 6}
    assert mine.total.headcount == 18


def test_the_period_filter_shows_the_statuses_and_people_of_that_day(database, org):
    with database.begin() as session:
        board = figures(session, org, level="team", filters=c.Filters(as_of=date(2026, 2, 15)))
    # On 15 Feb 2026 Afdeling Maan had one employee (the others came later): too small, so
    # Afdeling Zon joins it in "overig" of Den Haag, else Zon's figures would give that one away.
    # The leaver and the ended contract still worked then; p1, p3 and p5 had not tested yet (p3's
    # help request came later); p4's ECD exemption still ran; p3's 2024 password result was valid.
    assert {g.key: g.headcount for g in board.groups} == {
        (org.locations["L1"], OTHER): 9, (org.locations["L2"], OTHER): 6}
    l1 = by_key(board)[(org.locations["L1"], OTHER)]
    assert split_of(l1, "ecd-rapporteren") == {"met": 2, "exempt": 1, "not_tested": 6}
    assert split_of(l1, "wachtwoord-veilig") == {"met": 2, "exempt": 1, "not_tested": 5}
    assert board.as_of == date(2026, 2, 15)


def test_an_organisation_below_the_minimum_shows_nothing(database, org):
    with database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        organisation.min_group_size = 19
        board = c.dashboard(session, organisation, today=TODAY, level="location")
    assert board.total is None and board.groups == ()


def test_person_rows_show_status_and_date_only_where_allowed_and_are_audited(database, org):
    from service.errors import ForbiddenError
    from service.operations import compliance_people as people

    with database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        manager = session.get(m.Person, org.people["manager"])
        with pytest.raises(ForbiddenError):
            people.person_rows(session, organisation, manager, today=TODAY)
        organisation.hr_person_view = True
        rows = list(people.person_rows(session, organisation, manager, today=TODAY,
                                       teams=c.viewer_teams(session, manager)))
        logged = session.query(m.AuditEvent).filter_by(action="hr.person_statuses.view").all()
    assert len(rows) == 6  # only the manager's team: p1..p5 and the HR record without a launch
    p3 = next(r for r in rows if r.key == org.people["p3"])
    # the open help request stays private: p3's ECD shows as "not met", not as "follow-up"
    assert [(s.skill_code, s.status, s.observed_on) for s in p3.statuses] == [
        ("ecd-rapporteren", "not_met", date(2026, 5, 1)), ("wachtwoord-veilig", "expired", date(2024, 10, 1))]
    assert [(e.actor_id, e.detail) for e in logged] == [
        (org.people["manager"], f"purpose=matrix, teams={org.teams['T1']}, as_of=2026-11-30")]


def test_granting_an_exemption_is_checked_and_audited(database, org):
    from service.errors import InvalidInputError
    from service.operations import compliance_people as people

    with database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        hr = session.get(m.Person, org.people["manager"])
        with pytest.raises(InvalidInputError) as refused:
            people.grant_exemption(session, organisation, hr, org.people["p5"], "bestaat-niet", " ", date(2026, 1, 1),
                                   TODAY)
        assert set(refused.value.errors) == {"skill", "reason", "until"}
        people.grant_exemption(session, organisation, hr, org.people["p5"], "wachtwoord-veilig",
                               "Langdurig ziek", date(2027, 3, 1), TODAY)
        board = figures(session, org, level="team")
        logged = session.query(m.AuditEvent).filter_by(action="hr.exemption.grant").one()
    t1 = by_key(board)[(org.locations["L1"], org.teams["T1"])]
    assert split_of(t1, "wachtwoord-veilig")["exempt"] == 2
    assert t1.all_met == 3  # p5 now meets everything
    assert logged.subject == f"person:{org.people['p5']}" and "until=2027-03-01" in logged.detail


def test_the_person_matrix_of_a_team_only_for_a_team_the_viewer_may_see(database, org):
    from service.errors import ForbiddenError
    from service.operations import compliance_people as people

    with database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        organisation.hr_person_view = True
        manager = session.get(m.Person, org.people["manager"])
        teams = c.viewer_teams(session, manager)
        matrix = people.person_matrix(session, organisation, manager, org.teams["T1"], today=TODAY, teams=teams)
        with pytest.raises(ForbiddenError):
            people.person_matrix(session, organisation, manager, org.teams["T2"], today=TODAY, teams=teams)
    assert matrix.skills == ("ecd-rapporteren", "wachtwoord-veilig")
    assert {r.key: [s.status for s in r.statuses] for r in matrix.rows}[org.people["p2"]] == ["met", "expiring"]
    assert len(matrix.rows) == 6
