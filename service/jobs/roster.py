"""Names and Role Provisioning: who is in each course, so HR sees who has not tested yet.

Runs as a background job (``digitoets lti sync-roster``, from a timer): it uses the
memberships URL stored at launch and a client-credentials token, never a browser session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lti.errors import ServiceError
from lti.registration import Registration
from lti.services import NrpsClient
from service import models as m
from service.db import Database, utcnow
from service.operations.registrations import to_registration
from service.operations.people import find_or_create_person, grant_role

logger = logging.getLogger(__name__)


@dataclass
class RosterReport:
    courses: int = 0
    members: int = 0
    new_people: int = 0
    failed_courses: int = 0


def sync_roster(database: Database, client_for: Callable[[Registration], NrpsClient],
                clock: Callable[[], datetime] = utcnow) -> RosterReport:
    """Pull the members of every course with a memberships URL, page by page; one transaction per course."""
    report = RosterReport()
    with database.begin() as session:
        courses = [
            (c.id, to_registration(c.registration))
            for c in session.scalars(
                select(m.LtiContext).join(m.LtiRegistration).where(
                    m.LtiContext.memberships_url.is_not(None),
                    m.LtiRegistration.status == m.RegistrationStatus.ACTIVE,
                )
            )
        ]
    for course_id, registration in courses:
        with database.begin() as session:
            url = session.get(m.LtiContext, course_id).memberships_url
        try:
            members = client_for(registration).members(url)
        except ServiceError as exc:
            report.failed_courses += 1
            logger.warning("Roster of course %s (registration %s) not read: %s", course_id, registration.id, exc)
            continue
        now = clock()
        with database.begin() as session:
            course = session.get(m.LtiContext, course_id)
            organisation = session.get(m.Organisation, registration.tenant_id)
            seen = set()
            for member in members:
                existing = session.scalar(select(m.Person.id).where(
                    m.Person.organisation_id == organisation.id, m.Person.issuer == registration.issuer,
                    m.Person.subject == member.user_id))
                person = find_or_create_person(session, organisation, registration.issuer, member.user_id, now,
                                               name=member.name, email=member.email)
                report.new_people += existing is None
                if any(r in ("Learner", "Student") or r.endswith(("#Learner", "#Student")) for r in member.roles):
                    grant_role(session, person, m.ToolRole.EMPLOYEE, granted_by="nrps")
                membership = session.scalar(select(m.CourseMembership).where(
                    m.CourseMembership.context_id == course.id, m.CourseMembership.person_id == person.id))
                if membership is None:
                    membership = m.CourseMembership(context_id=course.id, person_id=person.id)
                    session.add(membership)
                membership.roles, membership.status, membership.synced_at = list(member.roles), member.status, now
                seen.add(person.id)
            for membership in session.scalars(select(m.CourseMembership).where(m.CourseMembership.context_id == course.id)):
                if membership.person_id not in seen:
                    membership.status = "Deleted"  # left the course since the last sync
            course.roster_synced_at = now
        report.courses += 1
        report.members += len(members)
    return report
