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
    return counts_per_organisation(session, m.OutboxKind.XAPI)


def counts_per_organisation(session: Session, kind: m.OutboxKind) -> dict[tuple[str, str], int]:
    """(organisation slug, status) -> number of outbox rows of ``kind``."""
    rows = session.execute(
        select(m.Organisation.slug, m.OutboxItem.status, func.count())
        .join(m.Organisation, m.Organisation.id == m.OutboxItem.organisation_id)
        .where(m.OutboxItem.kind == kind)
        .group_by(m.Organisation.slug, m.OutboxItem.status)
    )
    return {(slug, status.value): count for slug, status, count in rows}


def counts_by_kind(session: Session, organisation_id: int) -> dict[str, dict[str, int]]:
    """One organisation's outbox: kind -> status -> count, every kind and status present (zeros too)."""
    counts = {kind.value: {status.value: 0 for status in m.OutboxStatus} for kind in m.OutboxKind}
    rows = session.execute(
        select(m.OutboxItem.kind, m.OutboxItem.status, func.count())
        .where(m.OutboxItem.organisation_id == organisation_id)
        .group_by(m.OutboxItem.kind, m.OutboxItem.status)
    )
    for kind, status, count in rows:
        counts[kind.value][status.value] = count
    return counts


def dead_letters(session: Session, organisation_id: int | None = None,
                 kind: m.OutboxKind = m.OutboxKind.XAPI) -> list[m.OutboxItem]:
    query = select(m.OutboxItem).where(
        m.OutboxItem.kind == kind,
        or_(m.OutboxItem.status == m.OutboxStatus.DEAD, m.OutboxItem.status == m.OutboxStatus.CONFLICT),
    )
    if organisation_id is not None:
        query = query.where(m.OutboxItem.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(m.OutboxItem.id)))


def retry_dead_letters(session: Session, ids: list[int] | None, now: datetime,
                       organisation_id: int | None = None, kind: m.OutboxKind = m.OutboxKind.XAPI) -> int:
    """Put dead (or conflicting) statements, or mails, back in line after a fix; returns how many.

    ``organisation_id`` limits it to that organisation's rows (an organisation admin);
    ``None`` is the operator's CLI, for every organisation. ``ids=None``: all of them.
    """
    rows = [r for r in dead_letters(session, organisation_id, kind) if ids is None or r.id in ids]
    for row in rows:
        row.status, row.next_attempt_at, row.attempts = m.OutboxStatus.PENDING, now, 0
    session.flush()
    return len(rows)
