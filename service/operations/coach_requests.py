"""What a digicoach (or the coach coordinator) does with a help request: the status changes.

nieuw -> opgepakt -> gepland -> afgerond, or gesloten with a reason; unclaim, hand over, assign.
Each change is one conditional UPDATE on the status (and coach) the caller saw, so two coaches
acting at once cannot both win: the loser gets a ConflictError naming who did. Every change
writes an audit row and the xAPI statements the profile defines, in the caller's transaction.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from service import models as m
from service.errors import ConflictError, ForbiddenError, InvalidInputError
from service.i18n_markers import N_
from service.operations import audit, coach_mail, coaching, events

S = m.HelpRequestStatus
NOTE_MAX = 1000
ONLINE_LINK = re.compile(r"^https://[^\s/]+\.[^\s]+$")


def _change(session: Session, actor: m.Person, request: m.HelpRequest, expected: dict, values: dict,
            now: datetime) -> None:
    """Apply ``values`` only if the row still holds ``expected``; else say who got there first."""
    before = request.status
    result = session.execute(
        update(m.HelpRequest)
        .where(m.HelpRequest.id == request.id, *(getattr(m.HelpRequest, k) == v if v is not None
                                                  else getattr(m.HelpRequest, k).is_(None) for k, v in expected.items()))
        .values(**values).execution_options(synchronize_session=False)
    )
    session.refresh(request)
    if result.rowcount != 1:
        if request.status is S.CANCELLED:
            raise ConflictError(N_("De medewerker heeft deze hulpvraag net ingetrokken."))
        if request.coach is not None and request.coach_id != actor.id:
            raise ConflictError(N_("Deze hulpvraag is al opgepakt door %(name)s."),
                                name=coaching.employee_label(request.coach))
        raise ConflictError(N_("Deze hulpvraag is intussen veranderd. Kijk opnieuw."))
    audit.record(session, request.organisation_id, actor, audit.Action.HELP_REQUEST_CHANGED, f"help_request:{request.id}",
                 {"from": before.value, "to": request.status.value,
                  **({"coach": request.coach_id} if request.coach_id else {})}, at=now)


def _mine(session: Session, coach: m.Person, request_id: int, now: datetime) -> m.HelpRequest:
    """A request of the coach's scope that this coach holds (the coordinator may act on any)."""
    request = coaching.visible_request(session, coach, request_id, now).request
    if request.status not in coaching.OPEN:
        raise ConflictError(N_("Deze hulpvraag is al afgesloten."))
    if request.coach_id != coach.id and not coach.has_role(m.ToolRole.COACH_COORDINATOR):
        raise ForbiddenError(N_("Alleen de digicoach die deze hulpvraag heeft opgepakt kan dit doen."))
    return request


def claim(session: Session, coach: m.Person, request_id: int, now: datetime) -> m.HelpRequest:
    """The coach picks up a new request; a second coach at the same moment gets who won."""
    request = coaching.visible_request(session, coach, request_id, now).request
    _change(session, coach, request, {"status": S.NEW, "coach_id": None},
            {"status": S.CLAIMED, "coach_id": coach.id, "claimed_at": now}, now)
    events.help_claimed(session, request, coach, now)
    return request


def unclaim(session: Session, coach: m.Person, request_id: int, now: datetime) -> m.HelpRequest:
    """Put the request back in the queue as new (the planned moment is dropped)."""
    request = _mine(session, coach, request_id, now)
    _change(session, coach, request, {"status": request.status, "coach_id": request.coach_id},
            {"status": S.NEW, "coach_id": None, "claimed_at": None, "planned_at": None, "place_kind": None,
             "place": None}, now)
    return request


def _target_coach(session: Session, actor: m.Person, coach_id: int) -> m.Person:
    target = session.get(m.Person, coach_id)
    if target is None or target.organisation_id != actor.organisation_id or not target.has_role(m.ToolRole.COACH):
        raise InvalidInputError(N_("Kies een digicoach van je eigen organisatie."), {"coach": ["onbekende digicoach"]})
    return target


def hand_over(session: Session, coach: m.Person, request_id: int, to_coach_id: int, now: datetime) -> m.HelpRequest:
    """Give a claimed request to another coach of the organisation (it keeps its status and plan)."""
    request = _mine(session, coach, request_id, now)
    target = _target_coach(session, coach, to_coach_id)
    if request.status is S.NEW:
        raise ConflictError(N_("Pak de hulpvraag eerst op voordat je hem overdraagt."))
    if target.id == request.coach_id:
        raise InvalidInputError(N_("Deze digicoach heeft de hulpvraag al."), {"coach": ["dezelfde digicoach"]})
    _change(session, coach, request, {"status": request.status, "coach_id": request.coach_id},
            {"coach_id": target.id, "claimed_at": now}, now)
    events.help_claimed(session, request, target, now)
    return request


