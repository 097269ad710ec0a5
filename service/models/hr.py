"""Who is who according to HR: one record per personnel number, the import runs and the column mapping.

An HR record is the organisation's word on a person's function, team, location, manager and
employment; it links to the LMS person (``person_id``) once a launch or an e-mail tells us who
that is. Records are never deleted by an import: a leaver gets ``left_at``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class HrImportStatus(enum.Enum):
    """How an import run ended."""

    PENDING = "pending"  # uploaded and previewed, waiting for "apply"
    APPLIED = "applied"  # stored, all rows at once
    DRY_RUN = "dry_run"  # previewed from the command line, nothing stored
    REFUSED = "refused"  # the file or a row was wrong: nothing stored


class HrImportRun(Base):
    """One import of an HR file, for the audit trail: who, when, which file, what it changed."""

    __tablename__ = "hr_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: who imported; None for the command line (a nightly SFTP drop)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(16), default="web")  # web | cli
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[HrImportStatus] = mapped_column(enum_type(HrImportStatus, "hr_import_status"))
    rows_read: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    ended: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HrRecord(Base):
    """What HR says about one employee of the organisation (one per personnel number)."""

    __tablename__ = "hr_records"
    __table_args__ = (
        UniqueConstraint("organisation_id", "personnel_number"),
        Index("ix_hr_records_organisation_id_manager_number", "organisation_id", "manager_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    personnel_number: Mapped[str] = mapped_column(String(64))
    #: name and e-mail only where the organisation stores personal data; the e-mail can match a launch
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    #: the organisation's own code as HR sent it, and the function profile it maps to (None: unknown)
    function_code: Mapped[str | None] = mapped_column(String(64))
    function_name: Mapped[str | None] = mapped_column(String(200))
    function_profile_id: Mapped[int | None] = mapped_column(ForeignKey("function_profiles.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"), index=True)
    #: personnel number of this person's manager; a manager sees the teams of the people they lead
    manager_number: Mapped[str | None] = mapped_column(String(64))
    employed_from: Mapped[date | None] = mapped_column(Date)
    employed_until: Mapped[date | None] = mapped_column(Date)
    #: the LMS person this record belongs to, once known (personnel number at launch, or e-mail)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), unique=True)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: set when the person left: end of employment passed, or missing from a (full) import
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    left_reason: Mapped[str | None] = mapped_column(String(32))  # end_date | missing
    first_import_id: Mapped[int | None] = mapped_column(ForeignKey("hr_import_runs.id", ondelete="SET NULL"))
    last_import_id: Mapped[int | None] = mapped_column(ForeignKey("hr_import_runs.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person = relationship("Person")
    team = relationship("Team")
    location = relationship("Location")
    profile = relationship("FunctionProfile")


class HrColumnMapping(Base):
    """The columns of the organisation's HR file, mapped once to our fields and remembered."""

    __tablename__ = "hr_column_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    #: field name -> header text of the file, e.g. {"personnel_number": "Personeelsnummer"}
    columns: Mapped[dict] = mapped_column(JSON)
    #: the header row the mapping was made for; another header row asks for the mapping again
    headers: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class HrPendingImport(Base):
    """An uploaded, parsed HR file waiting for its mapping, preview and "apply" (web only).

    The parsed rows live here, not in the session cookie; the token in the URL is random and
    the row belongs to one organisation, so another organisation cannot see or apply it.
    """

    __tablename__ = "hr_pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list] = mapped_column(JSON)
    #: the data rows as lists of text (row numbers are their place in the file)
    rows: Mapped[list] = mapped_column(JSON)
    #: problems found while reading the file (formulas), as [row, column, message] triples
    problems: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
