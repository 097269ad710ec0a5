"""What a validated LTI launch means for our data: the person, their roles and function, the course and placement."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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


def _registration(session: Session, ctx: LaunchContext) -> m.LtiRegistration:
    row = session.get(m.LtiRegistration, ctx.registration_id)
    if row is None:  # validate_launch found it a moment ago: it was deleted since
        raise NotFoundError(N_("Deze leeromgeving is niet (meer) gekoppeld."))
    return row


def profile_for_code(session: Session, organisation: m.Organisation, code: str) -> m.FunctionProfile | None:
    """The function profile an HR or LMS function code stands for in this organisation."""
    mapped = session.scalar(
        select(m.FunctionProfile)
        .join(m.OrganisationFunctionCode, m.OrganisationFunctionCode.function_profile_id == m.FunctionProfile.id)
        .where(m.OrganisationFunctionCode.organisation_id == organisation.id, m.OrganisationFunctionCode.hr_code == code)
    )
    if mapped is not None:
        return mapped
    for profile in session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active)):
        if code == profile.code or code in profile.hr_codes:
            return profile
    return None


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
        course = _upsert_context(session, registration, ctx)
        if ctx.resource_link is not None:
            link = _upsert_link(session, course, ctx, test_code)
            link_id = link.id
            if test_code is None and link.digi_test_id is not None:
                test_code = session.get(m.DigiTest, link.digi_test_id).code
    session.flush()
    return LaunchOutcome(person.id, test_code, ctx.message_type == "LtiDeepLinkingRequest", roles, link_id)


def _upsert_context(session: Session, registration: m.LtiRegistration, ctx: LaunchContext) -> m.LtiContext:
    course = session.scalar(
        select(m.LtiContext).where(m.LtiContext.registration_id == registration.id, m.LtiContext.context_id == ctx.context.id)
    )
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


def _upsert_link(session: Session, course: m.LtiContext, ctx: LaunchContext, test_code: str | None) -> m.LtiResourceLink:
    link = session.scalar(
        select(m.LtiResourceLink).where(
            m.LtiResourceLink.context_id == course.id, m.LtiResourceLink.resource_link_id == ctx.resource_link.id
        )
    )
    if link is None:
        link = m.LtiResourceLink(context_id=course.id, resource_link_id=ctx.resource_link.id)
        session.add(link)
    if test_code:
        test = session.scalar(select(m.DigiTest).where(m.DigiTest.code == test_code))
        link.digi_test_id = test.id if test else link.digi_test_id
    if ctx.ags is not None and ctx.ags.lineitem:
        link.lineitem_url = ctx.ags.lineitem
    session.flush()
    return link


def launched_person(session: Session, outcome: LaunchOutcome) -> m.Person:
    """The person ``record_launch`` stored (to sign them in)."""
    return session.get(m.Person, outcome.person_id)


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
