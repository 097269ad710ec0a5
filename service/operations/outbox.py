"""Deliver xAPI statements from the outbox to each organisation's LRS: once, in order, never lost.

A batch is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL), sent while the
rows stay locked, and marked in the same transaction. So several forwarders never send the
same row twice at the same time, and a forwarder killed mid-batch leaves its rows pending:
the next one resends them, and the deterministic statement ids make that harmless (the LRS
answers 200 for the same content, or 409, which the client settles by comparing).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service import models as m
from service.db import Database, utcnow
from xapi.client import LRSClient, backoff_delay
from xapi.errors import LRSError, LRSUnavailableError

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 100
#: never retry sooner than this after a failure, whatever the jitter drew
MIN_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class LrsTarget:
    """Where one organisation's statements go. The password never appears in repr or logs."""

    endpoint: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass
class ForwardReport:
    delivered: int = 0
    rejected: int = 0
    conflicts: int = 0
    deferred: int = 0
    batches: int = 0

    def add(self, other: ForwardReport) -> None:
        for name in ("delivered", "rejected", "conflicts", "deferred", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def target_for(organisation: m.Organisation, default: LrsTarget | None) -> LrsTarget | None:
    """The organisation's own LRS, else the deployment's default, else None (statements wait)."""
    if organisation.lrs_endpoint:
        return LrsTarget(organisation.lrs_endpoint, organisation.lrs_username, organisation.lrs_password)
    return default


def _due(now: datetime):
    return (
        m.OutboxItem.kind == m.OutboxKind.XAPI,
        m.OutboxItem.status == m.OutboxStatus.PENDING,
        m.OutboxItem.next_attempt_at <= now,
    )


def organisations_with_due_statements(session: Session, now: datetime, has_default: bool) -> list[m.Organisation]:
    query = select(m.Organisation).where(
        m.Organisation.id.in_(select(m.OutboxItem.organisation_id).where(*_due(now)).distinct())
    )
    if not has_default:
        query = query.where(m.Organisation.lrs_endpoint.is_not(None))
    return list(session.scalars(query.order_by(m.Organisation.id)))


def claim_batch(session: Session, organisation_id: int, now: datetime, limit: int) -> list[m.OutboxItem]:
    """Lock up to ``limit`` due rows of one organisation, oldest first, skipping rows others hold."""
    query = (
        select(m.OutboxItem)
        .where(m.OutboxItem.organisation_id == organisation_id, *_due(now))
        .order_by(m.OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def deliver(session: Session, rows: list[m.OutboxItem], client: LRSClient, now: datetime,
            rng: random.Random | None = None) -> ForwardReport:
    """Send ``rows`` as one batch and record what became of each; flushes, never commits."""
    report = ForwardReport(batches=1)
    try:
        result = client.post_batch([row.payload for row in rows])
    except LRSUnavailableError as exc:
        for row in rows:
            row.attempts += 1
            row.last_error = str(exc)[:1000]
            delay = backoff_delay(row.attempts, retry_after=exc.retry_after, rng=rng or random)
            row.next_attempt_at = now + timedelta(seconds=max(MIN_RETRY_SECONDS, delay))
        report.deferred = len(rows)
        logger.warning("LRS unavailable for organisation %s; %d statements wait", rows[0].organisation_id, len(rows))
        session.flush()
        return report
    except LRSError as exc:  # 401/403 and the like: the statements are fine, the set-up is not
        for row in rows:
            row.attempts += 1
            row.last_error = str(exc)[:1000]
            delay = backoff_delay(row.attempts, rng=rng or random)
            row.next_attempt_at = now + timedelta(seconds=max(MIN_RETRY_SECONDS, delay))
        report.deferred = len(rows)
        logger.error("LRS refused the request for organisation %s: %s", rows[0].organisation_id, exc)
        session.flush()
        return report
    by_id = {row.dedupe_key: row for row in rows}
    for statement_id in result.delivered:
        row = by_id[statement_id]
        row.status, row.delivered_at, row.last_error = m.OutboxStatus.DELIVERED, now, None
        row.attempts += 1
    for statement_id, reason in result.rejected.items():
        row = by_id[statement_id]
        row.status, row.last_error = m.OutboxStatus.DEAD, reason[:1000]
        row.attempts += 1
        logger.error("LRS rejected statement %s (outbox row %s): %s", statement_id, row.id, reason[:200])
    for statement_id in result.conflicts:
        row = by_id[statement_id]
        row.status = m.OutboxStatus.CONFLICT
        row.last_error = "the LRS holds a different statement with this id"
        row.attempts += 1
        logger.error("ALERT: LRS holds a different statement with id %s (outbox row %s)", statement_id, row.id)
    report.delivered, report.rejected, report.conflicts = len(result.delivered), len(result.rejected), len(result.conflicts)
    session.flush()
    return report


def forward(
    database: Database,
    default: LrsTarget | None,
    client_for: Callable[[LrsTarget], LRSClient],
    batch_size: int = DEFAULT_BATCH,
    clock: Callable[[], datetime] = utcnow,
    should_stop: Callable[[], bool] = lambda: False,
) -> ForwardReport:
    """Send every due statement, batch by batch, until none is due or ``should_stop()``.

    Each batch is its own transaction, so a stop or a crash loses at most the batch in
    flight, which stays pending and is sent again.
    """
    report = ForwardReport()
    while not should_stop():
        progressed = False
        with database.begin() as session:
            organisations = organisations_with_due_statements(session, clock(), default is not None)
        for organisation in organisations:
            target = target_for(organisation, default)
            if target is None:
                continue
            client = client_for(target)
            while not should_stop():
                with database.begin() as session:
                    rows = claim_batch(session, organisation.id, clock(), batch_size)
                    if not rows:
                        break
                    batch = deliver(session, rows, client, clock())
                report.add(batch)
                progressed = progressed or batch.delivered + batch.rejected + batch.conflicts > 0
                if batch.deferred:
                    break  # this LRS is down: leave its rows for their backoff time
        if not progressed:
            break
    return report


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


def retry_dead_letters(session: Session, ids: list[int] | None, now: datetime) -> int:
    """Put dead (or conflicting) statements back in line after a fix; returns how many."""
    rows = [r for r in dead_letters(session) if ids is None or r.id in ids]
    for row in rows:
        row.status, row.next_attempt_at, row.attempts = m.OutboxStatus.PENDING, now, 0
    session.flush()
    return len(rows)
