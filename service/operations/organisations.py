"""Organisation settings: privacy choices and the LRS, changed by an organisation admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_

PRIVACY_FIELDS = (
    "result_visibility", "min_group_size", "help_request_mode", "retention_months",
    "store_personal_data", "xapi_identify_by_email", "teacher_sees_levels",
)


def update_settings(session: Session, organisation: m.Organisation, values: dict) -> m.Organisation:
    """Apply validated settings. The LRS password is only replaced when a new one is given.

    Raises:
        InvalidInputError: when the LRS endpoint is set without being a URL.
    """
    for name in PRIVACY_FIELDS:
        if name in values:
            setattr(organisation, name, values[name])
    endpoint = (values.get("lrs_endpoint") or "").strip() or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise InvalidInputError(N_("Het LRS-adres moet met http:// of https:// beginnen."), {"lrs_endpoint": ["geen URL"]})
    organisation.lrs_endpoint = endpoint
    organisation.lrs_username = (values.get("lrs_username") or "").strip() or None
    if values.get("lrs_password"):
        organisation.lrs_password = values["lrs_password"]
    if endpoint is None:
        organisation.lrs_username = organisation.lrs_password = None
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
GRANTABLE = (m.ToolRole.HR, m.ToolRole.COACH, m.ToolRole.ACCREDITATION)


def set_granted_roles(session: Session, organisation: m.Organisation, person_id: int, roles: set[m.ToolRole],
                      granted_by: str) -> m.Person:
    """Give a person exactly ``roles`` of the grantable ones (HR, coach, accreditation)."""
    person = session.get(m.Person, person_id)
    if person is None or person.organisation_id != organisation.id:
        raise NotFoundError(N_("Deze persoon hoort niet bij je organisatie."))
    for held in list(person.roles):
        if held.role in GRANTABLE and held.role not in roles:
            person.roles.remove(held)
    for role in roles:
        if role in GRANTABLE and not person.has_role(role):
            person.roles.append(m.PersonRole(role=role, granted_by=granted_by))
    session.flush()
    return person
