"""What a validated LTI launch means for our data: the person, their roles and function, the course and placement."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, null, or_, select, true
from sqlalchemy.orm import Session

from lti.claims import LaunchContext, tool_roles
from service import models as m
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.operations import domain, people
from service.operations.hr_import.links import UNREAD, match_at_launch

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


#: per database: (content release key, active profile code or HR code -> profile id); function
#: profiles are content (only ``content load`` changes them, and it adds a release)
_profile_codes: dict[str, tuple[tuple, dict[str, int]]] = {}


def _active_profile_ids(session: Session) -> dict[str, int]:
    """Active function profiles by code and HR code, from memory while no newer content was released."""
    database, key = str(session.get_bind().engine.url), domain._release_key(session)
    cached = _profile_codes.get(database)
    if cached is None or cached[0] != key:
        codes: dict[str, int] = {}
        rows = session.execute(select(m.FunctionProfile.id, m.FunctionProfile.code, m.FunctionProfile.hr_codes)
                               .where(m.FunctionProfile.active).order_by(m.FunctionProfile.id)).all()
        for profile_id, code, hr_codes in rows:  # the first by id wins, as in ``profile_for_code``
            for each in (code, *(hr_codes or ())):
                codes.setdefault(each, profile_id)
        cached = _profile_codes[database] = (key, codes)
    return cached[1]


def _mapped_profile(organisation_id, code):
    """The organisation's own mapping of ``code`` (a scalar subquery)."""
    return (select(m.OrganisationFunctionCode.function_profile_id)
            .where(m.OrganisationFunctionCode.organisation_id == organisation_id,
                   m.OrganisationFunctionCode.hr_code == code)
            .limit(1).scalar_subquery())


@functools.cache
def _person_statement(with_code: bool, with_course: bool, with_test_code: bool):
    """Built once (constructing a statement costs more than running it from the compiled cache);
    parameters organisation, issuer, subject (and code; registration, context, link; test_code)."""
    release = domain.release_key_columns()
    mapped = _mapped_profile(bindparam("organisation"), bindparam("code")) if with_code else null()
    statement = (people.person_query(bindparam("organisation"), bindparam("issuer"), bindparam("subject"))
                 .add_columns(m.HrRecord, mapped.label("mapped"), release.c.release_id, release.c.release_loaded_at)
                 .outerjoin(m.HrRecord, m.HrRecord.person_id == m.Person.id)
                 .outerjoin(release, true()))
    if not with_course:
        return statement
    # the launch's course, placement and digi-toets as stored, beside the person (each None when new)
    test_on = m.DigiTest.code == bindparam("test_code") if with_test_code \
        else m.DigiTest.id == m.LtiResourceLink.digi_test_id
    return (statement.add_columns(m.LtiContext, m.LtiResourceLink, m.DigiTest)
            .outerjoin(m.LtiContext, and_(m.LtiContext.registration_id == bindparam("registration"),
                                          m.LtiContext.context_id == bindparam("context")))
            .outerjoin(m.LtiResourceLink, and_(m.LtiResourceLink.context_id == m.LtiContext.id,
                                               m.LtiResourceLink.resource_link_id == bindparam("link")))
            .outerjoin(m.DigiTest, test_on))


def _read_person(session: Session, registration: m.LtiRegistration, ctx: LaunchContext, function_code: str,
                 test_code: str | None):
    """One query for what a launch of a known person needs: the person with roles and functions,
    their linked HR record, the organisation's mapping of the function code, the newest content
    release, and the course, placement and digi-toets of the launch. None when the person is new."""
    parameters = {"organisation": registration.organisation_id, "issuer": ctx.issuer, "subject": ctx.sub}
    if function_code:
        parameters["code"] = function_code
    if ctx.context is not None:
        parameters.update(registration=registration.id, context=ctx.context.id,
                          link=ctx.resource_link.id if ctx.resource_link is not None else None)
        if test_code:
            parameters["test_code"] = test_code
    statement = _person_statement(bool(function_code), ctx.context is not None, bool(test_code and ctx.context))
    return session.execute(statement, parameters).unique().first()


def record_launch(session: Session, ctx: LaunchContext, now: datetime) -> LaunchOutcome:
    """Store who launched, from which course and placement, with their roles and function."""
    registration = _registration(session, ctx)
    organisation = registration.organisation
    function_code = (ctx.custom.get(registration.function_parameter) or "").strip()
    if function_code.startswith("$"):  # "$..." is an unsubstituted variable
        function_code = ""
    test_code = (ctx.custom.get(TEST_PARAMETER) or "").strip() or None
    known = _read_person(session, registration, ctx, function_code, test_code)
    if known is not None:
        session.info.setdefault(domain.KEY_INFO, (known.release_id, known.release_loaded_at))
    person = people.find_or_create_person(session, organisation, ctx.issuer, ctx.sub, now, name=ctx.name,
                                          email=ctx.email, found=known[0] if known is not None else None)
    if ctx.locale and person.locale != ctx.locale[:2].lower():
        person.locale = ctx.locale[:2].lower()
    roles = tool_roles(ctx, ctx.custom.get(registration.role_parameter))
    people.sync_lms_roles(session, person, {m.ToolRole(role) for role in roles})
    if function_code:
        mapped = known.mapped if known is not None else session.scalar(select(_mapped_profile(organisation.id,
                                                                                              function_code)))
        profile_id = mapped or _active_profile_ids(session).get(function_code)
        if profile_id is not None:
            people.assign_function(session, person, profile_id, m.AssignmentSource.LTI, now)
        else:
            logger.warning("Launch %s: function code not mapped in organisation %s", ctx.launch_id, organisation.id)
    personnel_number = ctx.custom.get(registration.personnel_number_parameter) or ctx.person_sourcedid
    match_at_launch(session, organisation, person, personnel_number, now,  # links a waiting HR record
                    linked=known[1] if known is not None else UNREAD)
    link_id = None
    if ctx.context is not None:
        course, link, test = ((known.LtiContext, known.LtiResourceLink, known.DigiTest) if known is not None
                              else _course_and_link(session, registration, ctx, test_code))
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
    new = course is None
    if new:
        course = m.LtiContext(registration=registration, context_id=ctx.context.id, deployment_id=ctx.deployment_id)
        session.add(course)
    values = {"title": ctx.context.title or course.title, "deployment_id": ctx.deployment_id}
    if ctx.nrps_memberships_url:
        values["memberships_url"] = ctx.nrps_memberships_url
    if ctx.ags is not None:
        values["lineitems_url"] = ctx.ags.lineitems or course.lineitems_url
        values["ags_scopes"] = list(ctx.ags.scopes)
    _set_changed(course, values)
    if new:
        session.flush()  # its id, for the placement
    return course


def _set_changed(row, values: dict) -> None:
    """Set only what differs: an unchanged row stays clean, and the launch's one flush skips it."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _upsert_link(session: Session, course: m.LtiContext, ctx: LaunchContext, link: m.LtiResourceLink | None,
                 test: m.DigiTest | None) -> m.LtiResourceLink:
    """``test``: the digi-toets the launch names (or the placement's own), None when none is known."""
    new = link is None
    if new:
        link = m.LtiResourceLink(context_id=course.id, resource_link_id=ctx.resource_link.id)
        session.add(link)
    if test is not None and link.digi_test_id != test.id:
        link.digi_test_id = test.id
    if ctx.ags is not None and ctx.ags.lineitem and link.lineitem_url != ctx.ags.lineitem:
        link.lineitem_url = ctx.ags.lineitem
    if new:
        session.flush()  # its id, for the outcome (an unchanged placement costs no flush of its own)
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
