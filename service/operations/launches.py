"""What a validated LTI launch means for our data: the person, their roles and function, the course and placement."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lti.claims import LaunchContext, tool_roles
from service import models as m
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.operations.hr_import.links import match_at_launch
from service.operations.people import assign_function, find_or_create_person, sync_lms_roles

logger = logging.getLogger(__name__)

#: custom parameter that binds a placement to a digi-toets (set by deep linking or by hand)
TEST_PARAMETER = "digitoets_test"


@dataclass(frozen=True)
class LaunchOutcome:
    person_id: int
    test_code: str | None
    deep_linking: bool
    roles: frozenset[str]
    resource_link_id: int | None
    #: the person itself, so signing in needs no query (the session keeps weak references only)
    person: m.Person | None = field(default=None, compare=False, repr=False)


def _registration(session: Session, ctx: LaunchContext) -> m.LtiRegistration:
    row = session.get(m.LtiRegistration, ctx.registration_id)
    if row is None:  # validate_launch found it a moment ago: it was deleted since
        raise NotFoundError(N_("Deze leeromgeving is niet (meer) gekoppeld."))
    return row


def profile_for_code(session: Session, organisation: m.Organisation, code: str) -> m.FunctionProfile | None:
    """The function profile an HR or LMS function code stands for in this organisation.

    The organisation's own mapping of the code first, else the active profile with that code or
    HR code. One query: the mapped profile (if any) beside every active profile.
    """
    mapping = (select(m.OrganisationFunctionCode.function_profile_id)
               .where(m.OrganisationFunctionCode.organisation_id == organisation.id,
                      m.OrganisationFunctionCode.hr_code == code)
               .limit(1).scalar_subquery())
    rows = session.execute(
        select(m.FunctionProfile, (m.FunctionProfile.id == mapping).label("mapped"))
        .where(or_(m.FunctionProfile.id == mapping, m.FunctionProfile.active))
        .order_by(m.FunctionProfile.id)
    ).all()
    for profile, mapped in rows:
        if mapped:
            return profile
    return next((profile for profile, _ in rows if profile.active and (code == profile.code or code in profile.hr_codes)),
                None)


def record_launch(session: Session, ctx: LaunchContext, now: datetime) -> LaunchOutcome:
    """Store who launched, from which course and placement, with their roles and function."""
    registration = _registration(session, ctx)
    organisation = registration.organisation
    person = find_or_create_person(session, organisation, ctx.issuer, ctx.sub, now, name=ctx.name, email=ctx.email)
    if ctx.locale:
        person.locale = ctx.locale[:2].lower()
    roles = tool_roles(ctx, ctx.custom.get(registration.role_parameter))
    sync_lms_roles(session, person, {m.ToolRole(role) for role in roles})
    function_code = (ctx.custom.get(registration.function_parameter) or "").strip()
    if function_code and not function_code.startswith("$"):  # "$..." is an unsubstituted variable
        profile = profile_for_code(session, organisation, function_code)
        if profile is not None:
            assign_function(session, person, profile, m.AssignmentSource.LTI, now)
        else:
            logger.warning("Launch %s: function code not mapped in organisation %s", ctx.launch_id, organisation.id)
    personnel_number = ctx.custom.get(registration.personnel_number_parameter) or ctx.person_sourcedid
    match_at_launch(session, organisation, person, personnel_number, now)  # links a waiting HR record
    link_id = None
    test_code = (ctx.custom.get(TEST_PARAMETER) or "").strip() or None
    if ctx.context is not None:
        course, link, test = _course_and_link(session, registration, ctx, test_code)
        course = _upsert_context(session, registration, ctx, course)
        if ctx.resource_link is not None:
            link = _upsert_link(session, course, ctx, link, test)
            link_id = link.id
            if test_code is None and test is not None:
                test_code = test.code
    session.flush()
    return LaunchOutcome(person.id, test_code, ctx.message_type == "LtiDeepLinkingRequest", roles, link_id,
                         person=person)


def _course_and_link(session: Session, registration: m.LtiRegistration, ctx: LaunchContext, test_code: str | None):
    """The launch's course, placement and digi-toets as stored (each None when new), in one query.

    The digi-toets is the one ``test_code`` names, or without one the placement's.
    """
    link_id = ctx.resource_link.id if ctx.resource_link is not None else None
    link_on = and_(m.LtiResourceLink.context_id == m.LtiContext.id, m.LtiResourceLink.resource_link_id == link_id)
    test_on = m.DigiTest.code == test_code if test_code else m.DigiTest.id == m.LtiResourceLink.digi_test_id
    found = session.execute(
        select(m.LtiContext, m.LtiResourceLink, m.DigiTest)
        .outerjoin(m.LtiResourceLink, link_on)
        .outerjoin(m.DigiTest, test_on)
        .where(m.LtiContext.registration_id == registration.id, m.LtiContext.context_id == ctx.context.id)
    ).first()
    if found is not None:
        return found
    test = session.scalar(select(m.DigiTest).where(m.DigiTest.code == test_code)) if test_code else None
    return None, None, test


def _upsert_context(session: Session, registration: m.LtiRegistration, ctx: LaunchContext,
                    course: m.LtiContext | None) -> m.LtiContext:
    if course is None:
        course = m.LtiContext(registration=registration, context_id=ctx.context.id, deployment_id=ctx.deployment_id)
        session.add(course)
    course.title = ctx.context.title or course.title
    course.deployment_id = ctx.deployment_id
    if ctx.nrps_memberships_url:
        course.memberships_url = ctx.nrps_memberships_url
    if ctx.ags is not None:
        course.lineitems_url = ctx.ags.lineitems or course.lineitems_url
        course.ags_scopes = list(ctx.ags.scopes)
    session.flush()
    return course


def _upsert_link(session: Session, course: m.LtiContext, ctx: LaunchContext, link: m.LtiResourceLink | None,
                 test: m.DigiTest | None) -> m.LtiResourceLink:
    """``test``: the digi-toets the launch names (or the placement's own), None when none is known."""
    if link is None:
        link = m.LtiResourceLink(context_id=course.id, resource_link_id=ctx.resource_link.id)
        session.add(link)
    if test is not None:
        link.digi_test_id = test.id
    if ctx.ags is not None and ctx.ags.lineitem:
        link.lineitem_url = ctx.ags.lineitem
    session.flush()
    return link


def launched_person(session: Session, outcome: LaunchOutcome) -> m.Person:
    """The person ``record_launch`` stored (to sign them in)."""
    return outcome.person if outcome.person is not None else session.get(m.Person, outcome.person_id)


@dataclass(frozen=True)
class ContinuingPerson:
    """Who a one-time link signs in, named for the confirmation page."""

    person: m.Person
    name: str | None  # the display name, when the organisation stores names
    organisation: str


def continuing_person(session: Session, person_id: int) -> ContinuingPerson:
    """The person behind a one-time link, with their organisation's name.

    Raises:
        NotFoundError: when the person was erased since the link was made.
    """
    person = session.get(m.Person, person_id)
    if person is None or person.pseudonymised_at is not None:
        raise NotFoundError(N_("Deze link is al gebruikt of verlopen. Open Digitoets opnieuw vanuit je leeromgeving."))
    return ContinuingPerson(person, person.name or None, person.organisation.name)
