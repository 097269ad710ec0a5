"""Figures for monitoring (``/metrics``): the outbox's waiting and dead rows per kind, scheduled job runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m


@dataclass(frozen=True)
class OutboxFigures:
    waiting: int = 0
    oldest_age_seconds: float = 0.0
    dead: int = 0


def outbox_stats(session: Session, now: datetime | None = None) -> dict[str, OutboxFigures]:
    """Per outbox kind (every kind, zero when empty): rows waiting, the oldest one's age, dead letters.

    Only rows that are not delivered are read (the outbox's partial index on open rows), so the
    query stays small however many million delivered rows the outbox holds.
    """
    now = now or datetime.now(UTC)
    rows = session.execute(
        select(m.OutboxItem.kind, m.OutboxItem.status, func.count(), func.min(m.OutboxItem.created_at))
        .where(m.OutboxItem.status.in_([m.OutboxStatus.PENDING, m.OutboxStatus.DEAD]))
        .group_by(m.OutboxItem.kind, m.OutboxItem.status)
    )
    figures = {kind.value: OutboxFigures() for kind in m.OutboxKind}
    for kind, status, count, oldest in rows:
        current = figures[kind.value]
        if status is m.OutboxStatus.PENDING:
            age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
            figures[kind.value] = OutboxFigures(count, age, current.dead)
        else:
            figures[kind.value] = OutboxFigures(current.waiting, current.oldest_age_seconds, count)
    return figures


@dataclass(frozen=True)
class JobRuns:
    job: str
    ok: int
    failed: int
    skipped: int
    last_finished_at: datetime | None


def job_runs(session: Session) -> list[JobRuns]:
    """Per scheduled job: runs that went well, failed, or were skipped (another scheduler had it)."""
    rows = session.execute(select(m.JobLock.name, m.JobLock.runs_ok, m.JobLock.runs_failed, m.JobLock.runs_skipped,
                                  m.JobLock.last_finished_at).order_by(m.JobLock.name))
    return [JobRuns(*row) for row in rows]
