"""What the accreditation administrator does: exports with a log, the PE-online account, the overview.

Session first, never commits. Every export is written to the audit log (who, what, when).
"""

from __future__ import annotations

import os
import tempfile
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import accreditation_export as export
from service.operations import audit
from service.pe_online import documents

#: what a downloaded file shows instead of the key: the key itself only goes to PE-online
HIDDEN_KEY = "verborgen"


@dataclass
class XmlExport:
    """A finished export: a file the caller sends and then removes (it holds registration numbers)."""

    filename: str
    mimetype: str
    path: Path
    records: int
    without_number: int

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()


def account(session: Session, organisation_id: int) -> m.PeOnlineAccount | None:
    return session.get(m.PeOnlineAccount, organisation_id)


def download_account(row: m.PeOnlineAccount | None) -> documents.Account:
    """The Settings block of a downloaded file: the account's user id and e-mail, never its key."""
    if row is None:
        return documents.Account("onbekend", HIDDEN_KEY, "", report_by_mail=False)
    return documents.Account(row.user_id, HIDDEN_KEY, row.email)


def save_account(session: Session, organisation: m.Organisation, actor: m.Person | None, user_id: str,
                 user_key: str | None, email: str, now: datetime, endpoint: str | None = None) -> m.PeOnlineAccount:
    """Set the PE-online account; an empty key keeps the stored one.

    Raises:
        InvalidInputError: a missing user id or e-mail, or no key for a new account.
    """
    errors = {}
    if not user_id.strip():
        errors["user_id"] = [N_("Vul de gebruikers-id van PE-online in.")]
    if "@" not in email:
        errors["email"] = [N_("Vul een e-mailadres in voor de foutmeldingen van PE-online.")]
    row = account(session, organisation.id)
    if row is None and not user_key:
        errors["user_key"] = [N_("Vul de sleutel van PE-online in.")]
    if errors:
        raise InvalidInputError(N_("Het account is niet opgeslagen. Kijk wat er niet klopt."), errors)
    if row is None:
        row = m.PeOnlineAccount(organisation_id=organisation.id)
        session.add(row)
    row.user_id, row.email, row.updated_at = user_id.strip()[:100], email.strip()[:320], now
    if user_key:
        row.user_key = user_key.strip()[:150]
    if endpoint:  # checked by the caller (``outbound.check_entered_url``)
        row.endpoint = endpoint[:500]
    audit.record(session, organisation, actor, audit.Action.PE_ONLINE_ACCOUNT_CHANGED, f"organisation:{organisation.id}",
                 {"key": "changed" if user_key else "kept"})
    session.flush()
    return row


def export_name(registry: m.AccreditationRegistry, start: date | None, end: date | None, now: datetime) -> str:
    return f"pe-online-{registry.code}-{(start or 'begin')}-{(end or now.date())}"


def check_exportable(session: Session, organisation: m.Organisation, registry: m.AccreditationRegistry,
                     start: date | None, end: date | None) -> tuple[int, int]:
    """(records an export takes, records left out for want of a number).

    Raises:
        InvalidInputError: when the registry has no PE-online orgID or nothing is ready to export.
    """
    if registry.pe_online_org_id is None:
        raise InvalidInputError(N_("Dit register zit niet in PE-online. Geef de punten door met een certificaat."))
    total, without = export.count_exportable(session, organisation.id, registry.id, start, end)
    if not total:
        raise InvalidInputError(N_("Er zijn geen punten om te exporteren in deze periode."))
    return total, without


class XmlWriter:
    """Writes PE-online documents one by one into a ZIP on disk; one document alone becomes a plain .xml.

    Memory holds one document (at most 1,000 records) at a time, however long the period.
    """

    def __init__(self, name: str, directory: Path | None = None):
        self.name = name
        directory = directory or Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        handle, path = tempfile.mkstemp(prefix="pe-online-", suffix=".zip", dir=directory)
        os.close(handle)
        self.path = Path(path)
        self.archive = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED)
        self.count = 0
        self.first: bytes | None = None

    def add(self, body: bytes) -> None:
        self.count += 1
        if self.count == 1:
            self.first = body
        self.archive.writestr(f"{self.name}-{self.count:03d}.xml", body)

    def close(self) -> tuple[str, str, Path]:
        """(file name, mimetype, path) of the result."""
        self.archive.close()
        if self.count == 1:
            self.path.write_bytes(self.first)
            return f"{self.name}.xml", "application/xml", self.path
        return f"{self.name}.zip", "application/zip", self.path

    def discard(self) -> None:
        self.archive.close()
        self.path.unlink(missing_ok=True)


def export_xml(session: Session, organisation: m.Organisation, actor: m.Person | None,
               registry: m.AccreditationRegistry, start: date | None, end: date | None, now: datetime,
               directory: Path | None = None, progress: Callable[[int, int], None] | None = None) -> XmlExport:
    """The registry's PE-online XML for a period (a ZIP when it takes more than one document).

    Streams: one page of at most 1,000 records is read, written as a document, checked
    against the XSD and marked exported before the next is read. ``progress(done, total)``
    is called after each document.

    Raises:
        InvalidInputError: when the registry has no PE-online orgID or nothing is ready to export.
    """
    total, without = check_exportable(session, organisation, registry, start, end)
    writer = XmlWriter(export_name(registry, start, end, now), directory)
    done = 0
    try:
        for document in export.document_pages(session, organisation.id, registry.id,
                                              download_account(account(session, organisation.id)),
                                              registry.pe_online_org_id, start, end):
            writer.add(document.body)
            export.mark_exported(session, document.record_ids, now)
            done += len(document.record_ids)
            if progress is not None:
                progress(done, max(total, done))
    except BaseException:
        writer.discard()
        raise
    filename, mimetype, path = writer.close()
    log_xml(session, organisation, actor, registry, done, start, end)
    return XmlExport(filename, mimetype, path, done, without)


