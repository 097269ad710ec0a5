"""A person's function: chosen once by the employee, overridden by LTI or the HR import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service import models as m
from service.errors import ConflictError
from service.operations.people import assign_function, current_assignment, find_or_create_person, get_profile


@pytest.fixture
def person(database, content):
    with database.begin() as session:
        org = m.Organisation(slug="zorg", name="Zorg")
        session.add(org)
        session.flush()
        return find_or_create_person(session, org, "https://lms.example", "7", datetime.now(UTC)).id


def test_lti_overrides_a_self_chosen_function_and_keeps_the_history(database, person):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with database.begin() as session:
        someone = session.get(m.Person, person)
        assign_function(session, someone, get_profile(session, "helpende"), m.AssignmentSource.SELF_CHOSEN, start)
        later = start + timedelta(days=30)
        assign_function(session, someone, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI, later)
        assert current_assignment(someone, later).profile.code == "verzorgende-ig"
        assert current_assignment(someone, start + timedelta(days=1)).profile.code == "helpende"
        history = session.scalars(select(m.FunctionAssignment).order_by(m.FunctionAssignment.valid_from)).all()
        assert [(a.profile.code, a.source.value, a.valid_until) for a in history] == [
            ("helpende", "self_chosen", later), ("verzorgende-ig", "lti", None)]


def test_a_self_choice_cannot_replace_a_known_function(database, person):
    with database.begin() as session:
        someone = session.get(m.Person, person)
        assign_function(session, someone, get_profile(session, "helpende"), m.AssignmentSource.HR_IMPORT, datetime.now(UTC))
        with pytest.raises(ConflictError, match="Je functie is al bekend"):
            assign_function(session, someone, get_profile(session, "verzorgende-ig"), m.AssignmentSource.SELF_CHOSEN,
                            datetime.now(UTC))


def test_name_and_email_are_kept_only_when_the_organisation_allows(database, content):
    now = datetime.now(UTC)
    with database.begin() as session:
        private = m.Organisation(slug="a", name="A")
        open_org = m.Organisation(slug="b", name="B", store_personal_data=True)
        session.add_all([private, open_org])
        session.flush()
        p1 = find_or_create_person(session, private, "https://lms.example", "1", now, name="Ans", email="ans@example.nl")
        p2 = find_or_create_person(session, open_org, "https://lms.example", "1", now, name="Ans", email="ans@example.nl")
        assert (p1.name, p1.email) == (None, None)
        assert (p2.name, p2.email) == ("Ans", "ans@example.nl")
        assert p1.id != p2.id and p1.pseudonym != p2.pseudonym


def test_a_new_person_is_created_at_the_callers_time_not_the_machines(database):
    """The HR figures count people created before the day's end: a launch dated by its own clock
    (a test's fixed day, a replayed roster) must not land on the machine's day instead."""
    launched = datetime(2026, 11, 30, 12, tzinfo=UTC)
    with database.begin() as session:
        org = m.Organisation(slug="zorg-klok", name="Zorg Klok")
        session.add(org)
        person = find_or_create_person(session, org, "https://lms.example", "klok-1", launched)
        session.flush()
        assert (person.created_at, person.last_seen_at) == (launched, launched)
