"""The audit log: who looked at or exported personal data, and who changed roles and settings.

One small API for every feature (the HR, coach and accreditation pages use it too):
``record(session, organisation, actor, Action.X, subject, details)`` in the same transaction
as the action itself, so an action without its audit row cannot be committed. The log is
append-only: this module has no update or delete, and on PostgreSQL a trigger refuses both
(migration 0004). Rows hold ids and short facts, never answers or names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.i18n_markers import N_

DETAIL_LENGTH = 500


class Action(enum.StrEnum):
    """What happened. The value is stored; ``LABELS`` holds the Dutch text people read."""

    COURSE_OVERVIEW_VIEWED = "course_overview.view"
    PERSONAL_DATA_EXPORTED = "personal_data.export"
    PERSON_VIEWED = "person.view"
    PEOPLE_ROLES_VIEWED = "people.roles.view"
    PERSON_ERASED = "person.erase"
    PERSON_PSEUDONYMISED = "person.pseudonymise"
    ROLES_CHANGED = "roles.change"
    REGISTRATION_ADDED = "registration.add"
    REGISTRATION_STATUS_CHANGED = "registration.status"
    REGISTRATION_RENAMED = "registration.rename"
    REGISTRATION_LINK_CREATED = "registration_link.create"
    REGISTRATION_LINK_REVOKED = "registration_link.revoke"
    PRIVACY_SETTINGS_CHANGED = "settings.privacy"
    LRS_SETTINGS_CHANGED = "settings.lrs"
    HR_IMPORT_APPLIED = "hr.import"
    HELP_REQUEST_VIEWED = "help_request.view"
    HELP_REQUEST_CHANGED = "help_request.change"
    COACHING_SESSION_CHANGED = "coaching_session.change"
    COACH_SCOPE_CHANGED = "coach_scope.change"
    PERSON_STATUSES_VIEWED = "hr.person_statuses.view"
    EXEMPTION_GRANTED = "hr.exemption.grant"
    ACCREDITATION_EXPORTED = "accreditation.export"
    ACCREDITATION_REMINDER_SENT = "accreditation.reminder"
    ACCREDITATION_NUMBERS_VIEWED = "accreditation.numbers.view"
    ACCREDITATION_DELIVERED = "accreditation.deliver"
    CERTIFICATE_DOWNLOADED = "accreditation.certificate"
    PE_ONLINE_ACCOUNT_CHANGED = "accreditation.account"
    HR_EXPORTED = "hr.export"
    HR_TARGET_SET = "hr.target.set"
    HR_CAMPAIGN_CHANGED = "hr.campaign.change"
    HR_REMINDER_SENT = "hr.campaign.remind"


LABELS: dict[Action, str] = {
    Action.COURSE_OVERVIEW_VIEWED: N_("Cursusoverzicht met resultaten bekeken"),
    Action.PERSONAL_DATA_EXPORTED: N_("Eigen gegevens gedownload"),
    Action.PERSON_VIEWED: N_("Gegevens van een persoon bekeken"),
    Action.PEOPLE_ROLES_VIEWED: N_("Lijst van personen en hun rollen bekeken"),
    Action.PERSON_ERASED: N_("Gegevens van een persoon gewist"),
    Action.PERSON_PSEUDONYMISED: N_("Naam weggehaald: lang niet gebruikt"),
    Action.ROLES_CHANGED: N_("Rollen veranderd"),
    Action.REGISTRATION_ADDED: N_("Leeromgeving gekoppeld"),
    Action.REGISTRATION_STATUS_CHANGED: N_("Koppeling aan- of uitgezet"),
    Action.REGISTRATION_RENAMED: N_("Koppeling een andere naam gegeven"),
    Action.REGISTRATION_LINK_CREATED: N_("Registratieadres gemaakt"),
    Action.REGISTRATION_LINK_REVOKED: N_("Registratieadres ingetrokken"),
    Action.PRIVACY_SETTINGS_CHANGED: N_("Privacy-instellingen veranderd"),
    Action.LRS_SETTINGS_CHANGED: N_("LRS-instellingen veranderd"),
    Action.HR_IMPORT_APPLIED: N_("HR-bestand ingelezen"),
    Action.HELP_REQUEST_VIEWED: N_("Hulpvraag bekeken door een digicoach"),
    Action.HELP_REQUEST_CHANGED: N_("Status van een hulpvraag veranderd"),
    Action.COACHING_SESSION_CHANGED: N_("Coachgesprek vastgelegd of veranderd"),
    Action.COACH_SCOPE_CHANGED: N_("Werkgebied van een digicoach veranderd"),
    Action.PERSON_STATUSES_VIEWED: N_("Stand per medewerker bekeken of gedownload"),
    Action.EXEMPTION_GRANTED: N_("Vrijstelling gegeven"),
    Action.ACCREDITATION_EXPORTED: N_("Accreditatiepunten geëxporteerd"),
    Action.ACCREDITATION_REMINDER_SENT: N_("Herinnering gestuurd: registratienummer invullen"),
    Action.ACCREDITATION_NUMBERS_VIEWED: N_("Registratienummers bekeken"),
    Action.ACCREDITATION_DELIVERED: N_("Accreditatiepunten naar PE-online gestuurd"),
    Action.CERTIFICATE_DOWNLOADED: N_("Certificaten gedownload"),
    Action.PE_ONLINE_ACCOUNT_CHANGED: N_("PE-online-account veranderd"),
    Action.HR_EXPORTED: N_("HR-overzicht gedownload"),
    Action.HR_TARGET_SET: N_("HR-doel vastgelegd"),
    Action.HR_CAMPAIGN_CHANGED: N_("Toetsoproep gemaakt of veranderd"),
    Action.HR_REMINDER_SENT: N_("Herinnering voor een toetsoproep verstuurd"),
}


def label(action: str) -> str:
    """The Dutch label of a stored action code (the code itself for an unknown one)."""
    try:
        return LABELS[Action(action)]
    except ValueError:
        return action


def _text(details: str | dict | None) -> str | None:
    if details is None:
        return None
    if isinstance(details, dict):
        details = ", ".join(f"{key}={value}" for key, value in details.items())
    return details[:DETAIL_LENGTH] or None


def record(session: Session, organisation: m.Organisation | int, actor: m.Person | int | None, action: Action,
           subject: str, details: str | dict | None = None, at: datetime | None = None) -> m.AuditEvent:
    """Write one audit row in the caller's transaction.

    Args:
        organisation: The organisation whose data was touched (the log is read per organisation).
        actor: Who did it; None for the system itself (a job, a command).
        action: What happened.
        subject: What it happened to, as ids: ``person:12``, ``registration:3``, ``organisation:1``.
        details: Short facts without personal data (``{"roles": "coach,hr"}``), at most 500 characters.
        at: When it happened, if not now (a job reporting work done at a known moment).
    """
    event = m.AuditEvent(
        organisation_id=organisation if isinstance(organisation, int) else organisation.id,
        actor_id=actor if actor is None or isinstance(actor, int) else actor.id,
        action=Action(action).value, subject=subject[:255], detail=_text(details),
        **({"at": at} if at is not None else {}),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditPage:
    events: list[m.AuditEvent]
    actors: dict[int, m.Person]  # actor id -> person, for the rows on this page
    page: int
    pages: int
    total: int


def events(session: Session, organisation: m.Organisation, *, action: Action | None = None,
           since: datetime | None = None, until: datetime | None = None, page: int = 1,
           per_page: int = 50) -> AuditPage:
    """The organisation's audit rows, newest first, optionally for one action and a period.

    ``until`` is exclusive. Rows of other organisations are never returned.
    """
    query = select(m.AuditEvent).where(m.AuditEvent.organisation_id == organisation.id)
    if action is not None:
        query = query.where(m.AuditEvent.action == Action(action).value)
    if since is not None:
        query = query.where(m.AuditEvent.at >= since)
    if until is not None:
        query = query.where(m.AuditEvent.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(session.scalars(query.order_by(m.AuditEvent.at.desc(), m.AuditEvent.id.desc())
                                .limit(per_page).offset((page - 1) * per_page)))
    actor_ids = {r.actor_id for r in rows if r.actor_id is not None}
    actors = {p.id: p for p in session.scalars(select(m.Person).where(m.Person.id.in_(actor_ids)))} if actor_ids else {}
    return AuditPage(rows, actors, page, pages, total)
