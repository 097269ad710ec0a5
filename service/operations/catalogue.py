"""The digi-toetsen on offer and a person's latest attempt at each: the reads the test lists need."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m


def active_tests(session: Session) -> list[m.DigiTest]:
    """Every active digi-toets, grouped by application."""
    return list(session.scalars(select(m.DigiTest).where(m.DigiTest.active).order_by(m.DigiTest.application)))


def latest_attempts(session: Session, person: m.Person) -> dict[int, m.Attempt]:
    """digi-toets id -> the person's most recent attempt at it."""
    latest: dict[int, m.Attempt] = {}
    for attempt in session.scalars(select(m.Attempt).where(m.Attempt.person_id == person.id).order_by(m.Attempt.started_at)):
        latest[attempt.test_version.digi_test_id] = attempt
    return latest


def latest_attempt(session: Session, person: m.Person, test: m.DigiTest) -> m.Attempt | None:
    """The person's most recent attempt at ``test``, or None."""
    return session.scalar(
        select(m.Attempt).join(m.TestVersion)
        .where(m.Attempt.person_id == person.id, m.TestVersion.digi_test_id == test.id)
        .order_by(m.Attempt.started_at.desc())
        .limit(1)
    )
