"""Organisation settings: privacy choices and the LRS, changed by an organisation admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_

PRIVACY_FIELDS = (
    "result_visibility", "min_group_size", "help_request_mode", "retention_months",
    "store_personal_data", "xapi_identify_by_email",
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
