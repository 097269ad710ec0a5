"""Turn new ledger rows into points records, one organisation at a time.

The work is claimed the way ``attempts.score_attempt`` claims a hand-in: a conditional UPDATE
leases the organisation's cursor (``leased_until``), so two workers never evaluate the same
organisation at once; the evaluation and the cursor's advance commit together, so a crash
in between leaves the cursor where it was and the next run does the work again (harmlessly:
records are keyed by the ledger rows they use).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from service import models as m
from service.db import Database, utcnow
from service.operations import points

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300


@dataclass
class JobReport:
    organisations: int = 0
    skipped: int = 0  # another worker holds the lease
    granted: int = 0
    reversed: int = 0
    tests_counted: int = 0


def _ensure_cursor(database: Database, organisation_id: int) -> None:
    with database.begin() as session:
        if session.get(m.PointsCursor, organisation_id) is not None:
            return
    try:
        with database.begin() as session:
            session.add(m.PointsCursor(organisation_id=organisation_id, last_entry_id=0))
    except IntegrityError:  # another worker created it a moment ago
        pass


def claim(database: Database, organisation_id: int, now: datetime, lease_seconds: float = LEASE_SECONDS) -> int | None:
    """Lease an organisation's cursor; returns the last ledger row read, or None when someone holds it."""
    _ensure_cursor(database, organisation_id)
    with database.begin() as session:
        return session.execute(
            update(m.PointsCursor)
            .where(m.PointsCursor.organisation_id == organisation_id,
                   or_(m.PointsCursor.leased_until.is_(None), m.PointsCursor.leased_until < now))
            .values(leased_until=now + timedelta(seconds=lease_seconds))
            .returning(m.PointsCursor.last_entry_id)
            .execution_options(synchronize_session=False)
        ).scalar()


def run(database: Database, organisation_ids: list[int], clock: Callable[[], datetime] = utcnow,
        everyone: bool = False) -> JobReport:
    """Derive points for each organisation's people whose ledger changed (``everyone``: all of them).

    ``everyone`` is for after a content change (a new activity or period), when unchanged
    ledgers can earn new points.
    """
    report = JobReport()
    for organisation_id in organisation_ids:
        now = clock()
        last = claim(database, organisation_id, now)
        if last is None:
            report.skipped += 1
            continue
        report.organisations += 1
        with database.begin() as session:
            report.tests_counted += points.record_counted_tests(session, organisation_id)
            newest = session.scalar(select(func.max(m.LearningHours.id)).where(
                m.LearningHours.organisation_id == organisation_id)) or 0
            people = None if everyone else set(session.scalars(select(m.LearningHours.person_id).distinct().where(
                m.LearningHours.organisation_id == organisation_id, m.LearningHours.id > last)))
            result = points.derive_points(session, organisation_id, now, people) if people != set() else None
            session.execute(update(m.PointsCursor).where(m.PointsCursor.organisation_id == organisation_id)
                            .values(last_entry_id=max(last, newest), leased_until=None, evaluated_at=now))
        if result:
            report.granted += result.granted
            report.reversed += result.reversed
            logger.info("Points for organisation %s: %s granted, %s reversed", organisation_id, result.granted,
                        result.reversed)
    return report
