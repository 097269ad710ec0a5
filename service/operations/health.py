"""What ``/healthz`` and the admin's status check read: is the database there, what waits."""

from __future__ import annotations

import functools

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service import models as m
from service.migrate import MIGRATIONS


def database_answers(session: Session) -> None:
    """A trivial query; raises SQLAlchemyError when the database does not answer."""
    session.execute(text("SELECT 1"))


@functools.cache
def _head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def migrations_at_head(session: Session) -> bool:
    """Whether the database carries exactly the newest migrations of this code."""
    current = MigrationContext.configure(session.connection()).get_current_heads()
    return frozenset(current) == _head_revisions()


def status_details(session: Session, organisation_id: int) -> dict:
    """Active tests (shared content) and this organisation's statements waiting in the outbox."""
    pending = session.scalar(
        select(func.count())
        .select_from(m.OutboxItem)
        .where(m.OutboxItem.status == m.OutboxStatus.PENDING, m.OutboxItem.organisation_id == organisation_id)
    )
    tests = session.scalar(select(func.count()).select_from(m.DigiTest).where(m.DigiTest.active))
    return {"content": {"tests": tests}, "outbox": {"pending": pending}}
