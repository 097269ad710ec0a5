"""Help requests: asked by the employee on the result page or, when the organisation chose so, automatic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mappings import requirements as req
from service import models as m
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import help_request_mail
from service.operations import audit, domain, events

OPEN_STATUSES = (m.HelpRequestStatus.NEW, m.HelpRequestStatus.CLAIMED, m.HelpRequestStatus.PLANNED)
#: the most a help text may hold (the form counts down to it; longer is refused, never cut)
MESSAGE_MAX = 500
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{8,18}[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Contact:
    """How the employee wants to be contacted, and whether the coach may see which questions went wrong."""

    method: str = m.ContactMethod.IN_PERSON.value
    detail: str = ""
    share_items: bool = False


def validated_contact(contact: Contact) -> tuple[m.ContactMethod, str | None]:
    """The contact method and its number or address, checked.

    Raises:
        InvalidInputError: an unknown method, or a phone number or address that is missing or wrong.
    """
    try:
        method = m.ContactMethod(contact.method)
    except ValueError:
        raise InvalidInputError(N_("Kies hoe de digicoach contact met je opneemt."), {"contact": ["onbekend"]}) from None
    detail = (contact.detail or "").strip()
    if method is m.ContactMethod.PHONE and not PHONE.match(detail):
        raise InvalidInputError(N_("Vul je telefoonnummer in, bijvoorbeeld 06 12345678."), {"contact_detail": ["telefoon"]})
    if method in (m.ContactMethod.EMAIL, m.ContactMethod.TEAMS) and (len(detail) > 320 or not EMAIL.match(detail)):
        raise InvalidInputError(N_("Vul je e-mailadres in, bijvoorbeeld naam@zorg.nl."), {"contact_detail": ["e-mail"]})
    return method, (detail if method is not m.ContactMethod.IN_PERSON else None)


def open_request(session: Session, person: m.Person, skill: m.Skill) -> m.HelpRequest | None:
    return session.scalar(
        select(m.HelpRequest).where(
            m.HelpRequest.person_id == person.id,
            m.HelpRequest.skill_id == skill.id,
            m.HelpRequest.status.in_(OPEN_STATUSES),
        )
    )


def request_help(
    session: Session,
    person: m.Person,
    attempt: m.Attempt,
    skill_code: str,
    consent_text: str,
    now: datetime,
    message: str | None = None,
    contact: Contact | None = None,
) -> tuple[m.HelpRequest, bool]:
    """Create a help request (status new) for a skill the attempt showed below the level asked.

    Asking again for the same skill while a request is open gives the open request back.

    Returns:
        (request, created)

    Raises:
        ConflictError: when the attempt is not scored yet.
        InvalidInputError: when the skill was not below the level in this attempt, or no consent.
    """
    if attempt.status not in (m.AttemptStatus.SCORED, m.AttemptStatus.EXPIRED):
        raise ConflictError(N_("Je kunt hulp vragen als je toets klaar is."))
    if not consent_text:
        raise InvalidInputError(N_("Geef eerst toestemming."), {"consent": ["Zet een vinkje om toestemming te geven."]})
    observation = next((o for o in attempt.observations if o.skill.code == skill_code), None)
    if observation is None:
        raise InvalidInputError(N_("Deze vaardigheid zat niet in deze toets."), {"skill": [f"onbekend: {skill_code}"]})
    below = observation.required_level is not None and observation.level < observation.required_level
    low_without_requirement = observation.required_level is None and observation.level <= 1
    if not (below or low_without_requirement):
        raise InvalidInputError(
            N_("Voor deze vaardigheid heb je het niveau al gehaald."), {"skill": ["niveau gehaald"]}
        )
    method, detail = validated_contact(contact or Contact())
    existing = open_request(session, person, observation.skill)
    if existing is not None:
        return existing, False
    request = m.HelpRequest(
        organisation_id=person.organisation_id, person=person, skill=observation.skill, attempt_id=attempt.id,
        consent_at=now, consent_text=consent_text, message=(message or "").strip()[:MESSAGE_MAX] or None, created_at=now,
        contact_method=method, contact_detail=detail, share_items=bool(contact and contact.share_items),
    )
    session.add(request)
    session.flush()
    events.help_requested(session, request)
    return request, True


def request_help_for_skills(
    session: Session,
    person: m.Person,
    attempt: m.Attempt,
    skill_codes: list[str],
    consent_text: str,
    now: datetime,
    message: str | None = None,
    contact: Contact | None = None,
) -> list[m.HelpRequest]:
    """One help request for several skills of an attempt, with one consent and one help text.

    The data model keeps one row per skill (a coach picks up, plans and resolves each skill on
    its own, and the xAPI statement names one skill), so the rows share the consent moment,
    consent text and message and are made in the caller's one transaction: all or nothing.
    Skills that already have an open request keep it and get no second one.

    Returns:
        The requests made now (empty when every chosen skill already had one open).

    Raises:
        InvalidInputError: when no skill is chosen, the text is too long, or a skill may not be chosen.
    """
    codes = list(dict.fromkeys(c for c in skill_codes if c))
    if not codes:
        raise InvalidInputError(N_("Kies minstens één vaardigheid waarbij je hulp wilt."), {"skill": ["kies er een"]})
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        raise InvalidInputError(
            N_("Je bericht is te lang: %(n)s tekens. Er passen er %(max)s in."),
            {"message": [f"te lang: {len(text)} > {MESSAGE_MAX}"]}, n=len(text), max=MESSAGE_MAX,
        )
    validated_contact(contact or Contact())
    made = []
    for code in codes:  # every skill is checked before any row is flushed by the caller's commit
        request, created = request_help(session, person, attempt, code, consent_text, now, text, contact)
        if created:
            made.append(request)
    help_request_mail.requests_arrived(session, made, now)  # one mail per ask, to the coaches who want one at once
    return made


def create_automatic_requests(session: Session, attempt: m.Attempt, now: datetime) -> list[m.HelpRequest]:
    """Apply the help rules to a scored attempt (organisations with automatic help requests)."""
    statuses = [
        req.RequirementStatus(
            skill=o.skill.code, required=o.required_level, demonstrated=o.level,
            status=req.Status.NOT_MET if o.level < o.required_level else req.Status.MET,
            mandatory=True, expires_at=None,
        )
        for o in attempt.observations
        if o.required_level is not None
    ]
    demonstrated = {o.skill.code: o.level for o in attempt.observations}
    themes = {o.skill.code: o.skill.theme.code for o in attempt.observations}
    rules = {r.code: r for r in session.scalars(select(m.HelpRule).where(m.HelpRule.active))}
    created = []
    for skill_code, rule in req.help_candidates(statuses, demonstrated, domain.domain_help_rules(session), themes):
        skill = next(o.skill for o in attempt.observations if o.skill.code == skill_code)
        if open_request(session, attempt.person, skill) is not None:
            continue
        request = m.HelpRequest(
            organisation_id=attempt.organisation_id, person_id=attempt.person_id, skill=skill, attempt_id=attempt.id,
            help_rule_id=rules[rule.code].id, priority=rule.priority, created_at=now,
        )
        session.add(request)
        session.flush()
        events.help_requested(session, request)
        created.append(request)
    help_request_mail.requests_arrived(session, created, now)
    return created


#: the note on a request the employee closed because a later test showed the level
NO_LONGER_NEEDED = "Medewerker heeft geen hulp meer nodig: de vaardigheid is nu op niveau."


def own_request(session: Session, person: m.Person, request_id: int) -> m.HelpRequest:
    """The person's own help request; someone else's is as unknown as a missing one."""
    request = session.get(m.HelpRequest, request_id)
    if request is None or request.person_id != person.id:
        raise NotFoundError(N_("Deze hulpvraag bestaat niet."))
    return request


def cancel_help_request(
    session: Session, person: m.Person, request_id: int, now: datetime, note: str | None = None
) -> m.HelpRequest:
    """The employee withdraws a request that a coach has not resolved yet (``note`` says why)."""
    request = own_request(session, person, request_id)
    if request.status not in OPEN_STATUSES:
        raise ConflictError(N_("Deze hulpvraag is al afgerond."))
    # conditional: a coach acting at the same moment cannot bring a withdrawn request back
    done = session.execute(
        update(m.HelpRequest).where(m.HelpRequest.id == request.id, m.HelpRequest.status == request.status)
        .values(status=m.HelpRequestStatus.CANCELLED, resolved_at=now, resolution_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if done != 1:
        raise ConflictError(N_("Deze hulpvraag is net veranderd. Kijk opnieuw."))
    audit.record(session, request.organisation_id, person, audit.Action.HELP_REQUEST_CHANGED, f"help_request:{request.id}",
                 {"to": "cancelled", "by": "employee"}, at=now)
    return request
