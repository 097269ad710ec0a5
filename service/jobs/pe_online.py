"""Deliver queued points records to PE-online's web service, each outbox row settled on its own.

The rows come from ``service.operations.pe_online_delivery.queue``. The same shape as the
xAPI and mail outbox: lease a batch (``forward.claim_batch``), build and send each call
outside any transaction, settle it in a new one. Unreachable or a server error: the row
stays, with a backoff. An answer (accepted or rejected rows, or a whole-call error) settles
the row and sets each record's status; PE-online itself writes an e-learning record only
once, so a call repeated after a crash cannot count twice there either.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from service import models as m
from service.db import Database, utcnow
from service.jobs import forward
from service.operations import pe_online_delivery as delivery
from service.pe_online.client import PeOnlineClient, PeOnlineUnavailableError
from service.pe_online.documents import InvalidDocumentError

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    calls: int = 0
    accepted: int = 0
    rejected: int = 0
    deferred: int = 0


def deliver(database: Database, client_for: Callable[[str], PeOnlineClient], clock: Callable[[], datetime] = utcnow,
            rng: random.Random | None = None, batch_size: int = 10,
            should_stop: Callable[[], bool] = lambda: False) -> DeliveryReport:
    """Send every due PE-online call once; returns what happened."""
    report = DeliveryReport()
    rng = rng or random.Random()  # nosec B311: retry jitter, not security
    while not should_stop():
        with database.begin() as session:
            rows = forward.claim_batch(session, None, clock(), batch_size, kind=m.OutboxKind.PE_ONLINE)
        if not rows:
            return report
        for row in rows:
            _one(database, row, client_for, clock, rng, report)
    return report


def _one(database: Database, row: forward.Leased, client_for, clock, rng, report: DeliveryReport) -> None:
    with database.begin() as session:
        call = delivery.prepare(session, row.organisation_id, row.payload)
    if not call.rows:  # everyone in it withdrew consent: nothing left to send
        _finish(database, row, clock())
        return
    if call.document is None:
        _defer(database, row, clock(), "no PE-online account", None, rng, report)
        return
    try:
        answer = client_for(call.endpoint).send(call.document)
    except (PeOnlineUnavailableError, InvalidDocumentError) as exc:
        _defer(database, row, clock(), str(exc), None, rng, report)
        return
    now = clock()
    with database.begin() as session:
        accepted, rejected = delivery.settle(session, call.rows, answer, now)
    _finish(database, row, now)
    report.calls += 1
    report.accepted += accepted
    report.rejected += rejected
    logger.info("PE-online call %s: %s accepted, %s rejected", row.id, accepted, rejected)


def _finish(database: Database, row: forward.Leased, now: datetime) -> None:
    with database.begin() as session:
        session.execute(update(m.OutboxItem).where(m.OutboxItem.id == row.id).values(
            status=m.OutboxStatus.DELIVERED, delivered_at=now, attempts=row.attempts + 1, last_error=None))


def _defer(database: Database, row: forward.Leased, now: datetime, error: str, retry_after, rng,
           report: DeliveryReport) -> None:
    report.deferred += 1
    logger.warning("PE-online call %s deferred: %s", row.id, error)
    with database.begin() as session:
        session.execute(update(m.OutboxItem).where(m.OutboxItem.id == row.id).values(
            attempts=row.attempts + 1, last_error=error[:500],
            next_attempt_at=forward.retry_at(now, row.attempts + 1, retry_after, rng)))
