"""The monthly compliance snapshot: each organisation's group figures of a finished month, kept for the trend.

A month is claimed by inserting its ``compliance_snapshot_runs`` row (unique per organisation
and month) in the same transaction as the figures. Two schedulers running at once both try;
the database lets one insert and makes the other wait, then refuse: that one skips the
organisation. A failed run rolls its claim back, so the next run (the timer is daily and
``Persistent``) tries again; a month that has its snapshot is never taken twice.

By default the month is the previous one, with figures as they stood on its last day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service import models as m
from service.db import Database, utcnow
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations.compliance_trend import snapshot_rows

logger = logging.getLogger(__name__)


@dataclass
class SnapshotReport:
    """What a run did per organisation slug: ``taken`` (with its group count) or ``skipped`` (already there)."""

    month: date
    taken: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"{slug}\t{self.month:%Y-%m}\ttaken\t{n}" for slug, n in sorted(self.taken.items())]
                + [f"{slug}\t{self.month:%Y-%m}\tskipped" for slug in sorted(self.skipped)])


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def take_snapshots(database: Database, *, org_slug: str | None = None, month: date | None = None,
                   clock: Callable = utcnow) -> SnapshotReport:
    """Take the snapshot of ``month`` (default: the previous month) for one or every organisation.

    Raises:
        NotFoundError: when ``org_slug`` names no organisation.
        InvalidInputError: when the month has not ended yet.
    """
    today = clock().date()
    month = (month or previous_month(today)).replace(day=1)
    day = month_end(month)
    if day >= today:
        raise InvalidInputError(N_("Die maand is nog niet voorbij. Kies een eerdere maand."), {"month": [str(month)]})
    with database.begin() as session:
        query = select(m.Organisation.id, m.Organisation.slug).order_by(m.Organisation.id)
        if org_slug is not None:
            query = query.where(m.Organisation.slug == org_slug)
        organisations = session.execute(query).all()
    if org_slug is not None and not organisations:
        raise NotFoundError(N_("Organisatie %(slug)s bestaat niet."), slug=org_slug)
    report = SnapshotReport(month)
    for organisation_id, slug in organisations:
        try:
            with database.begin() as session:
                run = m.ComplianceSnapshotRun(organisation_id=organisation_id, month=month, taken_at=clock())
                session.add(run)
                session.flush()  # the claim: waits for, then fails on, another scheduler's row
                organisation = session.get(m.Organisation, organisation_id)
                rows = snapshot_rows(session, organisation, month, day, today)
                run.snapshots.extend(rows)
                run.groups = len(rows)
        except IntegrityError:
            logger.info("Snapshot %s of organisation %s already taken", month, organisation_id)
            report.skipped.append(slug)
            continue
        logger.info("Snapshot %s of organisation %s: %s groups", month, organisation_id, len(rows))
        report.taken[slug] = len(rows)
    return report
