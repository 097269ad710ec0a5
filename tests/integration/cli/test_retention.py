"""`digitoets retention purge`: item answers after the retention period, people who left after the
leaver period (the accreditation ledger stays), expired launch state; a dry run changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from mappings.loader import load_folder
from service import models as m
from service.jobs import retention
from service.jobs.retention import months_before
from service.operations import attempts
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT

ANSWERS = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "b"}
DAY = timedelta(days=1)


def take_test(database, person_id: int, submitted_at: datetime) -> int:
    """A scored attempt with five answers, handed in at ``submitted_at``; returns its id."""
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        for code, value in ANSWERS.items():
            attempts.save_answer(session, attempt, code, value, now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)
        session.execute(update(m.Attempt).where(m.Attempt.id == attempt.id)
                        .values(started_at=submitted_at - timedelta(minutes=20), submitted_at=submitted_at))
        return attempt.id


def answers_of(database, attempt_id: int) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(m.Response).where(m.Response.attempt_id == attempt_id))


def last_seen(database, person_id: int, when: datetime, **values) -> None:
    with database.begin() as session:
        session.execute(update(m.Person).where(m.Person.id == person_id).values(last_seen_at=when, **values))


def test_months_before_counts_calendar_months():
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)


def test_answers_older_than_the_retention_period_go_and_the_result_stays(runner, database, make_person):
    now = datetime.now(UTC)
    old_person = make_person("emp-old", retention_months=12)
    new_person = make_person("emp-new")
    old = take_test(database, old_person, months_before(now, 12) - DAY)
    recent = take_test(database, new_person, months_before(now, 12) + DAY)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "zorg-a\tanswers\t5" in result.output
    assert answers_of(database, old) == 0
    assert answers_of(database, recent) == 5
    with database.begin() as session:
        kept = session.get(m.Attempt, old)
        assert kept.score_scaled == 1.0 and kept.passed is True  # the result is not an answer
        assert session.scalar(select(func.count()).select_from(m.SkillObservation)
                              .where(m.SkillObservation.attempt_id == old)) > 0


def test_a_dry_run_counts_per_organisation_and_changes_nothing(runner, database, make_person):
    now = datetime.now(UTC)
    a = make_person("emp-a", retention_months=12)
    b = make_person("emp-b", org_slug="zorg-b", retention_months=12)
    take_test(database, a, months_before(now, 13))
    take_test(database, b, months_before(now, 13))
    last_seen(database, b, months_before(now, 30))
    with database.begin() as session:
        session.add(m.LtiLaunchState(key="old", value="{}", expires_at=now - DAY))
    result = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing changed" in result.output
    for line in ("zorg-a\tanswers\t5", "zorg-b\tanswers\t5", "zorg-a\tpeople_pseudonymised\t0",
                 "zorg-b\tpeople_pseudonymised\t1", "*\tlaunch_state\t1"):
        assert line in result.output
    with database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.Response)) == 10
        assert session.get(m.Person, b).pseudonymised_at is None
        assert session.scalar(select(func.count()).select_from(m.LtiLaunchState)) == 1
        assert session.scalar(select(func.count()).select_from(m.AuditEvent)) == 0


def test_only_the_organisation_asked_for_and_an_unknown_one_is_refused(runner, database, make_person):
    now = datetime.now(UTC)
    a = make_person("emp-a", retention_months=12)
    b = make_person("emp-b", org_slug="zorg-b", retention_months=12)
    attempt_a = take_test(database, a, months_before(now, 13))
    attempt_b = take_test(database, b, months_before(now, 13))
    result = runner.invoke(args=["retention", "purge", "--org", "zorg-b"])
    assert result.exit_code == 0, result.output
    assert (answers_of(database, attempt_a), answers_of(database, attempt_b)) == (5, 0)
    refused = runner.invoke(args=["retention", "purge", "--org", "bestaat-niet"])
    assert refused.exit_code == 2 and "no organisation with slug 'bestaat-niet'" in refused.output


def test_people_who_left_are_pseudonymised_and_the_accreditation_ledger_stays(runner, database, make_person):
    now = datetime.now(UTC)
    gone = make_person("emp-gone", leaver_months=24)
    staying = make_person("emp-staying")
    last_seen(database, gone, months_before(now, 24) - DAY, name="Anna de Vries", email="anna@zorg.example")
    last_seen(database, staying, months_before(now, 24) + DAY, name="Bert Bakker", email="bert@zorg.example")
    attempt = take_test(database, gone, now - timedelta(days=800))
    with database.begin() as session:
        session.add(m.LearningHours(organisation_id=session.get(m.Person, gone).organisation_id, person_id=gone,
                                    kind=next(iter(m.LearningHours.kind.type.enum_class)), minutes=90,
                                    occurred_at=now - timedelta(days=800), source="coaching_session", source_ref="1"))
    result = runner.invoke(args=["retention", "purge"])
    assert "zorg-a\tpeople_pseudonymised\t1" in result.output, result.output
    with database.begin() as session:
        person = session.get(m.Person, gone)
        assert (person.name, person.email, person.issuer) == (None, None, "urn:digitoets:removed")
        assert person.subject != "emp-gone" and person.pseudonymised_at is not None
        assert session.scalar(select(func.count()).select_from(m.LearningHours)
                              .where(m.LearningHours.person_id == gone)) == 1
        assert session.get(m.Attempt, attempt).score_scaled == 1.0
        other = session.get(m.Person, staying)
        assert (other.name, other.subject, other.pseudonymised_at) == ("Bert Bakker", "emp-staying", None)
        [logged] = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "person.pseudonymise")).all()
        assert (logged.subject, logged.actor_id) == (f"person:{gone}", None)
    assert answers_of(database, attempt) == 0
    again = runner.invoke(args=["retention", "purge"])
    assert "zorg-a\tpeople_pseudonymised\t0" in again.output and "zorg-a\tanswers\t0" in again.output


def test_expired_launch_state_goes_and_live_state_stays(runner, database):
    now = datetime.now(UTC)
    with database.begin() as session:
        session.add_all([m.LtiLaunchState(key="old", value="{}", expires_at=now - timedelta(minutes=1)),
                         m.LtiLaunchState(key="live", value="{}", expires_at=now + timedelta(hours=1))])
    result = runner.invoke(args=["retention", "purge"])
    assert "*\tlaunch_state\t1" in result.output, result.output
    with database.begin() as session:
        assert list(session.scalars(select(m.LtiLaunchState.key))) == ["live"]


def _seed(database, now: datetime) -> None:
    with database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="zorg-c", name="Zorg C", retention_months=12, leaver_months=24)
        session.add(org)
        session.flush()
        for n in range(6):
            person = find_or_create_person(session, org, "https://lms.example", f"emp-{n}", now)
            assign_function(session, person, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI, now)
            person.last_seen_at = months_before(now, 25 if n % 2 else 1)
            attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
            for code, value in ANSWERS.items():
                attempts.save_answer(session, attempt, code, value, now)
            attempts.submit_attempt(session, attempt, now)
            attempt.submitted_at = months_before(now, 13)


def test_two_runs_at_once_remove_each_row_once(committed_database):
    now = datetime.now(UTC)
    _seed(committed_database, now)
    reports, errors = [], []

    def run():
        try:
            reports.append(retention.run(committed_database, now, batch_size=4))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.counts[("zorg-c", "answers")] for r in reports) == 30
    assert sum(r.counts[("zorg-c", "people_pseudonymised")] for r in reports) == 3
    with committed_database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.Response)) == 0
        assert session.scalar(select(func.count()).select_from(m.AuditEvent)) == 3
