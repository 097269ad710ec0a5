"""Scores for the LMS gradebook (LTI AGS), through the outbox: never inside the employee's request.

A scored attempt that was launched from a course placement adds one ``ags_score`` outbox
row. ``send_scores`` delivers them with a client-credentials token from the stored
registration and URLs. Moodle's behaviour is handled: a line item URL with a query string,
409 for a second score with the same timestamp (it is there: delivered), 400 for a user who
is not gradable (a teacher: dead letter, no retry).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from lti.errors import NotGradableError, ScoreConflictError, ServiceError
from lti.registration import Registration
from lti.services import AgsClient
from service import models as m
from service.db import Database, utcnow
from service.operations import outbox
from service.operations.lti_stores import to_registration

logger = logging.getLogger(__name__)

SCORE_MAXIMUM = 100.0


def tag_for(test_code: str) -> str:
    return f"digitoets:{test_code}"


def queue_score(session: Session, attempt: m.Attempt) -> bool:
    """Add the attempt's score to the outbox when it came from an LMS placement."""
    if attempt.resource_link_id is None or attempt.score_scaled is None:
        return False
    link = session.get(m.LtiResourceLink, attempt.resource_link_id)
    course = session.get(m.LtiContext, link.context_id)
    if not (link.lineitem_url or course.lineitems_url):
        return False  # the platform offers no gradebook for this course
    version = attempt.test_version
    payload = {
        "registration_id": course.registration_id,
        "link_id": link.id,
        "lineitem_url": link.lineitem_url,
        "lineitems_url": course.lineitems_url,
        "resource_link_id": link.resource_link_id,
        "tag": tag_for(version.test.code),
        "resource_id": version.test.code,
        "label": version.title,
        "user_id": attempt.person.subject,
        "score_given": round(attempt.score_scaled * SCORE_MAXIMUM, 2),
        "score_maximum": SCORE_MAXIMUM,
        "timestamp": (attempt.submitted_at or attempt.scored_at).isoformat(),
    }
    session.add(m.OutboxItem(organisation_id=attempt.organisation_id, kind=m.OutboxKind.AGS_SCORE,
                             dedupe_key=f"attempt:{attempt.registration}", payload=payload))
    session.flush()
    return True


def send_scores(database: Database, client_for: Callable[[Registration], AgsClient], clock: Callable[[], datetime] = utcnow,
                batch_size: int = 50) -> outbox.ForwardReport:
    """Deliver every due score; each row is settled on its own."""
    report = outbox.ForwardReport()
    while True:
        with database.begin() as session:
            rows = outbox.claim_batch(session, None, clock(), batch_size, kind=m.OutboxKind.AGS_SCORE)
        if not rows:
            return report
        report.batches += 1
        for row in rows:
            outcome = _send(database, row, client_for, clock)
            setattr(report, outcome, getattr(report, outcome) + 1)


def _send(database: Database, row: outbox.Leased, client_for, clock) -> str:
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
        values["next_attempt_at"] = outbox.retry_at(now, row.attempts + 1, None, random)
        logger.warning("Score %s for registration %s waits: %s", row.id, data["registration_id"], error)
    with database.begin() as session:
        session.execute(update(m.OutboxItem).where(m.OutboxItem.id == row.id).values(**values))
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
