"""The outbox as people look at it: counts per state, dead letters, and putting them back in line.

Delivery itself is background work with its own transactions: ``service.jobs.forward``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from service import models as m
from service.models.outbox import OPEN_ROWS, OutboxTotal


def outbox_counts(session: Session) -> dict[tuple[str, str], int]:
    """(organisation slug, status) -> number of xAPI statements."""
    return counts_per_organisation(session, m.OutboxKind.XAPI)


#: rows not delivered, in words the partial index ``ix_outbox_items_open`` was made with
_OPEN = text(OPEN_ROWS)


def counts_per_organisation(session: Session, kind: m.OutboxKind) -> dict[tuple[str, str], int]:
    """(organisation slug, status) -> number of outbox rows of ``kind``.

    Waiting and refused rows are counted from the partial index of rows not delivered;
    delivered ones come from the counter ``outbox_totals`` (triggers keep it exact), so the
    cost does not grow with the millions of delivered rows.
    """
    open_rows = session.execute(
        select(m.Organisation.slug, m.OutboxItem.status, func.count())
        .join(m.Organisation, m.Organisation.id == m.OutboxItem.organisation_id)
        .where(m.OutboxItem.kind == kind, _OPEN)
        .group_by(m.Organisation.slug, m.OutboxItem.status)
    )
    counts = {(slug, status.value): count for slug, status, count in open_rows}
    delivered = session.execute(
        select(m.Organisation.slug, OutboxTotal.delivered)
        .join(m.Organisation, m.Organisation.id == OutboxTotal.organisation_id)
        .where(OutboxTotal.kind == kind, OutboxTotal.delivered > 0)
    )
    counts.update({(slug, m.OutboxStatus.DELIVERED.value): count for slug, count in delivered})
    return counts


def counts_by_kind(session: Session, organisation_id: int) -> dict[str, dict[str, int]]:
    """One organisation's outbox: kind -> status -> count, every kind and status present (zeros too).

    Counted as in ``counts_per_organisation``: the open rows from their index, delivered from the counter.
    """
    counts = {kind.value: {status.value: 0 for status in m.OutboxStatus} for kind in m.OutboxKind}
    rows = session.execute(
        select(m.OutboxItem.kind, m.OutboxItem.status, func.count())
        .where(m.OutboxItem.organisation_id == organisation_id, _OPEN)
        .group_by(m.OutboxItem.kind, m.OutboxItem.status)
    )
    for kind, status, count in rows:
        counts[kind.value][status.value] = count
    for kind, delivered in session.execute(
        select(OutboxTotal.kind, OutboxTotal.delivered).where(OutboxTotal.organisation_id == organisation_id)
    ):
        counts[kind.value][m.OutboxStatus.DELIVERED.value] = delivered
    return counts


def dead_letters(session: Session, organisation_id: int | None = None,
                 kind: m.OutboxKind = m.OutboxKind.XAPI, limit: int | None = None) -> list[m.OutboxItem]:
    """Refused (or conflicting) rows, oldest first; ``limit``: at most that many (a page shows a part)."""
    return list(session.scalars(dead_letters_query(organisation_id, kind, limit)))


def dead_letters_query(organisation_id: int | None, kind: m.OutboxKind, limit: int | None = None):
    """The dead letters' SELECT: it repeats the open rows' predicate, so it reads the partial index
    (without it SQLite walked every delivered row of the organisation: 790 ms at 1.3 M rows)."""
    query = select(m.OutboxItem).where(m.OutboxItem.kind == kind, _DEAD, _OPEN)
    if organisation_id is not None:
        query = query.where(m.OutboxItem.organisation_id == organisation_id)
    # oldest first by created_at: an ORDER BY id would tempt SQLite (without ANALYZE statistics)
    # into the organisation_id index, whose rows come in id order, instead of the partial index
    return query.order_by(m.OutboxItem.created_at, m.OutboxItem.id).limit(limit)


#: refused or conflicting (rows of the open rows' index)
_DEAD = m.OutboxItem.status.in_([m.OutboxStatus.DEAD, m.OutboxStatus.CONFLICT])


def retry_dead_letters(session: Session, ids: list[int] | None, now: datetime,
                       organisation_id: int | None = None, kind: m.OutboxKind = m.OutboxKind.XAPI) -> int:
    """Put dead (or conflicting) statements, or mails, back in line after a fix; returns how many.

    ``organisation_id`` limits it to that organisation's rows (an organisation admin);
    ``None`` is the operator's CLI, for every organisation. ``ids=None``: all of them.
    One UPDATE, however many there are. A delivered (or compacted) row is never put back.
    """
    query = update(m.OutboxItem).where(m.OutboxItem.kind == kind, _DEAD, _OPEN, m.OutboxItem.compacted_at.is_(None))
    if organisation_id is not None:
        query = query.where(m.OutboxItem.organisation_id == organisation_id)
    if ids is not None:
        if not ids:
            return 0
        query = query.where(m.OutboxItem.id.in_(ids))
    result = session.execute(query.values(status=m.OutboxStatus.PENDING, next_attempt_at=now, attempts=0)
                             .execution_options(synchronize_session="fetch"))
    return result.rowcount
