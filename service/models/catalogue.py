"""Content loaded from the YAML files: skills, function profiles, resources and help rules.

Content is shared by every organisation; ``content_key`` holds the code from the files so a
reload updates rows in place instead of creating new ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow


class Theme(Base):
    """One of the eight themes of Digivaardig in de zorg (Applicaties, Office 365, ...)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    #: English next to the Dutch (None: the content has no English); see ``localized``
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    skills: Mapped[list[Skill]] = relationship(back_populates="theme", order_by="Skill.position")


class Skill(Base):
    """A digital skill with a descriptor per level 1-4."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str] = mapped_column(String(16), default="beide")
    position: Mapped[int] = mapped_column(default=0)
    #: False once the skill disappeared from the content files; kept for old results
    active: Mapped[bool] = mapped_column(default=True)

    theme: Mapped[Theme] = relationship(back_populates="skills")
    levels: Mapped[list[SkillLevelDescriptor]] = relationship(
        back_populates="skill", order_by="SkillLevelDescriptor.level", cascade="all, delete-orphan"
    )


class SkillLevelDescriptor(Base):
    """What a person can do at one level of one skill."""

    __tablename__ = "skill_levels"
    __table_args__ = (
        UniqueConstraint("skill_id", "level"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    level: Mapped[int]
    descriptor: Mapped[str] = mapped_column(Text)
    descriptor_en: Mapped[str | None] = mapped_column(Text)

    skill: Mapped[Skill] = relationship(back_populates="levels")


class FunctionProfile(Base):
    """A functieprofiel with the minimum level (Maatstaf) it asks per skill or theme."""

    __tablename__ = "function_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    hr_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Requirement.position"
    )


class Requirement(Base):
    """Function profile x (skill or theme) -> minimum level, mandatory, recertification interval."""

    __tablename__ = "requirements"
    __table_args__ = (
        CheckConstraint("min_level BETWEEN 1 AND 4", name="min_level_range"),
        CheckConstraint("(skill_id IS NULL) <> (theme_id IS NULL)", name="skill_xor_theme"),
        CheckConstraint("recertify_months IS NULL OR recertify_months > 0", name="recertify_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    function_profile_id: Mapped[int] = mapped_column(ForeignKey("function_profiles.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    min_level: Mapped[int]
    mandatory: Mapped[bool] = mapped_column(default=True)
    recertify_months: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    profile: Mapped[FunctionProfile] = relationship(back_populates="requirements")
    skill: Mapped[Skill | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class LearningResource(Base):
    """A tip or link for a skill; the personal development plan draws on these."""

    __tablename__ = "learning_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str | None] = mapped_column(String(200))
    text_en: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    levels: Mapped[list[int]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    skill: Mapped[Skill] = relationship()


class HelpRule(Base):
    """When a result leads to a help request (trigger, threshold, theme filter, priority)."""

    __tablename__ = "help_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    trigger: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int | None]
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(16), default="normaal")
    active: Mapped[bool] = mapped_column(default=True)


class ContentRelease(Base):
    """One load of the content files that changed something: what, when and the folder's hash."""

    __tablename__ = "content_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
