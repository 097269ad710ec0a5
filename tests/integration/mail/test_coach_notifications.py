"""Coaches of the request's scope hear of it by mail, at once or in a daily digest, with no personal details in it.

The employees work in team "t-noord" (location "noord") unless a test says otherwise; each coach
is given a scope, as the admin would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service import models as m
from service.errors import InvalidInputError
from service.jobs import coach_digest
from service.jobs import mail as mail_job
from service.models.people import CoachMail
from service.operations import attempts, help_request_mail, help_requests
from service.operations.people import grant_role

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def place(database, org_slug="zorg-a", code="noord") -> tuple[int, int]:
    """The organisation's location ``code`` with its team ``t-<code>`` (made on first use): (location id, team id)."""
    with database.begin() as session:
        org = session.scalar(select(m.Organisation).where(m.Organisation.slug == org_slug))
        location = session.scalar(select(m.Location).where(m.Location.organisation_id == org.id, m.Location.code == code))
        if location is None:
            location = m.Location(organisation_id=org.id, code=code, name=f"Huize {code}")
            session.add(location)
            session.flush()
            session.add(m.Team(organisation_id=org.id, code=f"t-{code}", name=f"Team {code}", location_id=location.id))
            session.flush()
        team = session.scalar(select(m.Team).where(m.Team.location_id == location.id))
        return location.id, team.id


def make_coach(database, make_person, subject, org_slug="zorg-a", email=True, choice=CoachMail.IMMEDIATE, scope="noord"):
    """A coach whose scope is location ``scope`` (None: no scope at all)."""
    person_id = make_person(subject, org_slug=org_slug)
    location_id = place(database, org_slug, scope)[0] if scope else None
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        person.email = f"{subject}@zorg.example" if email else None
        person.coach_mail = choice
        grant_role(session, person, m.ToolRole.COACH, granted_by="test")
        if location_id:
            session.add(m.CoachScope(organisation_id=person.organisation_id, person_id=person_id, location_id=location_id))
    return person_id


def employee(database, make_person, subject, org_slug="zorg-a", where="noord") -> int:
    """An employee in the team of location ``where``."""
    person_id = make_person(subject, org_slug=org_slug)
    team_id = place(database, org_slug, where)[1]
    with database.begin() as session:
        session.get(m.Person, person_id).team_id = team_id
        # the function holds from well before the test's NOW (make_person dates it at the real clock,
        # which on NOW's eve is later than the attempts these tests date a day back)
        for assignment in session.scalars(select(m.FunctionAssignment).where(m.FunctionAssignment.person_id == person_id)):
            assignment.valid_from = NOW - timedelta(days=30)
    return person_id


def ask_for_help(database, person_id, when=NOW) -> list[int]:
    """The employee takes the test, answers nothing, and asks help for every skill below the level asked."""
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        person.name = "Jan Jansen"
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", when)
        attempts.submit_attempt(session, attempt, when)
        attempts.score_attempt(session, attempt, when)
        below = [o.skill.code for o in attempt.observations if o.required_level is not None and o.level < o.required_level]
        assert len(below) >= 2
        made = help_requests.request_help_for_skills(session, person, attempt, below, "toestemming", when)
        return [r.id for r in made]


def mails(database) -> list[m.OutboxItem]:
    with database.begin() as session:
        return list(session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL)
                                    .order_by(m.OutboxItem.id)))


def test_an_ask_for_help_mails_each_coach_who_wants_it_once_without_personal_details(database, make_person, smtp_server):
    make_coach(database, make_person, "coach-nu")
    make_coach(database, make_person, "coach-dag", choice=CoachMail.DAILY)
    make_coach(database, make_person, "coach-zonder-adres", email=False)
    make_coach(database, make_person, "coach-elders", org_slug="zorg-b")
    made = ask_for_help(database, employee(database, make_person, "emp-1"))
    assert len(made) >= 2  # several skills in one ask ...
    assert [row.payload["to"] for row in mails(database)] == ["coach-nu@zorg.example"]  # ... one mail, one coach
    mail_job.send_pending(database, smtp_server.target())
    [received] = smtp_server.wait_for(1)
    text = received.get_body(("plain",)).get_content()
    assert f"Er zijn {len(made)} nieuwe hulpvragen voor een digicoach." in text
    assert "http://127.0.0.1:5000/coach" in text
    with database.begin() as session:
        skills = [session.get(m.HelpRequest, i).skill for i in made]
        forbidden = ["Jan Jansen", "emp-1", *[s.code for s in skills], *[s.name for s in skills], "niveau"]
    body = text + received.get_body(("html",)).get_content() + received["Subject"]
    assert not [word for word in forbidden if word in body]


