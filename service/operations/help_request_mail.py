"""Coaches hear of new help requests by e-mail: one mail when a request arrives, or a daily digest.

Each coach chooses (``Person.coach_mail``). The mails say how many requests arrived and link to
``/coach``; who asked, for which skill and at what level is only shown there, after signing in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.models.people import CoachMail
from service.operations import mail

#: the digest's "yesterday" is a calendar day where the organisations are
TIMEZONE = ZoneInfo("Europe/Amsterdam")


def coaches(session: Session, organisation_id: int) -> list[m.Person]:
    """The organisation's coaches who can get mail (an address, not erased), in a stable order."""
    return list(session.scalars(
        select(m.Person)
        .join(m.PersonRole, m.PersonRole.person_id == m.Person.id)
        .where(m.Person.organisation_id == organisation_id, m.PersonRole.role == m.ToolRole.COACH,
               m.Person.pseudonymised_at.is_(None), m.Person.email.is_not(None))
        .order_by(m.Person.id)
    ))


def requests_arrived(session: Session, requests: list[m.HelpRequest], now: datetime) -> int:
    """Queue one mail per coach who wants to hear at once, for the requests of one ask.

    One ask (several skills at once, or the automatic requests of one attempt) is one mail.
    A coach who asks for help themselves gets no mail about their own request.

    Returns:
        How many mails were queued.
    """
    if not requests:
        return 0
    first = requests[0]
    organisation = session.get(m.Organisation, first.organisation_id)
    queued = 0
    for coach in coaches(session, organisation.id):
        key = f"help-arrived:{first.uuid}:{coach.id}"
        if coach.coach_mail is not CoachMail.IMMEDIATE or coach.id == first.person_id:
            continue
        if mail.find_queued(session, organisation.id, key) is None:
            queued += mail.enqueue(session, organisation, coach, "help_request_arrived", {"count": len(requests)},
                                   dedupe_key=key, now=now) is not None
    return queued


def digest_day(now: datetime) -> date:
    """The day a digest run at ``now`` is for: today where the organisations are (it covers yesterday)."""
    return now.astimezone(TIMEZONE).date()


def queue_digest(session: Session, organisation: m.Organisation, day: date, now: datetime) -> int:
    """Queue the digest of ``day`` for the organisation's coaches who chose one; nothing when none arrived.

    It counts the requests that arrived the calendar day before ``day`` and those still waiting
    for a coach. The dedupe key holds ``day``: a second run on the same day queues nothing.

    Returns:
        How many mails were queued.
    """
    start = datetime.combine(day - timedelta(days=1), time(0), TIMEZONE)
    end = datetime.combine(day, time(0), TIMEZONE)
    arrived = session.scalar(select(func.count()).select_from(m.HelpRequest).where(
        m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.created_at >= start, m.HelpRequest.created_at < end,
    ))
    if not arrived:
        return 0
    waiting = session.scalar(select(func.count()).select_from(m.HelpRequest).where(
        m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.status == m.HelpRequestStatus.NEW,
    ))
    queued = 0
    for coach in coaches(session, organisation.id):
        key = f"digest:{day.isoformat()}:{coach.id}"
        if coach.coach_mail is CoachMail.DAILY and mail.find_queued(session, organisation.id, key) is None:
            queued += mail.enqueue(session, organisation, coach, "coach_digest", {"arrived": arrived, "waiting": waiting},
                                   dedupe_key=key, now=now) is not None
    return queued


def set_coach_mail(session: Session, person: m.Person, choice: str) -> CoachMail:
    """A coach's choice: "immediate" (a mail per request) or "daily" (a digest).

    Raises:
        InvalidInputError: for any other value.
    """
    try:
        person.coach_mail = CoachMail(choice)
    except ValueError:
        raise InvalidInputError(N_("Kies: een mail per hulpvraag, of één mail per dag."), {"coach_mail": ["onbekend"]}) from None
    session.flush()
    return person.coach_mail
