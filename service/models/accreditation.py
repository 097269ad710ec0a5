"""Accreditation: registries, earning rules, consented registration numbers and ledgers.

Hours and points are append-only ledgers (a correction is a new row), never a counter that
gets overwritten, so every figure an administrator exports can be traced back.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mappings import model
from mappings.model import ActivityKind, ActivityType, Counting
from service.db import Base, UTCDateTime, utcnow
from service.models._types import EncryptedString, enum_type


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
    counting: Mapped[Counting] = mapped_column(enum_type(Counting, "earning_counting"), default=Counting.THRESHOLD)
    #: a digi-toets passed at the function level counts this many minutes (None: its own)
    test_minutes: Mapped[int | None]

    accreditation_registry: Mapped[AccreditationRegistry] = relationship(back_populates="rules")

    def as_rule(self) -> model.EarningRule:
        """The pure rule ``mappings.points`` evaluates."""
        return model.EarningRule(self.code, tuple(ActivityKind(k) for k in self.activity_kinds), self.min_hours,
                                 self.points, self.certificate, self.period_months, self.counting, self.test_minutes)


class AccreditedActivity(Base):
    """An activity a registry accredited (content): its PE-online course id, period and rule.

    A changed course id updates this row; records keep the id they were earned under.
    """

    __tablename__ = "accredited_activities"
    __table_args__ = (UniqueConstraint("registry_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[ActivityType] = mapped_column(enum_type(ActivityType, "activity_type"))
    earning_rule_id: Mapped[int] = mapped_column(ForeignKey("earning_rules.id"))
    pe_course_id: Mapped[int | None]
    external_course_id: Mapped[str | None] = mapped_column(String(100))
    module_id: Mapped[str | None] = mapped_column(String(100))
    edition_id: Mapped[str | None] = mapped_column(String(100))
    #: a classroom course with more than one meeting: the meeting attendance is reported for
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)

    accreditation_registry: Mapped[AccreditationRegistry] = relationship()
    rule: Mapped[EarningRule] = relationship()

    def as_activity(self) -> model.AccreditedActivity:
        """The pure activity ``mappings.points`` evaluates."""
        return model.AccreditedActivity(
            self.code, self.title, self.type, self.rule.code, self.valid_from, self.valid_until, self.pe_course_id,
            self.external_course_id, self.module_id, self.edition_id, meeting_id=self.meeting_id)


class RegistrationNumber(Base):
    """A person's number in a registry. Kept only with consent; only accreditation staff see it."""

    __tablename__ = "registration_numbers"
    __table_args__ = (UniqueConstraint("person_id", "registry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id", ondelete="CASCADE"))
    #: encrypted at rest; erased (None) when consent is withdrawn
    number: Mapped[str | None] = mapped_column(EncryptedString(255))
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
    #: a correction: this row takes back the row it names (once: unique)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("learning_hours.id", ondelete="CASCADE"), unique=True)


class RecordStatus(enum.Enum):
    """Where a points record is on its way to the registry."""

    PENDING = "pending"  # earned, not yet sent or exported
    EXPORTED = "exported"  # in an export or sent to PE-online; no answer yet
    ACCEPTED = "accepted"  # PE-online accepted the row
    REJECTED = "rejected"  # PE-online refused the row; ``status_message`` says why


class AccreditationRecord(Base):
    """Points a person earned for one accredited activity, derived from the hours ledger.

    Append-only: a correction is a second row with ``reverses_id`` set and negative points.
    ``status`` is the delivery state only; it never changes the points. The course id the
    points were earned under is copied here, so a new accreditation id leaves these alone.
    """

    __tablename__ = "accreditation_records"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id", "award_key", "is_reversal"),
        Index("ix_accreditation_records_registry_status", "organisation_id", "registry_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    registry_id: Mapped[int] = mapped_column(ForeignKey("accreditation_registries.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("accredited_activities.id"), index=True)
    #: ``mappings.points.Award.key``: the activity and the ledger rows used
    award_key: Mapped[str] = mapped_column(String(40))
    is_reversal: Mapped[bool] = mapped_column(default=False)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("accreditation_records.id"), unique=True)
    points: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))  # negative for a reversal
    minutes: Mapped[int]
    entry_ids: Mapped[list[int]] = mapped_column(JSON)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())  # completed: the endDate for PE-online
    activity_type: Mapped[ActivityType] = mapped_column(enum_type(ActivityType, "activity_type"))
    accreditation_id: Mapped[str] = mapped_column(String(100))
    pe_course_id: Mapped[int | None]
    external_course_id: Mapped[str | None] = mapped_column(String(100))
    module_id: Mapped[str | None] = mapped_column(String(100))
    edition_id: Mapped[str | None] = mapped_column(String(100))
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    certificate_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[RecordStatus] = mapped_column(enum_type(RecordStatus, "record_status"), default=RecordStatus.PENDING)
    status_code: Mapped[str | None] = mapped_column(String(32))
    status_message: Mapped[str | None] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activity: Mapped[AccreditedActivity] = relationship()
    accreditation_registry: Mapped[AccreditationRegistry] = relationship()


class PointsCursor(Base):
    """How far the points job has read an organisation's hours ledger; leased while it runs."""

    __tablename__ = "points_cursors"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    last_entry_id: Mapped[int] = mapped_column(default=0)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PeOnlineAccount(Base):
    """An organisation's PE-online provider account for the web service; the key is encrypted at rest."""

    __tablename__ = "pe_online_accounts"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100))
    user_key: Mapped[str] = mapped_column(EncryptedString(255))
    email: Mapped[str] = mapped_column(String(320))  # PE-online mails its error report here
    endpoint: Mapped[str] = mapped_column(String(500), default="https://www.pe-online.org")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExportStatus(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AccreditationExport(Base):
    """A long export (PE-online XML of a period, or an activity's certificates) made in the background.

    The page polls ``done`` of ``total``; the finished file lies under the instance folder
    until it is downloaded or a day old. Only the organisation's accreditation staff see it.
    """

    __tablename__ = "accreditation_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # "xml" or "certificates"
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[ExportStatus] = mapped_column(enum_type(ExportStatus, "export_status"), default=ExportStatus.WAITING)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    mimetype: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the maker holding the lease (host:pid:random)
    claims: Mapped[int] = mapped_column(default=0, server_default="0")  # how many makers took it
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
