"""Digi-toetsen: a test per application and function level, with immutable versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow

test_version_profiles = Table(
    "test_version_profiles",
    Base.metadata,
    Column("test_version_id", ForeignKey("test_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("function_profile_id", ForeignKey("function_profiles.id", ondelete="CASCADE"), primary_key=True),
)


class DigiTest(Base):
    """A digi-toets identity (``ecd-rapportage``); its content lives in versions."""

    __tablename__ = "digi_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    application: Mapped[str] = mapped_column(String(200))
    function_level: Mapped[str] = mapped_column(String(64))
    #: English next to the Dutch (None: the content has no English); see ``localized``
    application_en: Mapped[str | None] = mapped_column(String(200))
    function_level_en: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)

    versions: Mapped[list[TestVersion]] = relationship(back_populates="test", order_by="TestVersion.number")

    @property
    def current_version(self) -> TestVersion | None:
        return self.versions[-1] if self.versions else None


class TestVersion(Base):
    """An immutable version of a test. A content change makes a new one; attempts keep theirs."""

    __tablename__ = "test_versions"
    __table_args__ = (
        UniqueConstraint("digi_test_id", "number"),
        CheckConstraint("pass_ratio > 0 AND pass_ratio <= 1", name="pass_ratio_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digi_test_id: Mapped[int] = mapped_column(ForeignKey("digi_tests.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[int]
    time_limit_minutes: Mapped[int | None]
    pass_ratio: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    test: Mapped[DigiTest] = relationship(back_populates="versions")
    items: Mapped[list[Item]] = relationship(
        back_populates="test_version", order_by="Item.position", cascade="all, delete-orphan"
    )
    profiles = relationship("FunctionProfile", secondary=test_version_profiles)


class Item(Base):
    """A question in a test version. ``data`` holds options or steps as in the content file."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("test_version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    test_version_id: Mapped[int] = mapped_column(ForeignKey("test_versions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    #: {"options": [{"code", "text", "text_en", "correct"}], "steps": [...], "steps_en": [...]}
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    feedback: Mapped[str] = mapped_column(Text, default="")
    prompt_en: Mapped[str | None] = mapped_column(Text)
    feedback_en: Mapped[str | None] = mapped_column(Text)

    test_version: Mapped[TestVersion] = relationship(back_populates="items")
    skills: Mapped[list[ItemSkill]] = relationship(back_populates="item", cascade="all, delete-orphan")


class ItemSkill(Base):
    """Evidence link: a right answer on the item shows the skill at ``level``, with a weight."""

    __tablename__ = "item_skills"
    __table_args__ = (
        UniqueConstraint("item_id", "skill_id"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    level: Mapped[int]
    weight: Mapped[float] = mapped_column(default=1.0)

    item: Mapped[Item] = relationship(back_populates="skills")
    skill = relationship("Skill")
