"""Registration links: how an organisation lets its LMS register Digitoets dynamically.

Dynamic registration makes the tool fetch a URL and post to another that the caller names. So
only a caller with a link that an organisation admin made (and has not revoked) may start it,
and an organisation has at most ``MAX_PENDING`` registrations waiting for approval.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import ConflictError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit

#: registrations of one organisation that may wait for an admin at the same time
MAX_PENDING = 5


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(session: Session, organisation: m.Organisation, actor: m.Person | None, now: datetime) -> str:
    """Make a registration link; returns its secret token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    link = m.RegistrationLink(organisation_id=organisation.id, token_hash=_hash(token), created_at=now,
                              created_by_id=actor.id if actor else None)
    session.add(link)
    session.flush()
    audit.record(session, organisation, actor, audit.Action.REGISTRATION_LINK_CREATED, f"registration_link:{link.id}")
    return token


def revoke_link(session: Session, organisation: m.Organisation, link_id: int, now: datetime,
                actor: m.Person | None = None) -> None:
    """Revoke one of the organisation's links; an LMS can no longer register with it.

    Raises:
        NotFoundError: when the link is not the organisation's (or already revoked).
    """
    link = session.get(m.RegistrationLink, link_id)
    if link is None or link.organisation_id != organisation.id or link.revoked_at is not None:
        raise NotFoundError(N_("Dit registratieadres bestaat niet (meer)."))
    link.revoked_at = now
    audit.record(session, organisation, actor, audit.Action.REGISTRATION_LINK_REVOKED, f"registration_link:{link.id}")
    session.flush()


def active_links(session: Session, organisation: m.Organisation) -> list[m.RegistrationLink]:
    return list(session.scalars(select(m.RegistrationLink).where(
        m.RegistrationLink.organisation_id == organisation.id, m.RegistrationLink.revoked_at.is_(None),
    ).order_by(m.RegistrationLink.id)))


def organisation_for_link(session: Session, slug: str, token: str) -> m.Organisation | None:
    """The organisation whose active link this is, or None.

    None alike for an unknown slug, a wrong or revoked token and a token of another
    organisation, so a caller cannot learn which organisations exist.
    """
    if not token or len(token) > 200:
        return None
    link = session.scalar(select(m.RegistrationLink).where(
        m.RegistrationLink.token_hash == _hash(token), m.RegistrationLink.revoked_at.is_(None)))
    if link is None:
        return None
    organisation = session.get(m.Organisation, link.organisation_id)
    return organisation if hmac.compare_digest(organisation.slug, slug or "") else None


def check_pending_room(session: Session, organisation: m.Organisation) -> None:
    """Raises ConflictError when ``MAX_PENDING`` registrations already wait for the organisation's admin."""
    waiting = session.scalar(select(func.count()).select_from(m.LtiRegistration).where(
        m.LtiRegistration.organisation_id == organisation.id,
        m.LtiRegistration.status == m.RegistrationStatus.PENDING))
    if waiting >= MAX_PENDING:
        raise ConflictError(N_("Er wachten al %(max)s koppelingen op goedkeuring. Keur die eerst goed of zet ze uit."),
                            max=MAX_PENDING)
