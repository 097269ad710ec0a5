"""The LMS registrations of an organisation: register (by hand or dynamically), activate, list."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti.dynamic_registration import NAME_LENGTH, PlatformRegistration
from lti.registration import Registration
from service import models as m
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit

logger = logging.getLogger(__name__)

#: The same words whoever registered the pair: nothing about another organisation leaks out.
ALREADY_REGISTERED = N_("Deze leeromgeving is al gekoppeld.")
#: at most this many extra host names per registration
MAX_EXTRA_HOSTS = 10
#: a host name (RFC 1123: dot-separated labels of letters, digits and inner hyphens), an optional port
_HOST = re.compile(r"(?=[^:]{1,253}(:|$))(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*(:[0-9]{1,5})?")


def clean_extra_hosts(hosts: list[str] | tuple[str, ...] | str) -> list[str]:
    """Host names as an admin typed them (one per line, or separated by commas or spaces), checked.

    Returns:
        Lower-case ``host`` or ``host:port`` names without duplicates, in the order given.

    Raises:
        InvalidInputError: naming the first entry that is not a bare host name (no ``https://``, no
            path), or when there are more than ``MAX_EXTRA_HOSTS``.
    """
    if isinstance(hosts, str):
        hosts = [hosts]
    hosts = list(hosts)
    names = [part for text in hosts for part in re.split(r"[\s,;]+", text or "") if part]
    cleaned: list[str] = []
    for name in names:
        host = name.lower().removesuffix(".")
        port = host.rpartition(":")[2] if ":" in host else None
        if not _HOST.fullmatch(host) or (port is not None and not 0 < int(port) < 65536):
            raise InvalidInputError(N_("\"%(host)s\" is geen hostnaam. Vul alleen de naam in, zoals "
                                       "school.instructure.com, zonder https:// en zonder pad."),
                                    {"extra_hosts": [name[:100]]}, host=name[:100])
        for suffix in (":443", ":80"):
            host = host.removesuffix(suffix)
        if host not in cleaned:
            cleaned.append(host)
    if len(cleaned) > MAX_EXTRA_HOSTS:
        raise InvalidInputError(N_("Vul hoogstens %(max)s andere adressen in."), {"extra_hosts": ["te veel"]},
                                max=MAX_EXTRA_HOSTS)
    return cleaned


def to_registration(row: m.LtiRegistration) -> Registration:
    return Registration(
        id=row.id,
        tenant_id=row.organisation_id,
        issuer=row.issuer,
        client_id=row.client_id,
        auth_login_url=row.auth_login_url,
        auth_token_url=row.auth_token_url,
        auth_audience=row.auth_audience,
        key_set_url=row.key_set_url,
        key_set=row.key_set,
        deployment_ids=frozenset(d.deployment_id for d in row.deployments),
        active=row.status is m.RegistrationStatus.ACTIVE,
        extra_hosts=frozenset(row.extra_hosts or ()),
    )


def register_platform(
    session: Session,
    organisation: m.Organisation,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str | None = None,
    deployment_ids: list[str] | tuple[str, ...] = (),
    auth_audience: str | None = None,
    name: str = "",
    status: m.RegistrationStatus = m.RegistrationStatus.ACTIVE,
    function_parameter: str = "digitoets_function",
    role_parameter: str = "digitoets_roles",
    personnel_number_parameter: str = "digitoets_personnel_number",
    extra_hosts: list[str] | tuple[str, ...] | str | None = (),
    actor: m.Person | None = None,
) -> m.LtiRegistration:
    """Register an LMS for an organisation (admin page, CLI or dynamic registration).

    An issuer and client id belong to one registration in the whole service: a platform's client
    id identifies one tool installation there. Adding a pair that exists (in this organisation or
    in another) changes nothing and says only that it is registered already, never by whom.

    Raises:
        ConflictError: when this issuer and client id are registered already.
        InvalidInputError: when a URL is not http(s) or no key set URL is given, or an extra host is no
            host name (see ``clean_extra_hosts``).
    """
    for field, url in (("issuer", issuer), ("auth_login_url", auth_login_url), ("auth_token_url", auth_token_url),
                       ("key_set_url", key_set_url)):
        if not url or not url.startswith(("https://", "http://")):
            raise InvalidInputError(N_("%(field)s moet een volledig adres zijn (https://...)."), {field: ["geen URL"]},
                                    field=field)
    hosts = clean_extra_hosts(extra_hosts or [])
    existing = session.scalar(
        select(m.LtiRegistration).where(m.LtiRegistration.issuer == issuer, m.LtiRegistration.client_id == client_id)
    )
    if existing is not None:
        raise ConflictError(ALREADY_REGISTERED)
    registration = m.LtiRegistration(
        organisation=organisation, name=name or issuer, issuer=issuer, client_id=client_id,
        auth_login_url=auth_login_url, auth_token_url=auth_token_url, auth_audience=auth_audience,
        key_set_url=key_set_url, status=status, function_parameter=function_parameter, role_parameter=role_parameter,
        personnel_number_parameter=personnel_number_parameter, extra_hosts=hosts,
        deployments=[m.LtiDeployment(deployment_id=d) for d in dict.fromkeys(deployment_ids) if d],
    )
    try:
        with session.begin_nested():  # a registration added at the same moment: refused the same way
            session.add(registration)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(ALREADY_REGISTERED) from exc
    audit.record(session, organisation, actor, audit.Action.REGISTRATION_ADDED, f"registration:{registration.id}",
                 {"status": status.value})
    return registration


def register_dynamic(session: Session, organisation: m.Organisation, platform: PlatformRegistration) -> m.LtiRegistration:
    """Store what an LMS sent through dynamic registration: pending until an admin activates it."""
    return register_platform(
        session, organisation, issuer=platform.issuer, client_id=platform.client_id,
        auth_login_url=platform.auth_login_url, auth_token_url=platform.auth_token_url,
        key_set_url=platform.key_set_url, auth_audience=platform.auth_audience,
        deployment_ids=[platform.deployment_id] if platform.deployment_id else [],
        name=platform.display_name, status=m.RegistrationStatus.PENDING, extra_hosts=platform.extra_hosts,
    )


def set_registration_status(session: Session, organisation: m.Organisation, registration_id: int,
                            status: m.RegistrationStatus, actor: m.Person | None = None) -> m.LtiRegistration:
    """Activate or disable one of the organisation's own registrations (audited)."""
    registration = session.get(m.LtiRegistration, registration_id)
    if registration is None or registration.organisation_id != organisation.id:
        raise NotFoundError(N_("Deze koppeling bestaat niet."))
    if registration.status is not status:
        audit.record(session, organisation, actor, audit.Action.REGISTRATION_STATUS_CHANGED,
                     f"registration:{registration.id}", f"{registration.status.value}->{status.value}")
    registration.status = status
    session.flush()
    return registration


