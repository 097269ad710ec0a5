"""Accreditation: registries, earning rules, consented registration numbers and ledgers.

Hours and points are append-only ledgers (a correction is a new row), never a counter that
gets overwritten, so every figure an administrator exports can be traced back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type

from mappings.model import ActivityKind


class AccreditationRegistry(Base):
    """A professional register (V&VN Kwaliteitsregister, KNMG-GAIA, KABIZ, NVvPO)."""

    __tablename__ = "accreditation_registries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    pe_online_org_id: Mapped[int | None]
    number_label: Mapped[str] = mapped_column(String(100), default="Registratienummer")
    #: English next to the Dutch (None: the content has no English); see ``localized``
    name_en: Mapped[str | None] = mapped_column(String(200))
    number_label_en: Mapped[str | None] = mapped_column(String(100))
    number_pattern: Mapped[str | None] = mapped_column(String(200))
    professions: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    rules: Mapped[list[EarningRule]] = relationship(back_populates="accreditation_registry")


class EarningRule(Base):
    """E.g. "at least 3 hours of digicoaching within 12 months gives 3 points and a certificate"."""

    __tablename__ = "earning_rules"
    __table_args__ = (
        UniqueConstraint("registry_id", "code"),
        CheckConstraint("min_hours > 0", name="min_hours_positive"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    activity_kinds: Mapped[list[str]] = mapped_column(JSON)
    min_hours: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    points: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    certificate: Mapped[bool] = mapped_column(default=False)
    period_months: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)

    accreditation_registry: Mapped[AccreditationRegistry] = relationship(back_populates="rules")


class AccreditedActivity(Base):
    """An organisation's activity as the registry knows it (its accreditation id there)."""

    __tablename__ = "accredited_activities"
    __table_args__ = (UniqueConstraint("organisation_id", "registry_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id", ondelete="CASCADE"))
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "activity_kind"))
    title: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100))  # e.g. the PE-online activity number
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RegistrationNumber(Base):
    """A person's number in a registry. Kept only with consent; only accreditation staff see it."""

    __tablename__ = "registration_numbers"
    __table_args__ = (UniqueConstraint("person_id", "registry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LearningHours(Base):
    """Ledger of time spent learning: coaching, tests and e-learning (also from the LRS)."""

    __tablename__ = "learning_hours"
    __table_args__ = (UniqueConstraint("source", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "activity_kind"))
    #: positive for time spent; a negative row corrects an earlier one
    minutes: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: what created the row (coaching_session, attempt, xapi) and its id: makes imports idempotent
    source: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccreditationRecord(Base):
    """Ledger of points granted (or corrected) under an earning rule, with its certificate."""

    __tablename__ = "accreditation_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    earning_rule_id: Mapped[int] = mapped_column(ForeignKey("earning_rules.id"))
    hours: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    points: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))  # negative for a correction
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    certificate_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("accreditation_records.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    rule = relationship("EarningRule")