def assign(session: Session, coordinator: m.Person, request_id: int, coach_id: int, now: datetime) -> m.HelpRequest:
    """The coach coordinator gives a request to a coach (a new one becomes claimed by that coach)."""
    if not coordinator.has_role(m.ToolRole.COACH_COORDINATOR):
        raise ForbiddenError(N_("Alleen de coördinator van de digicoaches kan hulpvragen toewijzen."))
    request = coaching.visible_request(session, coordinator, request_id, now).request
    if request.status not in coaching.OPEN:
        raise ConflictError(N_("Deze hulpvraag is al afgesloten."))
    target = _target_coach(session, coordinator, coach_id)
    status = S.CLAIMED if request.status is S.NEW else request.status
    _change(session, coordinator, request, {"status": request.status, "coach_id": request.coach_id},
            {"status": status, "coach_id": target.id, "claimed_at": now}, now)
    events.help_claimed(session, request, target, now)
    return request


def plan(session: Session, coach: m.Person, request_id: int, when: datetime | None, place_kind: str, place: str,
         now: datetime) -> m.HelpRequest:
    """Plan a moment with the employee: when, and where (on the ward, the spreekuur, an online link).

    Raises:
        InvalidInputError: a moment in the past, an unknown kind of place, no place, or an online
            place that is not an https link.
    """
    errors = {}
    if when is None:
        errors["when"] = [N_("Vul een datum en tijd in.")]
    elif when <= now:
        errors["when"] = [N_("Kies een moment in de toekomst.")]
    try:
        kind = m.PlaceKind(place_kind)
    except ValueError:
        kind = None
        errors["place_kind"] = [N_("Kies waar jullie afspreken.")]
    place = (place or "").strip()
    if not place:
        errors["place"] = [N_("Vul de plek of de link in.")]
    elif len(place) > 500:
        errors["place"] = [N_("De plek is te lang.")]
    elif kind is m.PlaceKind.ONLINE and not ONLINE_LINK.match(place):
        errors["place"] = [N_("Vul een link in die begint met https://.")]
    if errors:
        raise InvalidInputError(N_("De afspraak is niet opgeslagen. Kijk wat er niet klopt."), errors)
    request = _mine(session, coach, request_id, now)
    if request.status is S.NEW:
        raise ConflictError(N_("Pak de hulpvraag eerst op voordat je een afspraak plant."))
    _change(session, coach, request, {"status": request.status, "coach_id": request.coach_id},
            {"status": S.PLANNED, "planned_at": when, "place_kind": kind, "place": place}, now)
    coach_mail.moment_planned(session, request, now)
    return request


def _note(note: str | None, required: bool) -> str | None:
    text = (note or "").strip()
    if required and not text:
        raise InvalidInputError(N_("Schrijf kort op wat er aan de hand is."), {"note": ["leeg"]})
    if len(text) > NOTE_MAX:
        raise InvalidInputError(N_("De notitie is te lang: %(n)s tekens. Er passen er %(max)s in."),
                                {"note": ["te lang"]}, n=len(text), max=NOTE_MAX)
    return text or None


def resolve(session: Session, coach: m.Person, request_id: int, now: datetime, note: str | None = None) -> m.HelpRequest:
    """The coaching is done: the employee is invited to take the test again."""
    text = _note(note, required=False)
    request = _mine(session, coach, request_id, now)
    if request.status is S.NEW:
        raise ConflictError(N_("Pak de hulpvraag eerst op."))
    _change(session, coach, request, {"status": request.status, "coach_id": request.coach_id},
            {"status": S.RESOLVED, "resolved_at": now, "resolution_note": text}, now)
    events.help_resolved(session, request, coach, now)
    coach_mail.help_resolved(session, request, now)
    return request


def close(session: Session, coach: m.Person, request_id: int, reason: str, now: datetime,
          note: str | None = None) -> m.HelpRequest:
    """Close without coaching, with a reason; "doorgezet naar ICT" needs a note on the problem."""
    try:
        why = m.CloseReason(reason)
    except ValueError:
        raise InvalidInputError(N_("Kies waarom je de hulpvraag sluit."), {"reason": ["onbekend"]}) from None
    text = _note(note, required=why is m.CloseReason.REFERRED_ICT)
    request = _mine(session, coach, request_id, now)
    _change(session, coach, request, {"status": request.status, "coach_id": request.coach_id},
            {"status": S.CLOSED, "close_reason": why, "resolved_at": now, "resolution_note": text,
             "coach_id": request.coach_id or coach.id}, now)
    return request

