"""Long accreditation exports in the background, with progress the page shows.

A PE-online XML export of a long period, or the certificates of an activity as a ZIP, is
queued as an ``AccreditationExport`` row (``accreditation_admin.queue_export``) by the web
request and made here by the long-running worker (``digitoets xapi forward --loop`` calls
``WorkerStep`` each round), on whichever host it runs: the web process never makes one, so
a web pod that is scaled down or restarted interrupts nothing. The file is written under
``<instance>/exports``, which every web host must share with the workers (it is on the
instance volume in Kubernetes and compose).

One page per transaction: a page of at most 1,000 records becomes one PE-online document
(checked against the XSD, its records marked exported), or 50 certificates are rendered;
the page goes into a file of the maker's own and ``done`` is committed with it, so the
page that polls sees it move.

Several workers on one database: a maker first claims the row with a conditional UPDATE
(waiting, or running with its lease run out), sets ``claimed_by`` to itself and a lease of
``LEASE_SECONDS``, and renews the lease with each page. Every page update and the finish
count only while ``claimed_by`` is still the maker (a fence), so a maker that was paused past
its lease and comes back stops without touching the row or the finished file. A maker that
died leaves its lease behind; the next claimant after the lease starts the export again from
the beginning (the file of a dead maker cannot be trusted to hold exactly the committed
pages, and starting again is safe: an export takes waiting and exported records alike).
After ``MAX_CLAIMS`` makers the export is given up as failed. A worker that is asked to stop
hands its export back at once (waiting again, not counted).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select, update

from service import models as m
from service.db import Database, utcnow
from service.operations import accreditation_admin as admin
from service.operations import accreditation_export as export
from service.operations import certificates

logger = logging.getLogger(__name__)

#: a maker renews its lease with every page (seconds at most); one that stops is replaced after this
LEASE_SECONDS = 300
#: makers that may take one export before it is given up (each one that died counts)
MAX_CLAIMS = 3
#: a finished export's file is kept this long for downloading (it holds registration numbers)
KEEP_FILES = timedelta(days=1)
#: how often a worker removes old files
PURGE_EVERY = timedelta(minutes=10)

_Table = m.AccreditationExport


class LeaseLost(Exception):
    """Raised when another maker took the export over (this one was stopped past its lease)."""


class Stopped(Exception):
    """Raised when the worker is asked to stop between two pages."""


def holder_name() -> str:
    """This maker, as written in ``claimed_by``: host, process id and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def export_file(directory: Path, export_uuid) -> Path:
    """Where a finished export's file lies."""
    return directory / f"{export_uuid}.bin"


def exports_dir(instance_path: Path) -> Path:
    """``<instance>/exports``, created readable for this user only (the files hold registration numbers)."""
    directory = instance_path / "exports"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _due(now: datetime):
    return or_(_Table.status == m.ExportStatus.WAITING,
               (_Table.status == m.ExportStatus.RUNNING) & (_Table.leased_until < now))


