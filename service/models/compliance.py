"""The compliance picture's own records: exemptions HR grants, targets, and monthly snapshots.

The statuses themselves are computed when asked (see :mod:`mappings.compliance` and
:mod:`service.operations.compliance`); only what cannot be recomputed is stored here: HR's
decisions (exemptions, targets) and the figures of past months (snapshots), which keep the
trend line even after people leave and attempts pass their retention.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow


class Exemption(Base):
    """HR's decision that a person need not meet one skill's requirement until a date (inclusive).

    Granted to a person who launched (``person_id``) or to an HR record no launch has linked
    yet (``hr_record_id``): that exemption follows the record, so it is the person's once their
    first launch links the record to them.
    """

    __tablename__ = "exemptions"
    __table_args__ = (
        Index("ix_exemptions_person_id_skill_id", "person_id", "skill_id"),
        CheckConstraint("person_id IS NOT NULL OR hr_record_id IS NOT NULL", name="holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    hr_record_id: Mapped[int | None] = mapped_column(ForeignKey("hr_records.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    #: who granted it; kept as NULL when that person is removed (the audit log keeps the event)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person = relationship("Person", foreign_keys=[person_id])
    hr_record = relationship("HrRecord")
    skill = relationship("Skill")


class ComplianceTarget(Base):
    """An organisation's aim, e.g. "80% voldoet aan het basisniveau" by a date, at one level of the hierarchy."""

    __tablename__ = "compliance_targets"
    __table_args__ = (
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        CheckConstraint("level IN ('organisation', 'location', 'team', 'function')", name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), default="organisation")
    percent: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ComplianceSnapshotRun(Base):
    """The claim on one organisation's month: the unique key lets only one scheduler make the snapshot."""

    __tablename__ = "compliance_snapshot_runs"
    __table_args__ = (UniqueConstraint("organisation_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    groups: Mapped[int] = mapped_column(default=0)

    snapshots: Mapped[list[ComplianceSnapshot]] = relationship(back_populates="run", cascade="all, delete-orphan")


class ComplianceSnapshot(Base):
    """The figures of one shown group in one month (groups below the minimum are never stored).

    ``group_key`` names the group by ids: ``l3``, ``l3.t7``, ``l3.t7.f2``; ``*`` is a pooled
    "overig" and ``-`` a missing team or location. ``statuses`` holds, per skill code, the
    count per status (``{"mail": {"met": 12, "not_tested": 3}}``).
    """

    __tablename__ = "compliance_snapshots"
    __table_args__ = (UniqueConstraint("run_id", "level", "group_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("compliance_snapshot_runs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(100))
    headcount: Mapped[int]
    all_met: Mapped[int]
    statuses: Mapped[dict] = mapped_column(JSON, default=dict)

    run: Mapped[ComplianceSnapshotRun] = relationship(back_populates="snapshots")


class HrDashboardFigures(Base):
    """One view of the HR dashboard as the worker computed it, shared by every web process.

    ``figures`` is the view as JSON: group figures only, exactly as the live computation shows
    them (groups under the minimum pooled), never a person. ``view_key`` names the view
    (``location``, ``team:l3``, ``function:l3:t7``); ``state`` sums up what the figures were
    computed from, so the worker can tell whether anything changed since
    (:mod:`service.operations.hr_dashboard_cache`).
    """

    __tablename__ = "hr_dashboard_figures"
    __table_args__ = (UniqueConstraint("organisation_id", "view_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    view_key: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(64))
    figures: Mapped[str] = mapped_column(Text)
