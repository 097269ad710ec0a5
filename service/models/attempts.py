"""Attempts at a test version, the raw responses, and the skill levels they show."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class AttemptStatus(enum.Enum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # answers are final; scoring may still be pending
    SCORED = "scored"
    EXPIRED = "expired"  # the time limit passed before submission (then scored as is)


class Attempt(Base):
    """One person taking one test version. ``registration`` is the xAPI registration id."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("score_scaled IS NULL OR (score_scaled >= 0 AND score_scaled <= 1)", name="scaled_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    test_version_id: Mapped[int] = mapped_column(ForeignKey("test_versions.id"), index=True)
    #: the function the attempt was measured against, frozen at start
    function_profile_id: Mapped[int | None] = mapped_column(ForeignKey("function_profiles.id"))
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="SET NULL"),
                                                         index=True)  # a course overview's placement
    status: Mapped[AttemptStatus] = mapped_column(enum_type(AttemptStatus, "attempt_status"), default=AttemptStatus.IN_PROGRESS)
    #: seed for the per-attempt option order, so a resumed attempt shows the same order
    shuffle_seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score_raw: Mapped[float | None]
    score_max: Mapped[float | None]
    score_scaled: Mapped[float | None]
    passed: Mapped[bool | None]

    organisation = relationship("Organisation")
    person = relationship("Person")
    test_version = relationship("TestVersion")
    function_profile = relationship("FunctionProfile")
    responses: Mapped[list[Response]] = relationship(back_populates="attempt", cascade="all, delete-orphan")
    observations: Mapped[list[SkillObservation]] = relationship(back_populates="attempt", cascade="all, delete-orphan")

    @property
    def is_finished(self) -> bool:
        return self.status is not AttemptStatus.IN_PROGRESS


class Response(Base):
    """The answer to one item, stored raw as given; one per item, overwritten until submission."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    answer: Mapped[dict] = mapped_column(JSON)  # {"value": ...} as the item type expects
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    score: Mapped[float | None]

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    item = relationship("Item")


class SkillObservation(Base):
    """The level an attempt demonstrated for one skill, with the requirement it was held against."""

    __tablename__ = "skill_observations"
    __table_args__ = (
        UniqueConstraint("attempt_id", "skill_id"),
        CheckConstraint("level BETWEEN 0 AND 4", name="level_range"),
        # the level as it stood on a past date (dashboard period filter, monthly snapshots)
        Index("ix_skill_observations_person_id_skill_id_observed_at", "person_id", "skill_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    level: Mapped[int]
    required_level: Mapped[int | None]
    evidence_count: Mapped[int] = mapped_column(default=0)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="observations")
    skill = relationship("Skill")


class CurrentSkillLevel(Base):
    """A person's latest demonstrated level per skill: what HR figures are computed from."""

    __tablename__ = "current_skill_levels"
    __table_args__ = (
        UniqueConstraint("person_id", "skill_id"),
        CheckConstraint("level BETWEEN 0 AND 4", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    level: Mapped[int]
    observation_id: Mapped[int] = mapped_column(ForeignKey("skill_observations.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the first level ever shown for the skill and when: "did people get better?" without the history
    first_level: Mapped[int | None]
    first_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    skill = relationship("Skill")
