"""Organisation settings: privacy choices and the LRS, changed by an organisation admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit
from service.outbound import check_entered_url

PRIVACY_FIELDS = (
    "result_visibility", "min_group_size", "help_request_mode", "retention_months",
    "store_personal_data", "xapi_identify_by_email", "teacher_sees_levels", "leaver_months", "hr_person_view",
)


def _value(value) -> str:
    return str(getattr(value, "value", value))


def update_settings(session: Session, organisation: m.Organisation, values: dict,
                    actor: m.Person | None = None, allow_internal: bool = False) -> m.Organisation:
    """Apply validated settings. The LRS password is only replaced when a new one is given.

    A new LRS endpoint must be https on a public address (``allow_internal``: development, or
    the operator's DIGITOETS_ALLOW_INTERNAL_TARGETS), and it never gets the stored password: a
    changed endpoint keeps only a password typed in with it, so an admin (or someone with the
    admin's session) cannot send the organisation's LRS password to a server of their own.

    Changed privacy settings and a changed LRS are written to the audit log (which settings,
    old and new value; for the LRS only whether the address, name or password changed).

    Raises:
        InvalidInputError: when the LRS endpoint is not a URL, not https or points into an internal network.
    """
    changed = {}
    for name in PRIVACY_FIELDS:
        if name in values and values[name] is not None and getattr(organisation, name) != values[name]:
            changed[name] = f"{_value(getattr(organisation, name))}->{_value(values[name])}"
            setattr(organisation, name, values[name])
    lrs_before = (organisation.lrs_endpoint, organisation.lrs_username, organisation.lrs_password)
    endpoint = (values.get("lrs_endpoint") or "").strip() or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise InvalidInputError(N_("Het LRS-adres moet met http:// of https:// beginnen."), {"lrs_endpoint": ["geen URL"]})
    if endpoint and endpoint != organisation.lrs_endpoint:
        check_entered_url(endpoint, "lrs_endpoint", allow_internal=allow_internal)
        organisation.lrs_password = None  # the stored password never goes to another server
    organisation.lrs_endpoint = endpoint
    organisation.lrs_username = (values.get("lrs_username") or "").strip() or None
    if values.get("lrs_password"):
        organisation.lrs_password = values["lrs_password"]
    if endpoint is None:
        organisation.lrs_username = organisation.lrs_password = None
    if changed:
        audit.record(session, organisation, actor, audit.Action.PRIVACY_SETTINGS_CHANGED,
                     f"organisation:{organisation.id}", changed)
    lrs_after = (organisation.lrs_endpoint, organisation.lrs_username, organisation.lrs_password)
    if lrs_after != lrs_before:
        parts = ("endpoint", "username", "password")
        audit.record(session, organisation, actor, audit.Action.LRS_SETTINGS_CHANGED, f"organisation:{organisation.id}",
                     {"changed": ",".join(p for p, a, b in zip(parts, lrs_before, lrs_after, strict=True) if a != b)})
    session.flush()
    return organisation


def add_function_code(session: Session, organisation: m.Organisation, hr_code: str, profile: m.FunctionProfile) -> None:
    """Map one of the organisation's own function codes (from HR or the LMS) to a profile."""
    hr_code = hr_code.strip()
    if not hr_code:
        raise InvalidInputError(N_("Vul een functiecode in."), {"hr_code": ["leeg"]})
    row = session.scalar(select(m.OrganisationFunctionCode).where(
        m.OrganisationFunctionCode.organisation_id == organisation.id, m.OrganisationFunctionCode.hr_code == hr_code))
    if row is None:
        session.add(m.OrganisationFunctionCode(organisation_id=organisation.id, hr_code=hr_code,
                                               function_profile_id=profile.id))
    else:
        row.function_profile_id = profile.id
    session.flush()


def function_codes(session: Session, organisation: m.Organisation) -> list[tuple[str, m.FunctionProfile]]:
    rows = session.execute(
        select(m.OrganisationFunctionCode.hr_code, m.FunctionProfile)
        .join(m.FunctionProfile, m.FunctionProfile.id == m.OrganisationFunctionCode.function_profile_id)
        .where(m.OrganisationFunctionCode.organisation_id == organisation.id)
        .order_by(m.OrganisationFunctionCode.hr_code)
    )
    return [(code, profile) for code, profile in rows]


#: roles an organisation admin hands out; employee, course and organisation admin come from the LMS
GRANTABLE = (m.ToolRole.HR, m.ToolRole.COACH, m.ToolRole.COACH_COORDINATOR, m.ToolRole.ACCREDITATION)


def set_granted_roles(session: Session, organisation: m.Organisation, person_id: int, roles: set[m.ToolRole],
                      granted_by: str, actor: m.Person | None = None) -> m.Person:
    """Give a person exactly ``roles`` of the grantable ones (HR, coach, coach coordinator, accreditation); audited.

    Only the roles granted in the tool change: the same role given by the LMS is kept apart and
    follows the person's launches.
    """
    person = session.get(m.Person, person_id)
    if person is None or person.organisation_id != organisation.id:
        raise NotFoundError(N_("Deze persoon hoort niet bij je organisatie."))
    tool = m.RoleSource.TOOL
    before = sorted(r.role.value for r in person.roles if r.role in GRANTABLE and r.source is tool)
    for held in list(person.roles):
        if held.source is tool and held.role in GRANTABLE and held.role not in roles:
            person.roles.remove(held)
    for role in roles:
        if role in GRANTABLE and not person.has_role(role, tool):
            person.roles.append(m.PersonRole(role=role, granted_by=granted_by, source=tool))
    after = sorted(r.value for r in roles if r in GRANTABLE)
    if after != before:
        audit.record(session, organisation, actor, audit.Action.ROLES_CHANGED, f"person:{person.id}",
                     {"before": ",".join(before) or "-", "after": ",".join(after) or "-"})
    session.flush()
    return person


def find_organisation(session: Session, slug: str) -> m.Organisation | None:
    """The organisation with this slug, or None."""
    return session.scalar(select(m.Organisation).where(m.Organisation.slug == slug))


def all_organisations(session: Session) -> list[m.Organisation]:
    return list(session.scalars(select(m.Organisation).order_by(m.Organisation.id)))


def members(session: Session, organisation: m.Organisation) -> list[m.Person]:
    """Everyone known in the organisation, oldest first (for handing out roles)."""
    return list(session.scalars(select(m.Person).where(m.Person.organisation_id == organisation.id).order_by(m.Person.id)))


def create_organisation(session: Session, slug: str, name: str) -> m.Organisation:
    """Add an organisation (a tenant).

    Raises:
        ConflictError: when the slug is taken.
    """
    if find_organisation(session, slug) is not None:
        raise ConflictError(N_("Organisatie %(slug)s bestaat al."), slug=slug)
    organisation = m.Organisation(slug=slug, name=name)
    session.add(organisation)
    session.flush()
    return organisation
