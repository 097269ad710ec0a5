"""Run a scheduled job once when several schedulers share one database.

Two servers with the systemd timers, or two scheduler containers, fire the same job at about
the same time (the timers add a random delay of up to 15 minutes). Each run first claims the
job's row in ``job_locks``: it may run only when the row's ``locked_until`` has passed, and it
sets ``locked_until`` to ``window`` after its own start (at least as long as it runs, up to
``at_most`` if it crashes). A second scheduler within the window finds the row taken and skips.

This is ShedLock's scheme (lock-at-least / lock-at-most on one table row), and it needs nothing
from the database beyond an atomic conditional UPDATE, so it works the same on PostgreSQL
(the second UPDATE waits for the first transaction and then sees the new ``locked_until``)
and on SQLite (writers take turns). Times come from each host's clock: keep them in sync (NTP).
A run that fails releases the row at once, so another scheduler may still try.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from service import models as m
from service.db import Database, utcnow

#: when a crashed run's lock runs out at the latest (the longest job takes minutes)
AT_MOST = timedelta(hours=2)
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Claim:
    """The outcome of ``claim``: ``acquired``, or who holds the job (and since when) instead."""

    job: str
    acquired: bool
    holder: str
    locked_at: datetime


def holder_name() -> str:
    """This process, as it is written in ``locked_by``: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(database: Database, job: str, *, window: timedelta, now: datetime | None = None,
          holder: str | None = None, at_most: timedelta = AT_MOST) -> Claim:
    """Take ``job`` for this run, unless another run took it less than ``window`` ago (or still runs)."""
    now = now or utcnow()
    holder = holder or holder_name()
    with database.begin() as session:
        insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        # the row exists from the first run on; creating it never takes the job by itself
        session.execute(insert(m.JobLock).values(name=job, locked_until=_NEVER, locked_at=_NEVER, locked_by="")
                        .on_conflict_do_nothing(index_elements=["name"]))
        taken = session.execute(
            update(m.JobLock)
            .where(m.JobLock.name == job, m.JobLock.locked_until <= now)
            .values(locked_until=now + max(window, at_most), locked_at=now, locked_by=holder)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            return Claim(job, True, holder, now)
        session.execute(update(m.JobLock).where(m.JobLock.name == job)
                        .values(runs_skipped=m.JobLock.runs_skipped + 1).execution_options(synchronize_session=False))
        row = session.execute(select(m.JobLock.locked_by, m.JobLock.locked_at).where(m.JobLock.name == job)).one()
        return Claim(job, False, row.locked_by, row.locked_at)


def release(database: Database, claim_: Claim, *, window: timedelta, failed: bool = False,
            now: datetime | None = None) -> None:
    """End a run: others skip the job until ``window`` after its start; after a failure, not at all."""
    now = now or utcnow()
    until = now if failed else max(claim_.locked_at + window, now)
    counted = {"runs_failed": m.JobLock.runs_failed + 1} if failed else {"runs_ok": m.JobLock.runs_ok + 1}
    with database.begin() as session:
        session.execute(update(m.JobLock)
                        .where(m.JobLock.name == claim_.job, m.JobLock.locked_by == claim_.holder)
                        .values(locked_until=until, last_finished_at=now, **counted)
                        .execution_options(synchronize_session=False))