def log_xml(session: Session, organisation: m.Organisation, actor: m.Person | None, registry: m.AccreditationRegistry,
            count: int, start: date | None, end: date | None) -> None:
    _log(session, organisation, actor, registry, "xml", count, start, end)


def export_paste_lists(session: Session, organisation: m.Organisation, actor: m.Person,
                       registry: m.AccreditationRegistry, start: date | None, end: date | None,
                       now: datetime) -> tuple[list[export.PasteList], int]:
    """Paste lists per activity and date; returns them and how many records lack a number."""
    selection = export.select_for_export(session, organisation.id, registry.id, start, end)
    export.mark_exported(session, [r.id for r in selection.records], now)
    _log(session, organisation, actor, registry, "plaklijst", len(selection.records), start, end)
    return export.paste_lists(selection), len(selection.without_number)


def export_csv(session: Session, organisation: m.Organisation, actor: m.Person) -> str:
    body = export.records_csv(session, organisation.id)
    audit.record(session, organisation, actor, audit.Action.ACCREDITATION_EXPORTED, f"organisation:{organisation.id}",
                 {"kind": "csv"})
    return body


def _log(session, organisation, actor, registry, kind: str, count: int, start, end) -> None:
    audit.record(session, organisation, actor, audit.Action.ACCREDITATION_EXPORTED, f"registry:{registry.id}",
                 {"kind": kind, "registry": registry.code, "records": count, "from": start or "-", "to": end or "-"})


def status_counts(session: Session, organisation_id: int) -> dict[int, dict[str, int]]:
    """registry id -> status -> number of standing grants (one grouped query)."""
    record = m.AccreditationRecord
    reversal = aliased(m.AccreditationRecord)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for registry_id, status, count in session.execute(
            select(record.registry_id, record.status, func.count())
            .where(record.organisation_id == organisation_id, record.is_reversal.is_(False),
                   ~select(reversal.id).where(reversal.reverses_id == record.id).exists())
            .group_by(record.registry_id, record.status)):
        counts[registry_id][status.value] = count
    return counts


def registries(session: Session) -> list[m.AccreditationRegistry]:
    return list(session.scalars(select(m.AccreditationRegistry).where(m.AccreditationRegistry.active.is_(True))
                                .order_by(m.AccreditationRegistry.name)))


def export_log(session: Session, organisation: m.Organisation) -> list[m.AuditEvent]:
    return audit.events(session, organisation, action=audit.Action.ACCREDITATION_EXPORTED, per_page=20).events


def count_records(session: Session, organisation_id: int) -> int:
    return session.scalar(select(func.count()).select_from(m.AccreditationRecord).where(
        m.AccreditationRecord.organisation_id == organisation_id)) or 0


def activities_with_certificates(session: Session, organisation_id: int) -> list[tuple[m.AccreditedActivity, int]]:
    """(activity, number of certificates) for the organisation's activities that have any."""
    rows = session.execute(
        select(m.AccreditedActivity, func.count(m.AccreditationRecord.id))
        .join(m.AccreditationRecord, m.AccreditationRecord.activity_id == m.AccreditedActivity.id)
        .where(m.AccreditationRecord.organisation_id == organisation_id, m.AccreditationRecord.is_reversal.is_(False),
               m.AccreditationRecord.certificate_code.is_not(None))
        .group_by(m.AccreditedActivity.id).order_by(m.AccreditedActivity.id))
    return [tuple(row) for row in rows]


#: an XML export of more records, or a ZIP of more certificates, is made in the background
#: (``service.jobs.accreditation_exports``) while the page shows its progress
SYNC_RECORDS = 1000
SYNC_CERTIFICATES = 50


def queue_export(session: Session, organisation: m.Organisation, actor: m.Person | None, kind: str, params: dict,
                 total: int, now: datetime) -> m.AccreditationExport:
    """An export for the background job; the caller starts it after the commit."""
    row = m.AccreditationExport(organisation_id=organisation.id, actor_id=actor.id if actor else None, kind=kind,
                                params=params, total=total, created_at=now)
    session.add(row)
    session.flush()
    return row


def find_export(session: Session, organisation: m.Organisation, raw_uuid: str) -> m.AccreditationExport:
    """One of the organisation's exports.

    Raises:
        NotFoundError: an unknown id, or another organisation's export.
    """
    try:
        wanted = uuid.UUID(raw_uuid)
    except ValueError:
        raise NotFoundError(N_("Deze export bestaat niet.")) from None
    row = session.scalar(select(m.AccreditationExport).where(
        m.AccreditationExport.uuid == wanted, m.AccreditationExport.organisation_id == organisation.id))
    if row is None:
        raise NotFoundError(N_("Deze export bestaat niet."))
    return row


def old_exports(session: Session, before: datetime) -> list[m.AccreditationExport]:
    """Finished exports older than ``before``: their files are removed, the rows stay as a log."""
    return list(session.scalars(select(m.AccreditationExport).where(
        m.AccreditationExport.finished_at < before, m.AccreditationExport.filename.is_not(None))))


def recent_exports(session: Session, organisation: m.Organisation, since: datetime) -> list[m.AccreditationExport]:
    """The organisation's background exports made since ``since``, newest first (at most 10)."""
    return list(session.scalars(select(m.AccreditationExport).where(
        m.AccreditationExport.organisation_id == organisation.id, m.AccreditationExport.created_at >= since)
        .order_by(m.AccreditationExport.id.desc()).limit(10)))
