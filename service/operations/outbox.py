"""The outbox as people look at it: counts per state, dead letters, and putting them back in line.

Delivery itself is background work with its own transactions: ``service.jobs.forward``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service import models as m


def outbox_counts(session: Session) -> dict[tuple[str, str], int]:
    """(organisation slug, status) -> number of xAPI statements."""
    rows = session.execute(
        select(m.Organisation.slug, m.OutboxItem.status, func.count())
        .join(m.Organisation, m.Organisation.id == m.OutboxItem.organisation_id)
        .where(m.OutboxItem.kind == m.OutboxKind.XAPI)
        .group_by(m.Organisation.slug, m.OutboxItem.status)
    )
    return {(slug, status.value): count for slug, status, count in rows}


def dead_letters(session: Session, organisation_id: int | None = None) -> list[m.OutboxItem]:
    query = select(m.OutboxItem).where(
        m.OutboxItem.kind == m.OutboxKind.XAPI,
        or_(m.OutboxItem.status == m.OutboxStatus.DEAD, m.OutboxItem.status == m.OutboxStatus.CONFLICT),
    )
    if organisation_id is not None:
        query = query.where(m.OutboxItem.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(m.OutboxItem.id)))


def retry_dead_letters(session: Session, ids: list[int] | None, now: datetime,
                       organisation_id: int | None = None) -> int:
    """Put dead (or conflicting) statements back in line after a fix; returns how many.

    ``organisation_id`` limits it to that organisation's statements (an organisation admin);
    ``None`` is the operator's CLI, for every organisation. ``ids=None``: all of them.
    """
    rows = [r for r in dead_letters(session, organisation_id) if ids is None or r.id in ids]
    for row in rows:
        row.status, row.next_attempt_at, row.attempts = m.OutboxStatus.PENDING, now, 0
    session.flush()
    return len(rows)
