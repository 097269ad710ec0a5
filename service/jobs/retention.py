"""The retention job: remove what the organisation promised not to keep.

Per organisation:
- item answers (``responses``) of attempts older than ``retention_months`` (the employee is
  told "Je toetsantwoorden worden na N maanden verwijderd"); the attempt's score, pass and
  levels stay, they are the result;
- people without a launch for ``leaver_months`` (taken to have left; there is no HR
  "left" date yet) are pseudonymised (``privacy.pseudonymise``): name, e-mail and LMS account
  go, the accreditation ledger stays.
And for the whole deployment: expired launch state (OIDC state, nonces and id_token bodies
with names; ``purge.purge_launch_state``). Browser sessions are signed cookies that expire on
their own; the server keeps no session rows to remove.

Work is claimed in batches, each in its own short transaction: answers with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, people with the conditional UPDATE in ``privacy.pseudonymise``. Two
runs at once split the work and count each row once; a second run finds nothing left to do.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service import models as m
from service.db import Database, utcnow
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.jobs import purge
from service.operations import audit, privacy

ALL = "*"  # the report's organisation for deployment-wide kinds
KINDS = ("answers", "people_pseudonymised", "launch_state")


@dataclass
class RetentionReport:
    """Rows removed (or, in a dry run, due) per (organisation slug, kind)."""

    dry_run: bool
    counts: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        return [f"{slug}\t{kind}\t{n}" for (slug, kind), n in sorted(self.counts.items())]


def months_before(when: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    total = when.year * 12 + when.month - 1 - months
    year, month = divmod(total, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def _due_answers(organisation: m.Organisation, now: datetime):
    cutoff = months_before(now, organisation.retention_months)
    old_attempts = select(m.Attempt.id).where(
        m.Attempt.organisation_id == organisation.id,
        func.coalesce(m.Attempt.submitted_at, m.Attempt.started_at) < cutoff,
    )
    return select(m.Response.id).where(m.Response.attempt_id.in_(old_attempts))


def _due_people(organisation: m.Organisation, now: datetime):
    cutoff = months_before(now, organisation.leaver_months)
    return select(m.Person.id).where(
        m.Person.organisation_id == organisation.id, m.Person.pseudonymised_at.is_(None),
        func.coalesce(m.Person.last_seen_at, m.Person.created_at) < cutoff,
    )


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _claim(session: Session, query, batch_size: int) -> list[int]:
    query = query.order_by(*query.selected_columns).limit(batch_size)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _delete_answers(database: Database, organisation_id: int, now: datetime, batch_size: int) -> int:
    removed = 0
    while True:
        with database.begin() as session:
            ids = _claim(session, _due_answers(session.get(m.Organisation, organisation_id), now), batch_size)
            if not ids:
                return removed
            removed += session.execute(delete(m.Response).where(m.Response.id.in_(ids))).rowcount


def _pseudonymise_leavers(database: Database, organisation_id: int, now: datetime, batch_size: int) -> int:
    done, seen = 0, set()  # seen: a person is tried once per run, whatever happens
    while True:
        with database.begin() as session:
            organisation = session.get(m.Organisation, organisation_id)
            ids = _claim(session, _due_people(organisation, now).where(m.Person.id.not_in(seen)), batch_size)
            if not ids:
                return done
            for person_id in ids:
                seen.add(person_id)
                removal = privacy.pseudonymise(session, session.get(m.Person, person_id), now)
                if removal is not None:  # None: another run had it already
                    done += 1
                    audit.record(session, organisation, None, audit.Action.PERSON_PSEUDONYMISED, f"person:{person_id}",
                                 removal.counts or None)


def run(database: Database, now: datetime | None = None, *, dry_run: bool = False, org_slug: str | None = None,
        batch_size: int = 500) -> RetentionReport:
    """Remove (or with ``dry_run`` only count) what is due; returns the counts.

    Raises:
        NotFoundError: when ``org_slug`` names no organisation.
    """
    now = now or utcnow()
    report = RetentionReport(dry_run)
    with database.begin() as session:
        query = select(m.Organisation.id, m.Organisation.slug).order_by(m.Organisation.id)
        if org_slug is not None:
            query = query.where(m.Organisation.slug == org_slug)
        organisations = list(session.execute(query))
        if org_slug is not None and not organisations:
            raise NotFoundError(N_("Er is geen organisatie met de code %(slug)s."), slug=org_slug)
        if dry_run:
            for org_id, slug in organisations:
                org = session.get(m.Organisation, org_id)
                report.counts[(slug, "answers")] = _count(session, _due_answers(org, now))
                report.counts[(slug, "people_pseudonymised")] = _count(session, _due_people(org, now))
            if org_slug is None:
                report.counts[(ALL, "launch_state")] = _count(
                    session, select(m.LtiLaunchState.key).where(m.LtiLaunchState.expires_at <= now))
            return report
    for org_id, slug in organisations:
        report.counts[(slug, "answers")] = _delete_answers(database, org_id, now, batch_size)
        report.counts[(slug, "people_pseudonymised")] = _pseudonymise_leavers(database, org_id, now, batch_size)
    if org_slug is None:  # launch state belongs to no organisation yet
        report.counts[(ALL, "launch_state")] = purge.purge_launch_state(database, now)
    return report
