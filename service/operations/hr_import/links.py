"""Linking HR records to LMS people, HR's function and team on the person, and the manager's teams.

A record links to a person by personnel number (sent by the LMS at launch) or, only where the
organisation stores personal data, by e-mail. Records that match nobody wait: the person's
first launch with the number (or e-mail) links them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.operations.people import assign_function, grant_role

logger = logging.getLogger(__name__)

#: ``PersonRole.granted_by`` of the manager role the HR data gives (and takes away)
GRANTED_BY_HR = "hr_import"


def find_person(session: Session, organisation: m.Organisation, record: m.HrRecord) -> m.Person | None:
    """The one LMS person this record stands for, or None (nobody, or more than one by e-mail)."""
    by_number = list(session.scalars(select(m.Person).where(
        m.Person.organisation_id == organisation.id, m.Person.personnel_number == record.personnel_number).limit(2)))
    if len(by_number) == 1:
        return by_number[0]
    if organisation.store_personal_data and record.email:
        by_mail = list(session.scalars(select(m.Person).where(
            m.Person.organisation_id == organisation.id, func.lower(m.Person.email) == record.email.lower()).limit(2)))
        if len(by_mail) == 1:
            return by_mail[0]
    return None


def link(session: Session, record: m.HrRecord, person: m.Person, now: datetime) -> None:
    """Link the record to the person (if no other person holds it) and give them HR's function and team."""
    if record.person_id not in (None, person.id):
        return
    taken = session.scalar(select(m.HrRecord).where(m.HrRecord.person_id == person.id, m.HrRecord.id != record.id))
    if taken is not None:
        logger.warning("HR record %s not linked: person %s already has record %s", record.id, person.id, taken.id)
        return
    if record.person_id is None:
        record.person_id = person.id
        record.matched_at = now
    apply_to_person(session, record, person, now)


def apply_to_person(session: Session, record: m.HrRecord, person: m.Person, now: datetime) -> None:
    """HR's function (source HR import: it outranks a self-chosen one) and team on the linked person."""
    if record.left_at is not None:
        return
    if record.function_profile_id is not None:
        profile = session.get(m.FunctionProfile, record.function_profile_id)
        assign_function(session, person, profile, m.AssignmentSource.HR_IMPORT, now)
    if record.team_id is not None:
        person.team_id = record.team_id
    sync_manager_role(session, person, record)
    session.flush()


def sync_manager_role(session: Session, person: m.Person, record: m.HrRecord, leads: bool | None = None) -> None:
    """Role ``manager`` while HR names this person as someone's manager; gone when it no longer does
    (only a manager role HR gave: one granted by an admin stays). ``leads`` when the caller knows."""
    if leads is None:
        leads = record.left_at is None and session.scalar(select(m.HrRecord.id).where(
            m.HrRecord.organisation_id == record.organisation_id, m.HrRecord.manager_number == record.personnel_number,
            m.HrRecord.left_at.is_(None)).limit(1)) is not None
    if leads:
        # HR data is the tool's own source, kept apart from the LMS's roles (which follow each launch)
        grant_role(session, person, m.ToolRole.MANAGER, granted_by=GRANTED_BY_HR, source=m.RoleSource.TOOL)
        return
    for role in list(person.roles):
        if role.role is m.ToolRole.MANAGER and role.granted_by == GRANTED_BY_HR:
            person.roles.remove(role)


#: ``match_at_launch(linked=...)``: not read yet
UNREAD = object()


def match_at_launch(session: Session, organisation: m.Organisation, person: m.Person,
                    personnel_number: str | None, now: datetime,
                    linked: m.HrRecord | None | object = UNREAD) -> m.HrRecord | None:
    """Called by every launch: remember the personnel number, and link a waiting HR record.

    A record already linked to this person gets its function and team applied again only when
    it was linked just now; later launches leave the person as the import made them.
    ``linked``: the record linked to the person, when the caller read it with the person
    (None: none is linked).
    """
    number = (personnel_number or "").strip()[:64]
    if number and not number.startswith("$") and person.personnel_number != number:
        person.personnel_number = number
    current = session.scalar(select(m.HrRecord).where(m.HrRecord.person_id == person.id)) \
        if linked is UNREAD else linked
    if current is not None:
        return current
    record = None
    if person.personnel_number:
        record = session.scalar(select(m.HrRecord).where(
            m.HrRecord.organisation_id == organisation.id, m.HrRecord.personnel_number == person.personnel_number,
            m.HrRecord.person_id.is_(None)))
    if record is None and organisation.store_personal_data and person.email:
        candidates = list(session.scalars(select(m.HrRecord).where(
            m.HrRecord.organisation_id == organisation.id, m.HrRecord.person_id.is_(None),
            func.lower(m.HrRecord.email) == person.email.lower()).limit(2)))
        record = candidates[0] if len(candidates) == 1 else None
    if record is None:
        return None
    link(session, record, person, now)
    return record


def managed_team_ids(session: Session, person: m.Person) -> set[int]:
    """The teams a manager may see: the teams of the current employees HR names them manager of."""
    record = session.scalar(select(m.HrRecord).where(m.HrRecord.person_id == person.id))
    number = record.personnel_number if record is not None else person.personnel_number
    if not number:
        return set()
    return set(session.scalars(select(m.HrRecord.team_id).where(
        m.HrRecord.organisation_id == person.organisation_id, m.HrRecord.manager_number == number,
        m.HrRecord.left_at.is_(None), m.HrRecord.team_id.is_not(None)).distinct()))
