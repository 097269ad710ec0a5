"""Help requests from low scores, and the coaching sessions digicoaches log for them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class HelpRequestStatus(enum.Enum):
    NEW = "new"
    CLAIMED = "claimed"  # a digicoach picked it up
    PLANNED = "planned"  # a session is planned
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # by the employee, who may withdraw at any time
    CLOSED = "closed"  # by a coach, with a reason (no response, referred to ICT or a training)


class ContactMethod(enum.Enum):
    """How the employee wants a digicoach to get in touch."""

    IN_PERSON = "in_person"  # the coach comes by on the ward
    PHONE = "phone"
    EMAIL = "email"
    TEAMS = "teams"


class PlaceKind(enum.Enum):
    """Where a planned moment takes place."""

    WARD = "ward"  # op de afdeling
    DROP_IN = "drop_in"  # het spreekuur
    ONLINE = "online"  # an online link


class CloseReason(enum.Enum):
    """Why a coach closed a request without resolving it."""

    WITHDRAWN = "withdrawn"  # the employee withdrew it by word of mouth
    NO_RESPONSE = "no_response"  # no answer after several tries
    REFERRED_ICT = "referred_ict"  # not a skill gap: a broken account, a missing app
    REFERRED_TRAINING = "referred_training"


class HelpRequest(Base):
    """A wish for help with one skill, with the employee's consent recorded."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: identity outside the database (xAPI activity and statement ids): never reused
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    help_rule_id: Mapped[int | None] = mapped_column(ForeignKey("help_rules.id", ondelete="SET NULL"))
    status: Mapped[HelpRequestStatus] = mapped_column(
        enum_type(HelpRequestStatus, "help_request_status"), default=HelpRequestStatus.NEW, index=True
    )
    priority: Mapped[str] = mapped_column(String(16), default="normaal")
    #: when and to what the employee agreed (the text shown), so consent can be shown later
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_text: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    #: how the employee wants to be contacted, and the number or address where that needs one
    contact_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod, "contact_method"))
    contact_detail: Mapped[str | None] = mapped_column(String(320))
    #: the employee chose to show the coach which questions went wrong (off by default)
    share_items: Mapped[bool] = mapped_column(default=False, server_default="0")
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place_kind: Mapped[PlaceKind | None] = mapped_column(enum_type(PlaceKind, "place_kind"))
    place: Mapped[str | None] = mapped_column(String(500))
    close_reason: Mapped[CloseReason | None] = mapped_column(enum_type(CloseReason, "close_reason"))
    #: the coaches of the scope were reminded that the pick-up target passed
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person = relationship("Person", foreign_keys=[person_id])
    coach = relationship("Person", foreign_keys=[coach_id])
    skill = relationship("Skill")
    sessions: Mapped[list[CoachingSession]] = relationship(back_populates="help_request")


class CoachingSession(Base):
    """A held coaching session; what happened lives in its versions (a correction is a new version).

    ``person_id`` and ``duration_minutes`` are from before group sessions (one employee per session);
    new sessions keep the attendees and their minutes in ``CoachingAttendance`` rows.
    """

    __tablename__ = "coaching_sessions"
    __table_args__ = (CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id", ondelete="SET NULL"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    help_request: Mapped[HelpRequest | None] = relationship(back_populates="sessions")
    coach = relationship("Person", foreign_keys=[coach_id])
    versions: Mapped[list[CoachingSessionVersion]] = relationship(
        back_populates="session", order_by="CoachingSessionVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> CoachingSessionVersion:
        return self.versions[-1]


class SessionForm(enum.Enum):
    """How the coaching took place."""

    ON_THE_JOB = "on_the_job"  # 1-op-1 on the job
    DROP_IN = "drop_in"  # spreekuur or group
    ONLINE = "online"


class CoachingSessionVersion(Base):
    """One version of what a session was: the first record or a correction, with who and when."""

    __tablename__ = "coaching_session_versions"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    form: Mapped[SessionForm] = mapped_column(enum_type(SessionForm, "session_form"))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    applications: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: only coaches see it; never shown to the employee or HR
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[CoachingSession] = relationship(back_populates="versions")
    attendances: Mapped[list[CoachingAttendance]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="CoachingAttendance.id"
    )


class CoachingAttendance(Base):
    """An employee at one version of a session, with their own minutes (a group has many)."""

    __tablename__ = "coaching_attendances"
    __table_args__ = (
        UniqueConstraint("version_id", "person_id"),
        CheckConstraint("minutes >= 1 AND minutes <= 600", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: identity of the xAPI "attended" statement of this attendance (a correction voids the old one)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    version_id: Mapped[int] = mapped_column(ForeignKey("coaching_session_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int]

    version: Mapped[CoachingSessionVersion] = relationship(back_populates="attendances")
    person = relationship("Person")
