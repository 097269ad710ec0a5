"""Send queued scores to the LMS gradebooks (LTI AGS), each row settled in its own transaction.

The rows come from ``service.operations.grades.queue_score``. A client-credentials token from the
stored registration is used. Moodle's behaviour is handled: a line item URL with a query string,
409 for a second score with the same timestamp (it is there: delivered), 400 for a user who
is not gradable (a teacher: dead letter, no retry).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update

from lti.errors import NotGradableError, ScoreConflictError, ServiceError
from lti.registration import Registration
from lti.services import AgsClient
from service import models as m
from service.db import Database, utcnow
from service.jobs import forward
from service.operations.registrations import to_registration

logger = logging.getLogger(__name__)


def send_scores(database: Database, client_for: Callable[[Registration], AgsClient], clock: Callable[[], datetime] = utcnow,
                batch_size: int = 50, should_stop: Callable[[], bool] = lambda: False) -> forward.ForwardReport:
    """Deliver every due score; each row is settled on its own.

    ``should_stop`` is asked before each batch is leased (the worker's SIGTERM): a batch once
    leased is finished, so no score waits for its lease to run out.
    """
    report = forward.ForwardReport()
    while not should_stop():
        with database.begin() as session:
            rows = forward.claim_batch(session, None, clock(), batch_size, kind=m.OutboxKind.AGS_SCORE)
        if not rows:
            return report
        report.batches += 1
        for row in rows:
            outcome = _send(database, row, client_for, clock)
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _send(database: Database, row: forward.Leased, client_for, clock) -> str:
    data = row.payload
    with database.begin() as session:
        registration_row = session.get(m.LtiRegistration, data["registration_id"])
        registration = to_registration(registration_row) if registration_row else None
    status, error, outcome = m.OutboxStatus.PENDING, None, "deferred"
    if registration is None or not registration.active:
        error = "the LMS registration is missing or not active"
    else:
        client = client_for(registration)
        try:
            lineitem = data["lineitem_url"] or _lineitem(database, client, data)
            client.put_score(lineitem, data["user_id"], data["score_given"], data["score_maximum"],
                             "Completed", "FullyGraded", datetime.fromisoformat(data["timestamp"]))
            status, outcome = m.OutboxStatus.DELIVERED, "delivered"
        except ScoreConflictError:  # this very score (same timestamp) is there already
            status, outcome = m.OutboxStatus.DELIVERED, "delivered"
        except NotGradableError as exc:
            status, error, outcome = m.OutboxStatus.DEAD, f"not gradable in the LMS: {exc}", "rejected"
        except ServiceError as exc:
            error = str(exc)
    now = clock()
    values = {"status": status, "attempts": row.attempts + 1, "last_error": error}
    if status is m.OutboxStatus.DELIVERED:
        values["delivered_at"] = now
    elif status is m.OutboxStatus.PENDING:
        values["next_attempt_at"] = forward.retry_at(now, row.attempts + 1, None, random)
        logger.warning("Score %s for registration %s waits: %s", row.id, data["registration_id"], error)
    # the LMS has the score: record it even if the database just went away (not sent again after the lease)
    forward.through_outage(database, lambda session: session.execute(
        update(m.OutboxItem).where(m.OutboxItem.id == row.id).values(**values)))
    return outcome


def _lineitem(database: Database, client: AgsClient, data: dict) -> str:
    """Find or create the line item by tag, and remember it on the placement."""
    item = client.find_or_create_lineitem(
        data["lineitems_url"], tag=data["tag"], resource_id=data["resource_id"], label=data["label"],
        score_maximum=data["score_maximum"], resource_link_id=data["resource_link_id"],
    )
    with database.begin() as session:
        link = session.get(m.LtiResourceLink, data["link_id"])
        if link is not None and not link.lineitem_url:
            link.lineitem_url = item.id
    return item.id
