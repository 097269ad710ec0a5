"""Housekeeping: remove what is kept only for a while, in its own transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, func, null, select, text, update

from service import models as m
from service.db import Database, utcnow
from service.models.outbox import COMPACTABLE_ROWS


def purge_launch_state(database: Database, now: datetime | None = None) -> int:
    """Remove expired launch state (it holds id_token bodies with names); returns how many rows went.

    Also part of ``digitoets retention purge`` (``service.jobs.retention``).
    """
    with database.begin() as session:
        return session.execute(delete(m.LtiLaunchState).where(m.LtiLaunchState.expires_at <= (now or utcnow()))).rowcount


#: days a delivered outbox row keeps its payload (DIGITOETS_OUTBOX_PAYLOAD_DAYS)
OUTBOX_PAYLOAD_DAYS = 30
#: what stays of a delivered score: the teacher's course overview shows it
KEPT_OF_A_SCORE = ("score_given", "score_maximum")


def compact_outbox(database: Database, now: datetime | None = None, days: int = OUTBOX_PAYLOAD_DAYS, *,
                   dry_run: bool = False, batch_size: int = 1000) -> Counter:
    """Remove the payload of outbox rows delivered more than ``days`` ago; returns how many per kind.

    A statement's, mail's or PE-online call's payload becomes NULL; a score keeps only its score
    (``KEPT_OF_A_SCORE``). Id, kind, dedupe key (the statement id), status and times stay, and
    ``compacted_at`` is set: such a row is delivered, so nothing sends it again, and a forwarder
    or a retry skips any row with ``compacted_at`` whatever its status. Each batch is its own
    short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two runs split the work.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    due = select(m.OutboxItem.id, m.OutboxItem.kind).where(text(COMPACTABLE_ROWS), m.OutboxItem.delivered_at < cutoff)
    counts: Counter = Counter()
    if dry_run:
        with database.begin() as session:
            rows = due.subquery()
            counts.update({kind.value: n for kind, n in session.execute(
                select(rows.c.kind, func.count()).group_by(rows.c.kind))})
        return counts
    while True:
        with database.begin() as session:
            batch = due.order_by(m.OutboxItem.delivered_at).limit(batch_size)
            if session.get_bind().dialect.name == "postgresql":
                batch = batch.with_for_update(skip_locked=True)
            rows = session.execute(batch).all()
            if not rows:
                return counts
            scores = [row.id for row in rows if row.kind is m.OutboxKind.AGS_SCORE]
            others = [row.id for row in rows if row.kind is not m.OutboxKind.AGS_SCORE]
            if others:
                session.execute(update(m.OutboxItem).where(m.OutboxItem.id.in_(others))
                                .values(payload=null(), compacted_at=now).execution_options(synchronize_session=False))
            if scores:
                kept = session.execute(select(m.OutboxItem.id, m.OutboxItem.payload).where(m.OutboxItem.id.in_(scores)))
                session.execute(update(m.OutboxItem), [
                    {"id": row_id, "compacted_at": now,
                     "payload": {key: payload[key] for key in KEPT_OF_A_SCORE if payload and key in payload}}
                    for row_id, payload in kept.all()])
            counts.update(row.kind.value for row in rows)
