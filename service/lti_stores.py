"""The lti package's storage Protocols over our tables, so any worker can finish any launch.

Each call runs in its own short transaction: launch state must be visible to the next
request at once, whatever the caller's transaction does.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from lti.registration import Registration
from service import models as m
from service.db import Database, utcnow
from service.operations.registrations import to_registration


class DbRegistrationStore:
    """``lti.registration.RegistrationStore`` over ``lti_registrations`` and ``lti_deployments``."""

    def __init__(self, database: Database):
        self.database = database

    def find(self, issuer: str, client_id: str | None, deployment_id: str | None = None) -> Registration | None:
        """The registration of ``issuer`` and ``client_id``; without a client id, the first registered.

        (issuer, client_id) is unique across organisations. A login without ``client_id`` picks
        among the issuer's registrations that list its deployment id (or all of them), the
        oldest active one first: another organisation's admin who adds the same issuer later
        cannot take over or block this organisation's logins.
        """
        with self.database.begin() as session:
            query = select(m.LtiRegistration).where(m.LtiRegistration.issuer == issuer)
            if client_id is not None:
                query = query.where(m.LtiRegistration.client_id == client_id)
            query = query.order_by(case((m.LtiRegistration.status == m.RegistrationStatus.ACTIVE, 0), else_=1),
                                   m.LtiRegistration.id).limit(1)
            row = None
            if client_id is None and deployment_id:
                row = session.scalar(query.where(m.LtiRegistration.deployments.any(
                    m.LtiDeployment.deployment_id == deployment_id)))
            row = row or session.scalar(query)
            return to_registration(row) if row is not None else None


class DbLaunchStateStore:
    """``lti.registration.LaunchStateStore`` over ``lti_launch_states``."""

    def __init__(self, database: Database):
        self.database = database

    def get(self, key: str) -> str | None:
        with self.database.begin() as session:
            row = session.get(m.LtiLaunchState, key)
            return row.value if row is not None and row.expires_at > utcnow() else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self.database.begin() as session:
            row = session.get(m.LtiLaunchState, key)
            if row is None:
                session.add(m.LtiLaunchState(key=key, value=value, expires_at=expires))
            else:
                row.value, row.expires_at = value, expires

    def delete(self, key: str) -> None:
        with self.database.begin() as session:
            session.execute(delete(m.LtiLaunchState).where(m.LtiLaunchState.key == key))

    def count_live(self, prefix: str) -> int:
        """Counts live keys with ``prefix``, after deleting every expired row (so the table stays bounded)."""
        now = utcnow()
        with self.database.begin() as session:
            session.execute(delete(m.LtiLaunchState).where(m.LtiLaunchState.expires_at <= now))
            return session.scalar(select(func.count()).select_from(m.LtiLaunchState).where(
                m.LtiLaunchState.key.startswith(prefix, autoescape=True), m.LtiLaunchState.expires_at > now)) or 0

    def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Atomic across workers: the primary key refuses a second INSERT of a live key."""
        now = utcnow()
        expires = now + timedelta(seconds=ttl_seconds)
        try:
            with self.database.begin() as session:
                session.add(m.LtiLaunchState(key=key, value="1", expires_at=expires))
            return True
        except IntegrityError:
            pass
        with self.database.begin() as session:  # the key exists: take it over only if it expired
            taken = session.execute(
                update(m.LtiLaunchState)
                .where(m.LtiLaunchState.key == key, m.LtiLaunchState.expires_at <= now)
                .values(value="1", expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            return taken.rowcount == 1
