"""Privacy rights: what we hold about a person (subject access) and removing it (erasure).

Erasure and the retention job's pseudonymisation of people who left share one rule of what
stays: the accreditation ledger (``learning_hours``, ``accreditation_records``) and, when
that ledger has rows, the registration numbers it was reported under. Registries require
those records for five years; they stay on a person row that has lost its name, e-mail and
LMS account, so nobody can link them back to the person through Digitoets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, exists, func, select, update
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit, events, mail
from service.operations.subject_access import collect

#: the issuer of a pseudonymised person: an LMS launch can never match it
REMOVED_ISSUER = "urn:digitoets:removed"
#: ids beyond a 32-bit integer match no row (PostgreSQL would refuse to compare them: a 500)
ID_MAX = 2**31 - 1
#: how long after a leased statement's lease its voiding statement is sent (above the forwarder's lease)
AFTER_LEASE = timedelta(minutes=10)

@dataclass
class Removal:
    """What one erasure or pseudonymisation removed, by kind (for the audit log and reports)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, number: int) -> None:
        if number:
            self.counts[kind] = self.counts.get(kind, 0) + number


def export_own_data(session: Session, person_id: int, fmt: str, now: datetime) -> dict:
    """Everything stored about the signed-in person (GDPR art. 15), as plain data; audited.

    Raises:
        NotFoundError: when the person no longer exists or was erased.
    """
    person = session.get(m.Person, person_id)
    if person is None or person.pseudonymised_at is not None:
        raise NotFoundError(N_("We vinden je gegevens niet. Start Digitoets opnieuw vanuit je leeromgeving."))
    audit.record(session, person.organisation_id, person, audit.Action.PERSONAL_DATA_EXPORTED,
                 f"person:{person.id}", {"format": fmt})
    return collect(session, person, now)


