"""The transactional outbox: side effects written with the event, delivered after commit."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.models._types import enum_type


class OutboxKind(enum.Enum):
    XAPI = "xapi"  # an xAPI statement for the organisation's LRS
    AGS_SCORE = "ags_score"  # a score for the LMS gradebook
    MAIL = "mail"  # an e-mail, rendered when queued, sent over SMTP (service.jobs.mail)
    PE_ONLINE = "pe_online"  # a call to PE-online's attendance web service (service.jobs.pe_online)


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # refused by the receiver; waits for a fix and a manual retry
    CONFLICT = "conflict"  # the LRS holds a different statement with our id


class OutboxItem(Base):
    """One message to deliver. ``dedupe_key`` (the statement id, a mail's key) makes a retry harmless."""

    __tablename__ = "outbox_items"
    __table_args__ = (
        UniqueConstraint("kind", "dedupe_key"),
        Index("ix_outbox_items_due", "kind", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_type(OutboxKind, "outbox_kind"))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IngestCursor(Base):
    """How far ``digitoets xapi ingest`` has read an organisation's LRS (its ``stored`` time)."""

    __tablename__ = "ingest_cursors"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
