"""Long accreditation exports in the background, with progress the page shows.

A PE-online XML export of a long period, or the certificates of an activity as a ZIP, is
queued as an ``AccreditationExport`` row (``accreditation_admin.queue_export``) and made here,
one page per transaction: a page of at most 1,000 records becomes one PE-online document
(checked against the XSD, its records marked exported), or 50 certificates are rendered;
each page is written straight into a file under the instance folder and ``done`` is
committed with it, so the page that polls sees it move. A page that fails leaves the export
failed with its reason; records already marked exported are exported again by the next
export of that period (an export takes waiting and exported records alike).

The web process starts ``run`` in a thread (``start``); nothing is lost when it stops: a
waiting or stale export is picked up by ``digitoets accreditation exports`` (``run_due``).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import zipfile
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

LEASE_SECONDS = 600
_threads: list[threading.Thread] = []


def export_file(directory: Path, export_uuid) -> Path:
    """Where a finished export's file lies."""
    return directory / f"{export_uuid}.bin"


def start(database: Database, export_id: int, base_url: str, directory: Path) -> threading.Thread:
    """Make the export in a thread of this process (the web request returns at once)."""
    thread = threading.Thread(target=run, args=(database, export_id, base_url, directory),
                              name=f"accreditation-export-{export_id}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return thread


def wait_all(timeout: float | None = None) -> None:
    """Wait for the threads ``start`` began (the CLI and the tests)."""
    for thread in list(_threads):
        thread.join(timeout)


def _claim(database: Database, export_id: int, now: datetime) -> m.AccreditationExport | None:
    table = m.AccreditationExport
    with database.begin() as session:
        claimed = session.execute(
            update(table).where(table.id == export_id, or_(
                table.status == m.ExportStatus.WAITING,
                (table.status == m.ExportStatus.RUNNING) & (table.leased_until < now)))
            .values(status=m.ExportStatus.RUNNING, leased_until=now + timedelta(seconds=LEASE_SECONDS), done=0)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            return None
        row = session.get(table, export_id)
        session.expunge(row)
        return row


def run(database: Database, export_id: int, base_url: str, directory: Path,
        clock: Callable[[], datetime] = utcnow) -> bool:
    """Make one export if nobody else is making it; returns whether it finished."""
    job = _claim(database, export_id, clock())
    if job is None:
        return False
    directory.mkdir(parents=True, exist_ok=True)
    try:
        if job.kind == "xml":
            filename, mimetype, path, count = _xml(database, job, directory, clock)
        else:
            filename, mimetype, path, count = _certificates(database, job, base_url, directory, clock)
    except Exception as exc:  # the page says it failed; the log says why
        logger.exception("Accreditation export %s failed", export_id)
        with database.begin() as session:
            session.execute(update(m.AccreditationExport).where(m.AccreditationExport.id == export_id).values(
                status=m.ExportStatus.FAILED, error=type(exc).__name__, finished_at=clock(), leased_until=None))
        return False
    path.replace(export_file(directory, job.uuid))
    with database.begin() as session:
        session.execute(update(m.AccreditationExport).where(m.AccreditationExport.id == export_id).values(
            status=m.ExportStatus.DONE, filename=filename, mimetype=mimetype, done=count,
            total=max(count, job.total), finished_at=clock(), leased_until=None))
    logger.info("Accreditation export %s done: %s items", export_id, count)
    return True


def _progress(session, job: m.AccreditationExport, done: int, now: datetime) -> None:
    session.execute(update(m.AccreditationExport).where(m.AccreditationExport.id == job.id).values(
        done=done, total=max(done, job.total), leased_until=now + timedelta(seconds=LEASE_SECONDS)))


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _xml(database: Database, job: m.AccreditationExport, directory: Path, clock):
    start, end = _day(job.params.get("from")), _day(job.params.get("to"))
    with database.begin() as session:
        registry = session.get(m.AccreditationRegistry, job.params["registry_id"])
        name = admin.export_name(registry, start, end, job.created_at)
    writer = admin.XmlWriter(name, directory)
    done, last = 0, 0
    try:
        while True:
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
                    break
                writer.add(document.body)
                export.mark_exported(session, document.record_ids, now)
                done += len(document.record_ids)
                last = document.record_ids[-1]
                _progress(session, job, done, now)
    except BaseException:
        writer.discard()
        raise
    filename, mimetype, path = writer.close()
    return filename, mimetype, path, done


def _certificates(database: Database, job: m.AccreditationExport, base_url: str, directory: Path, clock):
    activity_id = job.params["activity_id"]
    handle, raw = tempfile.mkstemp(prefix="certificaten-", suffix=".zip", dir=directory)
    os.close(handle)
    path, done, last = Path(raw), 0, 0
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            while True:
                now = clock()
                with database.begin() as session:
                    items, last = certificates.render_page(session, job.organisation_id, activity_id, base_url,
                                                           after=last)
                    for name, body in items:
                        archive.writestr(name, body)
                    done += len(items)
                    if not items:
                        activity = session.get(m.AccreditedActivity, activity_id)
                        organisation = session.get(m.Organisation, job.organisation_id)
                        actor = session.get(m.Person, job.actor_id) if job.actor_id else None
                        certificates.log_batch(session, organisation, actor, activity_id, done)
                        filename = certificates.zip_name(activity)
                        break
                    _progress(session, job, done, now)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return filename, "application/zip", path, done


def run_due(database: Database, base_url: str, directory: Path, clock: Callable[[], datetime] = utcnow) -> int:
    """Make every waiting export, and every running one whose maker stopped (its lease ran out)."""
    now = clock()
    with database.begin() as session:
        ids = list(session.scalars(select(m.AccreditationExport.id).where(or_(
            m.AccreditationExport.status == m.ExportStatus.WAITING,
            (m.AccreditationExport.status == m.ExportStatus.RUNNING) & (m.AccreditationExport.leased_until < now)))
            .order_by(m.AccreditationExport.id)))
    return sum(run(database, export_id, base_url, directory, clock) for export_id in ids)


#: a finished export's file is kept this long for downloading (it holds registration numbers)
KEEP_FILES = timedelta(days=1)


def purge_files(database: Database, directory: Path, now: datetime) -> int:
    """Remove the files of exports finished more than a day ago; their rows stay as a log."""
    with database.begin() as session:
        rows = admin.old_exports(session, now - KEEP_FILES)
        for row in rows:
            export_file(directory, row.uuid).unlink(missing_ok=True)
            row.filename = None
    return len(rows)