def _claim(session: Session, person: m.Person, now: datetime) -> bool:
    """Take the person's identity away, once: a conditional UPDATE, so two runs never both do it."""
    done = session.execute(
        update(m.Person)
        .where(m.Person.id == person.id, m.Person.pseudonymised_at.is_(None))
        .values(pseudonymised_at=now, name=None, email=None, locale=None, team_id=None, issuer=REMOVED_ISSUER,
                subject=f"removed-{uuid.uuid4()}", pseudonym=uuid.uuid4())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(person)
    return done == 1


def pseudonymise(session: Session, person: m.Person, now: datetime) -> Removal | None:
    """Remove who a person is, their item answers and free texts; keep results and the ledger.

    Used for people who left. Returns None when another run (or an erasure) got there first.
    """
    email = person.email
    if not _claim(session, person, now):
        return None
    removal = Removal()
    if email:  # mails to them that wait never go; sent ones lose the address
        removal.add("mails", mail.forget_recipient(session, person.organisation_id, email))
    attempts = select(m.Attempt.id).where(m.Attempt.person_id == person.id)
    removal.add("answers", session.execute(delete(m.Response).where(m.Response.attempt_id.in_(attempts))).rowcount)
    removal.add("roles", session.execute(delete(m.PersonRole).where(m.PersonRole.person_id == person.id)).rowcount)
    removal.add("memberships", session.execute(
        delete(m.CourseMembership).where(m.CourseMembership.person_id == person.id)).rowcount)
    removal.add("help_texts", session.execute(
        update(m.HelpRequest).where(m.HelpRequest.person_id == person.id)
        .values(message=None, resolution_note=None)).rowcount)
    removal.add("coaching_notes", session.execute(
        update(m.CoachingSession).where(m.CoachingSession.person_id == person.id, m.CoachingSession.notes.is_not(None))
        .values(notes=None)).rowcount)
    # coaches' notes of sessions the person attended: the one change a session version allows
    attended = select(m.CoachingAttendance.version_id).where(m.CoachingAttendance.person_id == person.id)
    removal.add("coaching_notes", session.execute(
        update(m.CoachingSessionVersion).where(m.CoachingSessionVersion.id.in_(attended),
                                               m.CoachingSessionVersion.note.is_not(None))
        .values(note=None)).rowcount)
    _drop_unneeded_registration_numbers(session, person, removal)
    session.flush()
    return removal


def _drop_unneeded_registration_numbers(session: Session, person: m.Person, removal: Removal) -> None:
    has_ledger = session.scalar(select(exists().where(m.AccreditationRecord.person_id == person.id)))
    if not has_ledger:
        removal.add("registration_numbers", session.execute(
            delete(m.RegistrationNumber).where(m.RegistrationNumber.person_id == person.id)).rowcount)


def void_statements(session: Session, organisation_id: int, pseudonym: str, email: str | None,
                    now: datetime) -> tuple[int, int]:
    """Void in the LRS, through the outbox, every statement we sent about a person.

    A statement is "about" the person when their pseudonym (or e-mail) appears in it: as actor,
    or in its context. Each delivered one gets one voiding statement with a deterministic id
    (``void:<statement id>``), so erasing twice queues nothing new. Statements not delivered
    yet and not leased are taken out of the outbox instead, so they never leave. Voiding
    statements are never voided themselves (the LRS refuses that).

    Returns:
        (voiding statements queued, undelivered statements removed).
    """
    mentions = cast(m.OutboxItem.payload, String).contains(pseudonym)
    if email:
        mentions = mentions | cast(m.OutboxItem.payload, String).contains(email)
    rows = session.scalars(select(m.OutboxItem).where(
        m.OutboxItem.organisation_id == organisation_id, m.OutboxItem.kind == m.OutboxKind.XAPI, mentions,
    ).order_by(m.OutboxItem.id)).all()
    builder = events.builder(session)
    voids, dropped, later = [], [], {}
    for row in rows:
        if row.payload.get("verb", {}).get("id", "").endswith("/voided"):
            continue
        if row.status is m.OutboxStatus.PENDING and row.next_attempt_at > now:
            # Leased by a running forwarder (or waiting after a failure): it may be on its way
            # to the LRS right now, so it stays, and its voiding statement waits until after
            # the original's next try.
            voids.append(builder.voided(row.dedupe_key, now))
            later[voids[-1]["id"]] = row.next_attempt_at + AFTER_LEASE
        elif row.status is m.OutboxStatus.DELIVERED:
            voids.append(builder.voided(row.dedupe_key, now))
        else:
            dropped.append(row.id)
    if dropped:
        session.execute(delete(m.OutboxItem).where(m.OutboxItem.id.in_(dropped)))
    queued = events.enqueue(session, organisation_id, voids) if voids else 0
    for statement_id, when in later.items():
        session.execute(update(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.XAPI,
                                                   m.OutboxItem.dedupe_key == statement_id)
                        .values(next_attempt_at=when))
    return queued, len(dropped)


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing a person would remove and what stays, for the confirmation page."""

    person: m.Person
    attempts: int
    help_requests: int
    ledger_rows: int


def erasure_preview(session: Session, organisation: m.Organisation, person_id: int, viewer: m.Person | None,
                    purpose: str = "erase_confirmation") -> ErasurePreview:
    """The person an admin is about to erase, with counts (no answers or results); the view is audited.

    Raises:
        NotFoundError: when the person is not one of the organisation's, or is erased already.
    """
    person = session.get(m.Person, person_id) if 0 < person_id <= ID_MAX else None
    if person is None or person.organisation_id != organisation.id or person.pseudonymised_at is not None:
        raise NotFoundError(N_("Deze persoon hoort niet bij je organisatie of is al gewist."))

    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.person_id == person.id)) or 0

    audit.record(session, organisation, viewer, audit.Action.PERSON_VIEWED, f"person:{person.id}", purpose)
    return ErasurePreview(person, count(m.Attempt), count(m.HelpRequest),
                          count(m.LearningHours) + count(m.AccreditationRecord))


def erase_person(session: Session, organisation: m.Organisation, person_id: int, actor: m.Person | None,
                 now: datetime) -> Removal:
    """Erase a person of the organisation at their request (GDPR art. 17); audited.

    Removes their identity, attempts with answers and levels, help requests, coaching they
    received, course memberships, roles and functions, and the link to their HR record, and
    voids their xAPI statements.
    The accreditation ledger stays (see the module docstring).

    Raises:
        NotFoundError: when the person is not one of the organisation's, or is erased already.
        InvalidInputError: when admins try to erase themselves (they would lock themselves out).
    """
    person = session.get(m.Person, person_id) if 0 < person_id <= ID_MAX else None
    if person is None or person.organisation_id != organisation.id or person.pseudonymised_at is not None:
        raise NotFoundError(N_("Deze persoon hoort niet bij je organisatie of is al gewist."))
    if actor is not None and actor.id == person.id:
        raise InvalidInputError(N_("Je kunt je eigen gegevens hier niet wissen. Vraag een andere beheerder."),
                                {"person": ["zelf"]})
    pseudonym, email = str(person.pseudonym), person.email
    removal = pseudonymise(session, person, now)
    if removal is None:  # a concurrent erasure or retention run claimed the person first
        raise NotFoundError(N_("Deze persoon hoort niet bij je organisatie of is al gewist."))
    queued, dropped = void_statements(session, organisation.id, pseudonym, email, now)
    removal.add("statements_voided", queued)
    removal.add("statements_unsent", dropped)
    removal.add("coaching_sessions", session.execute(
        delete(m.CoachingSession).where(m.CoachingSession.person_id == person.id)).rowcount)
    removal.add("help_requests", session.execute(
        delete(m.HelpRequest).where(m.HelpRequest.person_id == person.id)).rowcount)
    removal.add("current_levels", session.execute(
        delete(m.CurrentSkillLevel).where(m.CurrentSkillLevel.person_id == person.id)).rowcount)
    removal.add("attempts", session.execute(delete(m.Attempt).where(m.Attempt.person_id == person.id)).rowcount)
    removal.add("functions", session.execute(
        delete(m.FunctionAssignment).where(m.FunctionAssignment.person_id == person.id)).rowcount)
    # the HR record is the organisation's (its next import sends it again), but its link would say
    # whose accreditation ledger and exemptions these are: it goes, and a new launch links anew
    removal.add("hr_links", session.execute(
        update(m.HrRecord).where(m.HrRecord.person_id == person.id).values(person_id=None, matched_at=None)).rowcount)
    audit.record(session, organisation, actor, audit.Action.PERSON_ERASED, f"person:{person.id}", removal.counts)
    session.expire(person)
    return removal
