"""Who looked at personal results: one row per person-level view, for the privacy officer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """A person-level view (or change) by someone other than the employee, with ids only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    #: who looked; kept when that person is removed later (the event still happened)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))  # e.g. "course_overview.view"
    subject: Mapped[str] = mapped_column(String(255))  # e.g. "lti_context:12"
    detail: Mapped[str | None] = mapped_column(String(500))  # e.g. "3 participants, levels shown"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
