"""People, their roles and their function: who is taking the test, measured against what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import ConflictError, NotFoundError
from service.i18n_markers import N_


def find_or_create_person(
    session: Session,
    organisation: m.Organisation,
    issuer: str,
    subject: str,
    now: datetime,
    name: str | None = None,
    email: str | None = None,
) -> m.Person:
    """The person (organisation, issuer, subject), created on first sight.

    Name and e-mail are stored only when the organisation's privacy settings allow it; when
    they don't, any stored earlier are cleared.
    """
    person = session.scalar(
        select(m.Person).where(
            m.Person.organisation_id == organisation.id, m.Person.issuer == issuer, m.Person.subject == subject
        )
    )
    if person is None:
        person = m.Person(organisation=organisation, issuer=issuer, subject=subject)
        session.add(person)
    keep = organisation.store_personal_data
    person.name = name if keep else None
    person.email = email if keep else None
    person.last_seen_at = now
    session.flush()
    return person


def grant_role(session: Session, person: m.Person, role: m.ToolRole, granted_by: str = "lti") -> None:
    if not person.has_role(role):
        person.roles.append(m.PersonRole(role=role, granted_by=granted_by))
        session.flush()


def current_assignment(person: m.Person, now: datetime) -> m.FunctionAssignment | None:
    """The function assignment in force at ``now``: the latest that has not ended."""
    open_ones = [
        a for a in person.function_assignments if a.valid_from <= now and (a.valid_until is None or a.valid_until > now)
    ]
    return max(open_ones, key=lambda a: (a.valid_from, a.id or 0), default=None)


def get_profile(session: Session, code: str) -> m.FunctionProfile:
    """Raises NotFoundError when no active function profile has this code."""
    profile = session.scalar(select(m.FunctionProfile).where(m.FunctionProfile.code == code, m.FunctionProfile.active))
    if profile is None:
        raise NotFoundError(N_("Deze functie kennen we niet: %(code)s"), code=code)
    return profile


def assign_function(
    session: Session, person: m.Person, profile: m.FunctionProfile, source: m.AssignmentSource, now: datetime
) -> m.FunctionAssignment:
    """Give the person a function from ``source``.

    A self-chosen function is only set when none is known yet: the employee chooses once.
    LTI and HR import override whatever is current. The same function again changes nothing.

    Raises:
        ConflictError: when a person who already has a function tries to choose one.
    """
    current = current_assignment(person, now)
    if current is not None and current.function_profile_id == profile.id:
        return current
    if source is m.AssignmentSource.SELF_CHOSEN and current is not None:
        raise ConflictError(N_("Je functie is al bekend. Klopt die niet? Vraag je leidinggevende of HR om die aan te passen."))
    if current is not None:
        current.valid_until = now
    assignment = m.FunctionAssignment(profile=profile, source=source, valid_from=now)
    person.function_assignments.append(assignment)
    session.flush()
    return assignment


def active_profiles(session: Session) -> list[m.FunctionProfile]:
    return list(session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active).order_by(m.FunctionProfile.name)))
