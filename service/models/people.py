"""People, pseudonymous by default: keyed by the LMS issuer and subject, never by name."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class ToolRole(enum.Enum):
    """What a person may do in Digitoets; one person can hold several."""

    EMPLOYEE = "employee"
    COURSE_ADMIN = "course_admin"
    ORG_ADMIN = "org_admin"
    HR = "hr"
    #: a team manager: sees the teams of the people HR data names them manager of
    MANAGER = "manager"
    COACH = "coach"
    COACH_COORDINATOR = "coach_coordinator"
    #: the accreditation administrator
    ACCREDITATION = "accreditation"


class CoachMail(enum.Enum):
    """How a coach hears of new help requests by e-mail."""

    IMMEDIATE = "immediate"  # one mail per request, when it arrives
    DAILY = "daily"  # one digest a day (``digitoets mail digest``)


class RoleSource(enum.Enum):
    """Where a role came from. The two are kept apart: LMS roles follow the latest launch (and
    the roster), roles granted in the tool stay until an admin takes them away."""

    LMS = "lms"
    TOOL = "tool"


class AssignmentSource(enum.Enum):
    """Where a person's function came from; a later, stronger source overrides a self-choice."""

    LTI = "lti"
    HR_IMPORT = "hr_import"
    SELF_CHOSEN = "self_chosen"


class Person(Base):
    """An employee (or coach, HR officer...) of one organisation."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("organisation_id", "issuer", "subject"),
        Index("ix_people_organisation_id_personnel_number", "organisation_id", "personnel_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: the LMS issuer and ``sub`` claim; for demo and imported people an issuer of our own
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    #: stable random id used wherever the person leaves the tool (xAPI account name)
    pseudonym: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    #: the HR personnel number the LMS sent (lis.person_sourcedid or a custom parameter); links HR records
    personnel_number: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    #: a coach's choice: a mail per new help request, or a daily digest
    coach_mail: Mapped[CoachMail] = mapped_column(enum_type(CoachMail, "coach_mail"), default=CoachMail.IMMEDIATE,
                                                  server_default=CoachMail.IMMEDIATE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: set when the person was erased or pseudonymised: name, e-mail and LMS account are gone
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    organisation = relationship("Organisation")
    team = relationship("Team")
    roles: Mapped[list[PersonRole]] = relationship(back_populates="person", cascade="all, delete-orphan")
    function_assignments: Mapped[list[FunctionAssignment]] = relationship(
        back_populates="person", order_by="FunctionAssignment.valid_from", cascade="all, delete-orphan"
    )

    def has_role(self, role: ToolRole, source: RoleSource | None = None) -> bool:
        """Whether the person holds ``role`` (from ``source`` only, when given)."""
        return any(r.role is role and (source is None or r.source is source) for r in self.roles)

    def granted_in_tool(self, role: ToolRole) -> bool:
        return self.has_role(role, RoleSource.TOOL)

    def given_by_lms(self, role: ToolRole) -> bool:
        return self.has_role(role, RoleSource.LMS)


class PersonRole(Base):
    """A tool role held by a person, with who or what granted it.

    A person may hold the same role twice, once from each source: taking the LMS's away (a
    demotion in the LMS) leaves the one granted in the tool, and the other way round.
    """

    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("person_id", "role", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[ToolRole] = mapped_column(enum_type(ToolRole, "tool_role"))
    source: Mapped[RoleSource] = mapped_column(enum_type(RoleSource, "role_source"), default=RoleSource.LMS)
    granted_by: Mapped[str] = mapped_column(String(64), default="lti")  # lti | nrps | person:<id> | demo
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="roles")


class FunctionAssignment(Base):
    """A dated function of a person; the open one (``valid_until`` is NULL) is current."""

    __tablename__ = "function_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    function_profile_id: Mapped[int] = mapped_column(ForeignKey("function_profiles.id"))
    source: Mapped[AssignmentSource] = mapped_column(enum_type(AssignmentSource, "assignment_source"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: why the employee changed their own function (self-chosen changes only)
    reason: Mapped[str | None] = mapped_column(Text)
    #: the employee answered "weet ik niet / staat er niet bij": the organisation's default function
    is_default: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(back_populates="function_assignments")
    profile = relationship("FunctionProfile")
