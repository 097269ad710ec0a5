"""What ``/healthz`` and the admin's status check read: is the database there, what waits."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service import models as m


def database_answers(session: Session) -> None:
    """A trivial query; raises SQLAlchemyError when the database does not answer."""
    session.execute(text("SELECT 1"))


def status_details(session: Session, organisation_id: int) -> dict:
    """Active tests (shared content) and this organisation's statements waiting in the outbox."""
    pending = session.scalar(
        select(func.count())
        .select_from(m.OutboxItem)
        .where(m.OutboxItem.status == m.OutboxStatus.PENDING, m.OutboxItem.organisation_id == organisation_id)
    )
    tests = session.scalar(select(func.count()).select_from(m.DigiTest).where(m.DigiTest.active))
    return {"content": {"tests": tests}, "outbox": {"pending": pending}}
