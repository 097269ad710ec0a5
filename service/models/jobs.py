"""Locks that let several schedulers share one database and still run a scheduled job once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime


class JobLock(Base):
    """One row per scheduled job: who runs it (or ran it last) and until when others must skip it.

    See ``service.jobs.run_once``: a scheduler takes the row only when ``locked_until`` has passed.
    """

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_by: Mapped[str] = mapped_column(String(255))
    #: runs of this job as a scheduler started them (``--scheduled``), for /metrics: counters that
    #: hold across processes, hosts and CronJob pods, unlike a process's own
    runs_ok: Mapped[int] = mapped_column(default=0, server_default="0")
    runs_failed: Mapped[int] = mapped_column(default=0, server_default="0")
    runs_skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
