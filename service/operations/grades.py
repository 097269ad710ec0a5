"""Scores for the LMS gradebook (LTI AGS), through the outbox: never inside the employee's request.

A scored attempt that was launched from a course placement adds one ``ags_score`` outbox
row, in the employee's own transaction; ``service.jobs.grades.send_scores`` delivers them later.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, joinedload

from service import models as m
from service.operations import domain

SCORE_MAXIMUM = 100.0


def tag_for(test_code: str) -> str:
    return f"digitoets:{test_code}"


def queue_score(session: Session, attempt: m.Attempt) -> bool:
    """Add the attempt's score to the outbox when it came from an LMS placement."""
    if attempt.resource_link_id is None or attempt.score_scaled is None:
        return False
    link = session.get(m.LtiResourceLink, attempt.resource_link_id, options=[joinedload(m.LtiResourceLink.context)])
    course = link.context
    if not (link.lineitem_url or course.lineitems_url):
        return False  # the platform offers no gradebook for this course
    version = domain.content(session, attempt.test_version_id).versions[attempt.test_version_id]  # in memory
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
