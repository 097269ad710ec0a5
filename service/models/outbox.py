"""The transactional outbox: side effects written with the event, delivered after commit."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
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


#: PostgreSQL announces new rows on this channel (a trigger, migration 0026): a waiting worker starts at once
NOTIFY_CHANNEL = "digitoets_outbox"

#: the partial indexes' predicates (literal SQL: a bound parameter would not match them)
OPEN_ROWS = "status <> 'delivered'"
COMPACTABLE_ROWS = "status = 'delivered' AND compacted_at IS NULL"


class OutboxItem(Base):
    """One message to deliver. ``dedupe_key`` (the statement id, a mail's key) makes a retry harmless."""

    __tablename__ = "outbox_items"
    __table_args__ = (
        UniqueConstraint("kind", "dedupe_key"),
        Index("ix_outbox_items_due", "kind", "status", "next_attempt_at"),
        # the admin pages count what is not delivered (few rows) from this index; delivered rows
        # are counted in OutboxTotal. The forwarder leases an organisation's due rows from it in id
        # order (``id`` last), so a lease reads its batch and stops, whatever the backlog and however
        # many rows were delivered before it. Queries must repeat the predicate literally to use it.
        Index("ix_outbox_items_open", "organisation_id", "kind", "status", "id",
              postgresql_where=text(OPEN_ROWS), sqlite_where=text(OPEN_ROWS)),
        # delivered rows whose payload is still there: what ``service.jobs.purge.compact_outbox`` finds
        Index("ix_outbox_items_compactable", "delivered_at",
              postgresql_where=text(COMPACTABLE_ROWS), sqlite_where=text(COMPACTABLE_ROWS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_type(OutboxKind, "outbox_kind"))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    #: None once compacted (a delivered row after DIGITOETS_OUTBOX_PAYLOAD_DAYS): id and status stay
    payload: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the payload of this delivered row was removed or cut down (it is never sent again)
    compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxTotal(Base):
    """How many outbox rows of a kind an organisation ever had delivered: a counter, so the admin
    pages never count millions of delivered rows. Raised in the transaction that marks rows delivered."""

    __tablename__ = "outbox_totals"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_type(OutboxKind, "outbox_kind"), primary_key=True)
    delivered: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestCursor(Base):
    """How far ``digitoets xapi ingest`` has read an organisation's LRS (its ``stored`` time)."""

    __tablename__ = "ingest_cursors"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
