"""Coaches hear of new help requests by e-mail: one mail when a request arrives, or a daily digest.

Only the coaches of the request's scope hear of it (``coach_mail.scope_coaches``: a coach given
the employee's team or location), the same rule as the pick-up reminder; a coach outside it gets
nothing, also not in the digest. Each coach chooses (``Person.coach_mail``). The mails say how many requests arrived and link to
``/coach``; who asked, for which skill and at what level is only shown there, after signing in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.models.people import CoachMail
from service.operations import coach_mail, mail

#: the digest's "yesterday" is a calendar day where the organisations are
TIMEZONE = ZoneInfo("Europe/Amsterdam")


def requests_arrived(session: Session, requests: list[m.HelpRequest], now: datetime) -> int:
    """Queue one mail per coach of the scope who wants to hear at once, for the requests of one ask.

    One ask (of one employee, so one scope) (several skills at once, or the automatic requests of one attempt) is one mail.
    A coach who asks for help themselves gets no mail about their own request.

    Returns:
        How many mails were queued.
    """
    if not requests:
        return 0
    first = requests[0]
    organisation = session.get(m.Organisation, first.organisation_id)
    queued = 0
    for coach in coach_mail.scope_coaches(session, first):
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
    """Queue the digest of ``day`` for the coaches who chose one, each about their own scope.

    A coach's digest counts the requests of their scope that arrived the calendar day before
    ``day`` and those of their scope still waiting for a coach; a coach whose scope had none
    arrive gets no digest. Their own requests are left out, as with the mail at once. The dedupe
    key holds ``day``: a second run on the same day queues nothing.

    Returns:
        How many mails were queued.
    """
    start = datetime.combine(day - timedelta(days=1), time(0), TIMEZONE)
    end = datetime.combine(day, time(0), TIMEZONE)
    arrived = session.scalars(select(m.HelpRequest).where(
        m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.created_at >= start, m.HelpRequest.created_at < end,
    )).all()
    if not arrived:
        return 0
    waiting = session.scalars(select(m.HelpRequest).where(
        m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.status == m.HelpRequestStatus.NEW,
    )).all()
    counts = _per_coach(session, arrived, waiting)
    queued = 0
    for coach, (arrived_count, waiting_count) in counts.items():
        key = f"digest:{day.isoformat()}:{coach.id}"
        if not arrived_count or coach.coach_mail is not CoachMail.DAILY or mail.find_queued(session, organisation.id, key):
            continue
        queued += mail.enqueue(session, organisation, coach, "coach_digest",
                               {"arrived": arrived_count, "waiting": waiting_count}, dedupe_key=key, now=now) is not None
    return queued


def _per_coach(session: Session, arrived: list[m.HelpRequest],
               waiting: list[m.HelpRequest]) -> dict[m.Person, list[int]]:
    """Coach -> [arrived, waiting] of their scope, leaving out their own requests; ordered by coach id."""
    counts: dict[m.Person, list[int]] = {}
    for index, requests in enumerate((arrived, waiting)):
        for request in requests:
            for coach in coach_mail.scope_coaches(session, request):
                if coach.id != request.person_id:
                    counts.setdefault(coach, [0, 0])[index] += 1
    return dict(sorted(counts.items(), key=lambda item: item[0].id))


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
