"""The digicoach flow's mails, through the outbox (``service.operations.mail``).

Planned moment -> the employee, with an .ics; resolved -> the employee, inviting a retake;
pick-up target passed -> the coaches of the request's scope. No levels, no names of others,
a link into the tool. A moved moment keeps the .ics uid and gets a higher sequence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import models as m
from mappings import coaching as rules
from service.operations import calendar_invite, coaching, mail

#: a planned moment lasts this long in the calendar (the coach can say otherwise in person)
MOMENT_LENGTH = timedelta(minutes=45)
LOCAL = ZoneInfo("Europe/Amsterdam")


def _local(value: datetime) -> str:
    return value.astimezone(LOCAL).strftime("%d-%m-%Y %H:%M")


def moment_planned(session: Session, request: m.HelpRequest, now: datetime) -> None:
    """Mail the employee the planned moment with an .ics (nothing when they have no e-mail address)."""
    invite = calendar_invite.moment_ics(
        f"help-request-{request.uuid}@digitoets", request.planned_at, request.planned_at + MOMENT_LENGTH,
        "Afspraak met een digicoach", location=request.place, sequence=int(now.timestamp()), stamp=now,
    )
    mail.enqueue(session, request.person.organisation, request.person, "moment_planned",
                 {"starts": _local(request.planned_at), "place": request.place}, [invite],
                 dedupe_key=f"moment:{request.uuid}:{request.planned_at.isoformat()}", now=now)


def help_resolved(session: Session, request: m.HelpRequest, now: datetime) -> None:
    """Mail the employee that the coaching is done, with the invitation to take the test again."""
    mail.enqueue(session, request.person.organisation, request.person, "help_resolved", {},
                 dedupe_key=f"resolved:{request.uuid}", now=now)


def scope_coaches(session: Session, request: m.HelpRequest) -> list[m.Person]:
    """The coaches whose scope holds the request's employee (by team or location), by id.

    Only people who still have the coach role; the coordinator hears through their own scope,
    if they have one. Used for every mail to coaches about a request (arrived, digest, overdue).
    """
    location_id = coaching.person_location_id(session, request.person)
    query = (
        select(m.Person).join(m.CoachScope, m.CoachScope.person_id == m.Person.id)
        .join(m.PersonRole, (m.PersonRole.person_id == m.Person.id) & (m.PersonRole.role == m.ToolRole.COACH))
        .where(m.CoachScope.organisation_id == request.organisation_id,
               (m.CoachScope.team_id == request.person.team_id) | (m.CoachScope.location_id == location_id))
        .order_by(m.Person.id)
    )
    return list(dict.fromkeys(session.scalars(query)))


def remind_overdue(session: Session, organisation: m.Organisation, now: datetime) -> int:
    """Remind the scope's coaches of every request past the pick-up target, once; returns how many requests."""
    reminded = 0
    for request in overdue_to_remind(session, organisation, now):
        if not mark_reminded(session, request, now):
            continue  # another worker got it
        for coach in scope_coaches(session, request):
            mail.enqueue(session, organisation, coach, "pickup_overdue", {"days": organisation.pickup_days},
                         dedupe_key=f"overdue:{request.uuid}:{coach.id}", now=now)
        reminded += 1
    return reminded


def overdue_to_remind(session: Session, organisation: m.Organisation, now: datetime) -> list[m.HelpRequest]:
    """New requests of the organisation past the pick-up target that nobody was reminded of yet."""
    candidates = session.query(m.HelpRequest).filter(
        m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.status == m.HelpRequestStatus.NEW,
        m.HelpRequest.reminded_at.is_(None)).all()
    return [r for r in candidates if rules.is_overdue(r.created_at, organisation.pickup_days, now)]


def mark_reminded(session: Session, request: m.HelpRequest, now: datetime) -> bool:
    """Claim the reminder of one request (once, also with two workers); True when this call got it."""
    result = session.execute(update(m.HelpRequest).where(
        m.HelpRequest.id == request.id, m.HelpRequest.reminded_at.is_(None)).values(reminded_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1