def claim(database: Database, export_id: int, now: datetime, holder: str) -> m.AccreditationExport | None:
    """Take the export for ``holder`` if it waits or its maker's lease ran out; None if another has it.

    One conditional UPDATE: on PostgreSQL a second claimant waits for the first one's
    transaction and then no longer matches; on SQLite writers take turns.
    """
    with database.begin() as session:
        claimed = session.execute(
            update(_Table).where(_Table.id == export_id, _due(now), _Table.claims < MAX_CLAIMS)
            .values(status=m.ExportStatus.RUNNING, leased_until=now + timedelta(seconds=LEASE_SECONDS),
                    claimed_by=holder, claims=_Table.claims + 1, done=0, error=None)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            given_up = session.execute(
                update(_Table).where(_Table.id == export_id, _due(now), _Table.claims >= MAX_CLAIMS)
                .values(status=m.ExportStatus.FAILED, error="MakersStopped", finished_at=now, leased_until=None,
                        claimed_by=None)
                .execution_options(synchronize_session=False)).rowcount
            if given_up:
                logger.error("Accreditation export %s given up: %d makers stopped halfway", export_id, MAX_CLAIMS)
            return None
        row = session.get(_Table, export_id)
        session.expunge(row)
        return row


def _settle(session, job: m.AccreditationExport, holder: str, **values) -> None:
    """Change the export only while ``holder`` still holds it; else LeaseLost (the transaction rolls back)."""
    changed = session.execute(
        update(_Table).where(_Table.id == job.id, _Table.claimed_by == holder,
                             _Table.status == m.ExportStatus.RUNNING)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise LeaseLost(job.id)


def run(database: Database, export_id: int, base_url: str, directory: Path,
        clock: Callable[[], datetime] = utcnow, should_stop: Callable[[], bool] = lambda: False,
        holder: str | None = None) -> bool:
    """Make one export if nobody else is making it; returns whether this call finished it."""
    holder = holder or holder_name()
    job = claim(database, export_id, clock(), holder)
    if job is None:
        return False
    return make(database, job, holder, base_url, directory, clock, should_stop)


def make(database: Database, job: m.AccreditationExport, holder: str, base_url: str, directory: Path,
         clock: Callable[[], datetime] = utcnow, should_stop: Callable[[], bool] = lambda: False) -> bool:
    """Make a claimed export page by page; returns whether it finished (False: failed, lost or stopped)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if job.kind == "xml":
            filename, mimetype, path, count = _xml(database, job, holder, directory, clock, should_stop)
        else:
            filename, mimetype, path, count = _certificates(database, job, holder, base_url, directory, clock,
                                                            should_stop)
        try:
            with database.begin() as session:
                _settle(session, job, holder, status=m.ExportStatus.DONE, filename=filename, mimetype=mimetype,
                        done=count, total=max(count, job.total), finished_at=clock(), leased_until=None)
                # renamed while the row is held: a maker that lost the export never replaces the file
                path.replace(export_file(directory, job.uuid))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    except LeaseLost:
        logger.warning("Accreditation export %s: another maker took it over; this one stops", job.id)
        return False
    except Stopped:
        with database.begin() as session:  # handed back at once: the next worker starts it without waiting
            session.execute(update(_Table).where(_Table.id == job.id, _Table.claimed_by == holder,
                                                 _Table.status == m.ExportStatus.RUNNING)
                            .values(status=m.ExportStatus.WAITING, leased_until=None, claimed_by=None, done=0,
                                    claims=_Table.claims - 1).execution_options(synchronize_session=False))
        logger.info("Accreditation export %s handed back: the worker stops", job.id)
        return False
    except Exception as exc:  # the page says it failed; the log says why
        logger.exception("Accreditation export %s failed", job.id)
        with database.begin() as session:
            session.execute(update(_Table).where(_Table.id == job.id, _Table.claimed_by == holder).values(
                status=m.ExportStatus.FAILED, error=type(exc).__name__, finished_at=clock(), leased_until=None))
        return False
    logger.info("Accreditation export %s done: %s items", job.id, count)
    return True


def _page(session, job: m.AccreditationExport, holder: str, done: int, now: datetime) -> None:
    _settle(session, job, holder, done=done, total=max(done, job.total),
            leased_until=now + timedelta(seconds=LEASE_SECONDS))


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _xml(database: Database, job: m.AccreditationExport, holder: str, directory: Path, clock, should_stop):
    start, end = _day(job.params.get("from")), _day(job.params.get("to"))
    with database.begin() as session:
        registry = session.get(m.AccreditationRegistry, job.params["registry_id"])
        name = admin.export_name(registry, start, end, job.created_at)
    writer = admin.XmlWriter(name, directory)
    done, last = 0, 0
    try:
        while True:
            if should_stop():
                raise Stopped
            now = clock()
            with database.begin() as session:
                registry = session.get(m.AccreditationRegistry, job.params["registry_id"])
                account = admin.download_account(admin.account(session, job.organisation_id))
                document = next(export.document_pages(session, job.organisation_id, registry.id, account,
                                                      registry.pe_online_org_id, start, end, after=last), None)
                if document is None:
                    organisation = session.get(m.Organisation, job.organisation_id)
                    actor = session.get(m.Person, job.actor_id) if job.actor_id else None
                    admin.log_xml(session, organisation, actor, registry, done, start, end)
                    _page(session, job, holder, done, now)
                    break
                writer.add(document.body)
                export.mark_exported(session, document.record_ids, now)
                done += len(document.record_ids)
                last = document.record_ids[-1]
                _page(session, job, holder, done, now)  # LeaseLost rolls back this page's marks too
    except BaseException:
        writer.discard()
        raise
    filename, mimetype, path = writer.close()
    return filename, mimetype, path, done


def _certificates(database: Database, job: m.AccreditationExport, holder: str, base_url: str, directory: Path,
                  clock, should_stop):
    """50 certificates a page; a page's progress commits once the page is in the file."""
    activity_id = job.params["activity_id"]
    done, filename = 0, None

    def pages():
        nonlocal done, filename
        last = 0
        while True:
            if should_stop():
                raise Stopped
            now = clock()
            with database.begin() as session:
                items, last = certificates.render_page(session, job.organisation_id, activity_id, base_url,
                                                       after=last)
                if not items:
                    activity = session.get(m.AccreditedActivity, activity_id)
                    organisation = session.get(m.Organisation, job.organisation_id)
                    actor = session.get(m.Person, job.actor_id) if job.actor_id else None
                    certificates.log_batch(session, organisation, actor, activity_id, done)
                    filename = certificates.zip_name(activity)
                    _page(session, job, holder, done, now)
                    return
            yield items  # outside the transaction: none stays open while the file is written
            done += len(items)
            with database.begin() as session:  # the page is in the file: its progress, and the lease renewed
                _page(session, job, holder, done, now)

    path = certificates.write_zip(directory, pages())
    return filename, "application/zip", path, done


def due_ids(database: Database, now: datetime) -> list[int]:
    """Exports that wait, and running ones whose maker stopped (its lease ran out), oldest first."""
    with database.begin() as session:
        return list(session.scalars(select(_Table.id).where(_due(now)).order_by(_Table.id)))


def run_due(database: Database, base_url: str, directory: Path, clock: Callable[[], datetime] = utcnow,
            should_stop: Callable[[], bool] = lambda: False, holder: str | None = None) -> int:
    """Make every due export another maker does not take first; returns how many this call finished."""
    holder = holder or holder_name()
    made = 0
    for export_id in due_ids(database, clock()):
        if should_stop():
            break
        made += run(database, export_id, base_url, directory, clock, should_stop, holder)
    return made


def purge_files(database: Database, directory: Path, now: datetime) -> int:
    """Remove the files of exports finished more than a day ago; their rows stay as a log.

    Any other file in the folder older than a day goes too: the half-made file of a maker
    that died, or of an export whose organisation was removed.
    """
    with database.begin() as session:
        rows = admin.old_exports(session, now - KEEP_FILES)
        for row in rows:
            export_file(directory, row.uuid).unlink(missing_ok=True)
            row.filename = None
    if directory.is_dir():
        oldest = (now - KEEP_FILES).timestamp()
        for path in directory.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < oldest:
                    path.unlink(missing_ok=True)
            except OSError:  # another host's purge removed it first
                continue
    return len(rows)


class WorkerStep:
    """The worker's share of the exports, called once per round of ``xapi forward``.

    Removes day-old files (every ``PURGE_EVERY``), then makes the due exports. In a loop
    they are made in one thread beside the rounds, so statements, scores and mails keep
    flowing during a long export; in a one-off run (``background=False``) within the round.
    """

    def __init__(self, database: Database, base_url: str, directory: Path, *, background: bool,
                 should_stop: Callable[[], bool] = lambda: False, clock: Callable[[], datetime] = utcnow):
        self.database, self.base_url, self.directory = database, base_url, directory
        self.background, self.should_stop, self.clock = background, should_stop, clock
        self.holder = holder_name()
        self.thread: threading.Thread | None = None
        self.purged_at: datetime | None = None
        self.made = 0

    def __call__(self) -> None:
        now = self.clock()
        if self.purged_at is None or now - self.purged_at >= PURGE_EVERY:
            purge_files(self.database, self.directory, now)
            self.purged_at = now
        if not self.background:
            self._make()
        elif (self.thread is None or not self.thread.is_alive()) and due_ids(self.database, now):
            self.thread = threading.Thread(target=self._in_thread, name="accreditation-exports", daemon=True)
            self.thread.start()

    def _make(self) -> None:
        self.made += run_due(self.database, self.base_url, self.directory, self.clock, self.should_stop, self.holder)

    def _in_thread(self) -> None:
        try:
            self._make()
        except Exception:  # noqa: BLE001 - the database went away: the next round tries again, the lease holds
            logger.exception("Accreditation exports could not be made this round")

    def close(self, timeout: float | None = 20.0) -> None:
        """Wait for the export being made (after a stop it is handed back between two pages)."""
        if self.thread is not None:
            self.thread.join(timeout)
