"""LTI 1.3 platform registrations, deployments, contexts, resource links and launch state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class RegistrationStatus(enum.Enum):
    PENDING = "pending"  # created by dynamic registration, waits for an organisation admin
    ACTIVE = "active"
    DISABLED = "disabled"


class LtiRegistration(Base):
    """One LMS (issuer + client id) registered for one organisation."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    #: token audience when it differs from the token URL (Brightspace, Blackboard)
    auth_audience: Mapped[str | None] = mapped_column(String(500))
    key_set_url: Mapped[str | None] = mapped_column(String(500))
    key_set: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "registration_status"), default=RegistrationStatus.ACTIVE
    )
    #: custom parameter that carries the function code, and the one that grants extra tool roles
    function_parameter: Mapped[str] = mapped_column(String(64), default="digitoets_function")
    role_parameter: Mapped[str] = mapped_column(String(64), default="digitoets_roles")
    #: custom parameter with the HR personnel number, for LMSs that do not send lis.person_sourcedid
    personnel_number_parameter: Mapped[str] = mapped_column(String(64), default="digitoets_personnel_number")
    #: more host names of this LMS (``school.instructure.com``) where return URLs may point, beside the
    #: hosts of the URLs above: Canvas's issuer and endpoints are not on the institution's own host
    extra_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation = relationship("Organisation")
    deployments: Mapped[list[LtiDeployment]] = relationship(back_populates="registration", cascade="all, delete-orphan")


class RegistrationLink(Base):
    """A secret link an organisation admin hands to an LMS admin for dynamic registration.

    Only the SHA-256 of the token is stored; the admin sees the link once, when it is made.
    """

    __tablename__ = "registration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("Person")


class LtiDeployment(Base):
    """A deployment id the platform uses for this registration; unknown ones are refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))

    registration: Mapped[LtiRegistration] = relationship(back_populates="deployments")


class LtiContext(Base):
    """A course in the LMS, with the service URLs stored at launch for background jobs."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    memberships_url: Mapped[str | None] = mapped_column(String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[LtiRegistration] = relationship()


class LtiResourceLink(Base):
    """A placement of a digi-toets in a course, with the gradebook line item for it."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    digi_test_id: Mapped[int | None] = mapped_column(ForeignKey("digi_tests.id"))
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))

    context: Mapped[LtiContext] = relationship()


class CourseMembership(Base):
    """A member of a course from Names and Role Provisioning, so HR sees who has not tested."""

    __tablename__ = "course_memberships"
    __table_args__ = (UniqueConstraint("context_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="Active")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LtiLaunchState(Base):
    """Launch data, OIDC state and used nonces, in the database so any worker finishes any launch."""

    __tablename__ = "lti_launch_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