def rename_registration(session: Session, organisation: m.Organisation, registration_id: int,
                        name: str, actor: m.Person | None = None) -> m.LtiRegistration:
    """Give one of the organisation's registrations the name its admins know it by.

    Raises:
        NotFoundError: when the registration is not the organisation's.
        InvalidInputError: when the name is empty or longer than 200 characters.
    """
    registration = session.get(m.LtiRegistration, registration_id)
    if registration is None or registration.organisation_id != organisation.id:
        raise NotFoundError(N_("Deze koppeling bestaat niet."))
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise InvalidInputError(N_("Geef de koppeling een naam van 1 tot %(max)s tekens."),
                                {"name": ["leeg of te lang"]}, max=NAME_LENGTH)
    if registration.name != name:
        audit.record(session, organisation, actor, audit.Action.REGISTRATION_RENAMED, f"registration:{registration.id}")
    registration.name = name
    session.flush()
    return registration


def set_extra_hosts(session: Session, organisation: m.Organisation, registration_id: int,
                    hosts: list[str] | tuple[str, ...] | str, actor: m.Person | None = None) -> m.LtiRegistration:
    """Set the other host names of one of the organisation's registrations (replacing the list).

    Raises:
        NotFoundError: when the registration is not the organisation's.
        InvalidInputError: see ``clean_extra_hosts``; nothing is changed then.
    """
    registration = session.get(m.LtiRegistration, registration_id)
    if registration is None or registration.organisation_id != organisation.id:
        raise NotFoundError(N_("Deze koppeling bestaat niet."))
    cleaned = clean_extra_hosts(hosts)
    if list(registration.extra_hosts or []) != cleaned:
        logger.info("Registration %s: extra hosts %s set by person %s", registration.id, cleaned,
                    actor.id if actor is not None else None)
    registration.extra_hosts = cleaned
    session.flush()
    return registration


def registrations(session: Session, organisation: m.Organisation | None = None) -> list[m.LtiRegistration]:
    """The organisation's registrations by id; every organisation's when ``organisation`` is None."""
    query = select(m.LtiRegistration).order_by(m.LtiRegistration.id)
    if organisation is not None:
        query = query.where(m.LtiRegistration.organisation_id == organisation.id)
    return list(session.scalars(query))


def activate_registration(session: Session, registration_id: int) -> m.LtiRegistration:
    """Activate any organisation's pending or disabled registration (the operator's CLI).

    Raises:
        NotFoundError: when there is no registration with this id.
    """
    registration = session.get(m.LtiRegistration, registration_id)
    if registration is None:
        raise NotFoundError(N_("Deze koppeling bestaat niet."))
    registration.status = m.RegistrationStatus.ACTIVE
    session.flush()
    return registration


def active_endpoints(session: Session, *, organisation_id: int | None = None,
                     registration_id: int | None = None) -> list[tuple[str, str]]:
    """(issuer, login URL) of the active registrations of one organisation, or of one registration.

    These are the LMSs that may frame the tool's pages for that organisation's people (or, before
    sign-in, for a launch through that registration). With neither argument: none, never all.
    """
    if organisation_id is None and registration_id is None:
        return []
    query = select(m.LtiRegistration.issuer, m.LtiRegistration.auth_login_url).where(
        m.LtiRegistration.status == m.RegistrationStatus.ACTIVE)
    if organisation_id is not None:
        query = query.where(m.LtiRegistration.organisation_id == organisation_id)
    if registration_id is not None:
        query = query.where(m.LtiRegistration.id == registration_id)
    return [tuple(row) for row in session.execute(query)]


def find_registration(session: Session, issuer: str, client_id: str) -> m.LtiRegistration | None:
    """The registration of this issuer and client id, or None."""
    return session.scalar(
        select(m.LtiRegistration).where(m.LtiRegistration.issuer == issuer, m.LtiRegistration.client_id == client_id)
    )
