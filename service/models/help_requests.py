"""Help requests from low scores, and the coaching sessions digicoaches log for them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class HelpRequestStatus(enum.Enum):
    NEW = "new"
    CLAIMED = "claimed"  # a digicoach picked it up
    PLANNED = "planned"  # a session is planned
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # by the employee, who may withdraw at any time


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

    person = relationship("Person", foreign_keys=[person_id])
    coach = relationship("Person", foreign_keys=[coach_id])
    skill = relationship("Skill")
    sessions: Mapped[list[CoachingSession]] = relationship(back_populates="help_request")


class CoachingSession(Base):
    """A coaching session (planned or held) with its duration; held ones feed accreditation hours."""

    __tablename__ = "coaching_sessions"
    __table_args__ = (CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id", ondelete="SET NULL"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    help_request: Mapped[HelpRequest | None] = relationship(back_populates="sessions")
