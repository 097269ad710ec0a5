"""Hours ledger -> points records on both databases: once per minute, reversible, ids kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service import models as m
from service.errors import ConflictError
from service.jobs import points as points_job
from service.operations import points
from service.operations.content import load_content
from tests.integration.accreditation.conftest import NOW, records


def org_of(database, person_id):
    with database.begin() as session:
        return session.get(m.Person, person_id).organisation_id


def run(database, person_id, **kwargs):
    return points_job.run(database, [org_of(database, person_id)], clock=lambda: NOW, **kwargs)


def test_three_hours_of_coaching_give_3_points_in_her_functions_registry_and_in_one_she_gives_a_number_for(
        database, registries, make_person, add_hours):
    from service.operations import registration_numbers

    anna = make_person("anna")  # verzorgende IG: a profession of the V&VN register
    for day in (0, 20, 40):
        add_hours(anna, 60, NOW - timedelta(days=day))
    report = run(database, anna)
    assert report.granted == 1
    assert records(database, anna) == [("digicoaching", "vvn-kwaliteitsregister", 3, 180, "451907", False)]
    with database.begin() as session:
        registration_numbers.save_number(session, session.get(m.Person, anna), registries["knmg-gaia"], "12345678901",
                                         True, NOW)
    assert sorted(records(database, anna))[0] == ("digicoaching", "knmg-gaia", 3, 180, "DIGI-COACH-ARTS", False)
    assert len(records(database, anna)) == 2


def test_running_twice_grants_nothing_new(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 200)
    run(database, anna)
    again = run(database, anna, everyone=True)
    assert (again.granted, again.reversed) == (0, 0)
    assert len(records(database, anna)) == 1


def test_two_hours_earn_nothing_and_the_third_completes_it(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 120)
    assert run(database, anna).granted == 0
    add_hours(anna, 60, NOW + timedelta(days=2))
    assert run(database, anna).granted == 1


def test_a_reversal_takes_the_points_back_with_a_reversing_record(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 120)
    wrong = add_hours(anna, 60)
    run(database, anna)
    with database.begin() as session:
        points.reverse_hours(session, wrong, NOW, org_of(database, anna))
    report = run(database, anna)
    assert report.reversed == 1
    with database.begin() as session:
        assert points.points_per_registry(session, anna) == {registries["vvn-kwaliteitsregister"]: 0}
        with pytest.raises(ConflictError):
            points.reverse_hours(session, wrong, NOW, org_of(database, anna))
        # the original rows are untouched: append-only
        assert session.scalar(select(func.sum(m.LearningHours.minutes)).where(
            m.LearningHours.person_id == anna)) == 120


def test_the_same_source_twice_is_one_ledger_row(database, registries, make_person):
    anna = make_person("anna")
    with database.begin() as session:
        org = session.get(m.Person, anna).organisation_id
        first = points.add_hours(session, org, anna, points.ActivityKind.COACHING, 90, NOW, "coaching_session", "s-1")
        second = points.add_hours(session, org, anna, points.ActivityKind.COACHING, 90, NOW, "coaching_session", "s-1")
        assert first.id == second.id


def test_e_learning_earns_a_point_per_hour_only_for_its_own_activity(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 130, kind=points.ActivityKind.ELEARNING, source="xapi")
    run(database, anna)
    assert records(database, anna) == [
        ("e-learning-digitale-vaardigheden", "vvn-kwaliteitsregister", 2, 130, "451912", False),
    ]


def test_hours_outside_the_accreditation_period_earn_nothing(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 300, NOW.replace(year=2030))
    assert run(database, anna).granted == 0


def test_a_new_accreditation_id_leaves_earned_records_alone(database, registries, make_person, add_hours):
    from dataclasses import replace

    from mappings.loader import STARTER_CONTENT, load_folder
    from tests.conftest import FIXTURE_CONTENT

    anna = make_person("anna")
    add_hours(anna, 180)
    run(database, anna)
    starter = load_folder(STARTER_CONTENT)
    changed = tuple(replace(r, activities=tuple(replace(a, pe_course_id=999001) if a.pe_course_id == 451907 else a
                                                for a in r.activities)) for r in starter.registries)
    with database.begin() as session:
        load_content(session, replace(load_folder(FIXTURE_CONTENT), registries=changed))
    add_hours(anna, 180, NOW + timedelta(days=1))
    run(database, anna)
    vvn = [r[4] for r in records(database, anna) if r[1] == "vvn-kwaliteitsregister"]
    assert vvn == ["451907", "999001"]


def test_a_leased_organisation_is_skipped_by_a_second_worker(database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 180)
    org = org_of(database, anna)
    assert points_job.claim(database, org, NOW) is not None
    report = points_job.run(database, [org], clock=lambda: NOW)
    assert (report.skipped, report.granted) == (1, 0)
    later = points_job.run(database, [org], clock=lambda: NOW + timedelta(seconds=points_job.LEASE_SECONDS + 1))
    assert later.granted == 1


def test_cli_points_reports_what_it_granted(runner, database, registries, make_person, add_hours):
    anna = make_person("anna")
    add_hours(anna, 180)
    result = runner.invoke(args=["accreditation", "points"])
    assert result.exit_code == 0, result.output
    assert "1 records granted" in result.output


def test_digi_toetsen_passed_at_the_function_level_count_their_fixed_minutes_once(
        database, registries, make_person):
    anna = make_person("anna")
    with database.begin() as session:
        person = session.get(m.Person, anna)
        version = session.scalars(select(m.TestVersion)).first()
        profile = person.function_assignments[0].function_profile_id
        for index, passed in enumerate((True, True, True, True, False)):
            session.add(m.Attempt(organisation_id=person.organisation_id, person_id=anna, test_version_id=version.id,
                                  function_profile_id=profile, status=m.AttemptStatus.SCORED, shuffle_seed=index,
                                  started_at=NOW + timedelta(days=index), passed=passed,
                                  submitted_at=NOW + timedelta(days=index, minutes=9)))
    first = run(database, anna)
    assert first.tests_counted == 4  # the failed one does not count
    # four passed tests at 15 minutes each make one hour: one point for V&VN's e-learning activity
    assert records(database, anna) == [("e-learning-digitale-vaardigheden", "vvn-kwaliteitsregister", 1, 60,
                                        "451912", False)]
    again = run(database, anna, everyone=True)
    assert (again.tests_counted, again.granted) == (0, 0)