def test_the_daily_digest_counts_yesterdays_requests_once_a_day(database, make_person, smtp_server, runner):
    make_coach(database, make_person, "coach-dag", choice=CoachMail.DAILY)
    make_coach(database, make_person, "coach-nu")
    made = ask_for_help(database, employee(database, make_person, "emp-1"), when=NOW - timedelta(days=1))
    immediate = len(mails(database))
    assert immediate == 1  # the coach who wants mail at once had it yesterday
    assert coach_digest.run(database, NOW) == 1
    assert coach_digest.run(database, NOW + timedelta(hours=2)) == 0  # the same day again: nothing new
    assert coach_digest.run(database, NOW - timedelta(days=1)) == 0  # the day before it: nothing had arrived
    digest = mails(database)[-1]
    assert digest.payload["to"] == "coach-dag@zorg.example"
    mail_job.send_pending(database, smtp_server.target())
    received = {msg["To"]: msg for msg in smtp_server.wait_for(2)}
    text = received["coach-dag@zorg.example"].get_body(("plain",)).get_content()
    assert f"Gisteren kwamen er {len(made)} nieuwe hulpvragen binnen." in text
    assert f"Er wachten nu {len(made)} hulpvragen op een digicoach." in text
    assert coach_digest.run(database, NOW + timedelta(days=1)) == 0  # no request arrived on the 1st


def test_a_request_from_a_coach_is_not_mailed_to_that_coach(database, make_person):
    coach_id = make_coach(database, make_person, "coach-vraagt")
    with database.begin() as session:
        session.get(m.Person, coach_id).team_id = place(database)[1]
    make_coach(database, make_person, "coach-ander")
    ask_for_help(database, coach_id)
    assert [row.payload["to"] for row in mails(database)] == ["coach-ander@zorg.example"]


def test_the_digest_command_runs_the_job(database, make_person, runner):
    make_coach(database, make_person, "coach-dag", choice=CoachMail.DAILY)
    made = ask_for_help(database, employee(database, make_person, "emp-1"))
    with database.begin() as session:  # the command runs on the real clock: the requests came in yesterday
        for request_id in made:
            session.get(m.HelpRequest, request_id).created_at = datetime.now(UTC) - timedelta(days=1)
    result = runner.invoke(args=["mail", "digest"])
    assert result.exit_code == 0 and "1 digest mail(s) queued" in result.output


def test_a_coach_chooses_the_digest_and_a_wrong_choice_is_refused(database, make_person):
    coach_id = make_coach(database, make_person, "coach-kiest")
    with database.begin() as session:
        coach = session.get(m.Person, coach_id)
        assert help_request_mail.set_coach_mail(session, coach, "daily") is CoachMail.DAILY
        with pytest.raises(InvalidInputError, match="één mail per dag"):
            help_request_mail.set_coach_mail(session, coach, "elk uur")
        assert coach.coach_mail is CoachMail.DAILY


def test_only_the_coaches_of_the_requests_scope_are_mailed(database, make_person):
    make_coach(database, make_person, "coach-noord")
    make_coach(database, make_person, "coach-zuid", scope="zuid")
    make_coach(database, make_person, "coach-zonder-scope", scope=None)
    coach_team = make_coach(database, make_person, "coach-team", scope=None)
    with database.begin() as session:  # a scope by team, not by location
        session.add(m.CoachScope(organisation_id=session.get(m.Person, coach_team).organisation_id,
                                 person_id=coach_team, team_id=place(database)[1]))
    ask_for_help(database, employee(database, make_person, "emp-noord"))
    assert [row.payload["to"] for row in mails(database)] == ["coach-noord@zorg.example", "coach-team@zorg.example"]
    ask_for_help(database, employee(database, make_person, "emp-zuid", where="zuid"))
    assert [row.payload["to"] for row in mails(database)][2:] == ["coach-zuid@zorg.example"]


def test_the_digest_counts_only_the_requests_of_the_coachs_scope(database, make_person):
    make_coach(database, make_person, "dag-noord", choice=CoachMail.DAILY)
    make_coach(database, make_person, "dag-zuid", choice=CoachMail.DAILY, scope="zuid")
    make_coach(database, make_person, "dag-west", choice=CoachMail.DAILY, scope="west")
    north = ask_for_help(database, employee(database, make_person, "emp-noord"), when=NOW - timedelta(days=1))
    south = ask_for_help(database, employee(database, make_person, "emp-zuid", where="zuid"), when=NOW - timedelta(days=1))
    older = ask_for_help(database, employee(database, make_person, "emp-zuid-2", where="zuid"), when=NOW - timedelta(days=1))
    with database.begin() as session:  # these came in two days earlier and still wait
        for request_id in older:
            session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=3)
    assert mails(database) == []  # nobody wants mail at once
    assert coach_digest.run(database, NOW) == 2  # west had nothing arrive: no digest
    digests = {row.payload["to"]: row for row in mails(database)}
    assert sorted(digests) == ["dag-noord@zorg.example", "dag-zuid@zorg.example"]
    assert digest_counts(digests["dag-noord@zorg.example"]) == (len(north), len(north))
    assert digest_counts(digests["dag-zuid@zorg.example"]) == (len(south), len(south) + len(older))


def digest_counts(row: m.OutboxItem) -> tuple[int, int]:
    """(arrived, waiting) as the digest's text says them."""
    text = row.payload["text"]
    arrived = re.search(r"Gisteren kwam(?:en)? er (\d+) nieuwe", text)
    waiting = re.search(r"Er wacht(?:en)? nu (\d+) hulpvra", text)
    return int(arrived.group(1)), int(waiting.group(1))
