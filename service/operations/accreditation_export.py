"""Exports of points records: PE-online XML per registry, paste lists, CSV. Session first, never commits.

An export selects the records of a registry whose completion date falls in a period and
that are waiting or were exported before; marking them exported only touches the waiting
ones. So exporting the same period again gives the same records, never new copies.
Records of people without a number (or who withdrew consent) are left out and counted.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, aliased

from mappings.model import ActivityType
from service import models as m
from service.operations.registration_numbers import consented_numbers
from service.pe_online import documents
from service.operations.tabular import safe_cell

EXPORTABLE = (m.RecordStatus.PENDING, m.RecordStatus.EXPORTED)


@dataclass
class Selection:
    records: list[m.AccreditationRecord]
    numbers: dict[int, str]
    without_number: list[m.AccreditationRecord] = field(default_factory=list)


def _bounds(start: date | None, end: date | None) -> list:
    where = []
    if start is not None:
        where.append(m.AccreditationRecord.period_end >= datetime.combine(start, time.min, UTC))
    if end is not None:
        where.append(m.AccreditationRecord.period_end < datetime.combine(end + timedelta(days=1), time.min, UTC))
    return where


def standing_grants(session: Session, organisation_id: int, registry_id: int | None = None,
                    statuses=EXPORTABLE, start: date | None = None, end: date | None = None) -> list[m.AccreditationRecord]:
    """Grants (not reversals) that no reversal took back, oldest first."""
    reversal = aliased(m.AccreditationRecord)
    query = (select(m.AccreditationRecord)
             .where(m.AccreditationRecord.organisation_id == organisation_id,
                    m.AccreditationRecord.is_reversal.is_(False),
                    m.AccreditationRecord.status.in_(statuses),
                    ~select(reversal.id).where(reversal.reverses_id == m.AccreditationRecord.id).exists(),
                    *_bounds(start, end))
             .order_by(m.AccreditationRecord.id))
    if registry_id is not None:
        query = query.where(m.AccreditationRecord.registry_id == registry_id)
    return list(session.scalars(query))


def select_for_export(session: Session, organisation_id: int, registry_id: int, start: date | None = None,
                      end: date | None = None, statuses=EXPORTABLE) -> Selection:
    records = standing_grants(session, organisation_id, registry_id, statuses, start, end)
    numbers = consented_numbers(session, registry_id, sorted({r.person_id for r in records}))
    selection = Selection([], numbers)
    for record in records:
        (selection.records if record.person_id in numbers else selection.without_number).append(record)
    return selection


def attendance(record, number: str) -> documents.Attendance:
    """A record (or a row with the same columns) as PE-online attendance for the person's number."""
    classroom = record.activity_type is ActivityType.KLASSIKAAL
    return documents.Attendance(
        ref=str(record.uuid), person_number=number, pe_course_id=record.pe_course_id,
        external_course_id=record.external_course_id, module_id=None if classroom else record.module_id,
        edition_id=record.edition_id if classroom else None, end_date=None if classroom else record.period_end,
        meeting_id=record.meeting_id if classroom else None)


def xml_documents(selection: Selection, account: documents.Account, org_id: int) -> list[bytes]:
    """The selection as PE-online documents of at most 1,000 records, each checked against the XSD."""
    rows = (attendance(r, selection.numbers[r.person_id]) for r in selection.records)
    return [documents.build(account, org_id, batch) for batch in documents.chunks(rows)]


def _exportable(organisation_id: int, registry_id: int, statuses, start: date | None, end: date | None,
                columns=None):
    """Standing grants of a registry in a period whose person gave a number with consent (one SELECT)."""
    record, number = m.AccreditationRecord, m.RegistrationNumber
    reversal = aliased(m.AccreditationRecord)
    query = select(*(columns or (record.id,))).join(number, and_(number.person_id == record.person_id,
                                                                 number.registry_id == record.registry_id))
    return query.where(record.organisation_id == organisation_id, record.registry_id == registry_id,
                       record.is_reversal.is_(False), record.status.in_(statuses),
                       ~select(reversal.id).where(reversal.reverses_id == record.id).exists(),
                       number.withdrawn_at.is_(None), number.number.is_not(None), *_bounds(start, end))


def count_exportable(session: Session, organisation_id: int, registry_id: int, start: date | None = None,
                     end: date | None = None, statuses=EXPORTABLE) -> tuple[int, int]:
    """(records with a number, records without one) an export of this period takes / leaves out."""
    with_number = session.scalar(select(func.count()).select_from(
        _exportable(organisation_id, registry_id, statuses, start, end).subquery())) or 0
    reversal = aliased(m.AccreditationRecord)
    standing = session.scalar(select(func.count()).select_from(m.AccreditationRecord).where(
        m.AccreditationRecord.organisation_id == organisation_id, m.AccreditationRecord.registry_id == registry_id,
        m.AccreditationRecord.is_reversal.is_(False), m.AccreditationRecord.status.in_(statuses),
        ~select(reversal.id).where(reversal.reverses_id == m.AccreditationRecord.id).exists(),
        *_bounds(start, end))) or 0
    return with_number, standing - with_number


_ROW_COLUMNS = (m.AccreditationRecord.id, m.AccreditationRecord.uuid, m.AccreditationRecord.person_id,
                m.AccreditationRecord.activity_type, m.AccreditationRecord.pe_course_id,
                m.AccreditationRecord.external_course_id, m.AccreditationRecord.module_id,
                m.AccreditationRecord.edition_id, m.AccreditationRecord.meeting_id,
                m.AccreditationRecord.period_end, m.RegistrationNumber.number)


def exportable_pages(session: Session, organisation_id: int, registry_id: int, start: date | None = None,
                     end: date | None = None, statuses=EXPORTABLE, size: int = documents.MAX_RECORDS,
                     columns=_ROW_COLUMNS, after: int = 0) -> Iterator[list]:
    """The exportable rows (with the decrypted number last) in pages of ``size``, oldest first.

    Keyset pages (``id > last``): memory holds one page, whatever the number of records, and
    marking a page exported while reading the next one is safe on every database.
    """
    last = after
    while True:
        page = session.execute(_exportable(organisation_id, registry_id, statuses, start, end, columns)
                               .where(m.AccreditationRecord.id > last)
                               .order_by(m.AccreditationRecord.id).limit(size)).all()
        if not page:
            return
        yield page
        last = page[-1].id


@dataclass
class Document:
    body: bytes
    record_ids: list[int]


def document_pages(session: Session, organisation_id: int, registry_id: int, account: documents.Account, org_id: int,
                   start: date | None = None, end: date | None = None, statuses=EXPORTABLE,
                   after: int = 0) -> Iterator[Document]:
    """The registry's PE-online documents, one per page of at most 1,000 records, each checked against the XSD.

    ``after``: start after this record id (a background export takes one page per transaction).
    """
    for page in exportable_pages(session, organisation_id, registry_id, start, end, statuses, after=after):
        body = documents.build(account, org_id, (attendance(row, row.number) for row in page))
        yield Document(body, [row.id for row in page])


def mark_exported(session: Session, record_ids: list[int], now: datetime) -> int:
    """Waiting records become exported (a conditional UPDATE: exported ones keep their first date)."""
    if not record_ids:
        return 0
    return session.execute(
        update(m.AccreditationRecord)
        .where(m.AccreditationRecord.id.in_(record_ids), m.AccreditationRecord.status == m.RecordStatus.PENDING)
        .values(status=m.RecordStatus.EXPORTED, exported_at=now)
        .execution_options(synchronize_session=False)).rowcount


@dataclass(frozen=True)
class PasteList:
    """For PE-online's "Importeren" screen: one activity on one date, the numbers one a line."""

    activity: str
    accreditation_id: str
    day: date
    numbers: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.numbers)


def paste_lists(selection: Selection) -> list[PasteList]:
    groups: dict[tuple[str, str, date], list[str]] = defaultdict(list)
    for record in selection.records:
        key = (record.activity.title, record.accreditation_id, record.period_end.date())
        number = selection.numbers[record.person_id]
        if number not in groups[key]:
            groups[key].append(number)
    return [PasteList(title, acc, day, tuple(numbers)) for (title, acc, day), numbers in sorted(
        groups.items(), key=lambda item: (item[0][2], item[0][0]))]


STATUS_NL = {m.RecordStatus.PENDING: "wacht", m.RecordStatus.EXPORTED: "verstuurd",
             m.RecordStatus.ACCEPTED: "verwerkt", m.RecordStatus.REJECTED: "geweigerd"}


def records_csv(session: Session, organisation_id: int) -> str:
    """Every points record of the organisation with its status, for the organisation's own books.

    ``;``-separated with a BOM, so Excel opens it in Dutch settings with the accents right.
    Numbers are not in it: the file goes around the organisation.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["record", "naam", "register", "activiteit", "accreditatienummer", "afgerond", "minuten", "punten",
                     "correctie", "status", "melding"])
    rows = session.execute(
        select(m.AccreditationRecord, m.Person.name, m.AccreditationRegistry.name, m.AccreditedActivity.title)
        .join(m.Person, m.Person.id == m.AccreditationRecord.person_id)
        .join(m.AccreditationRegistry, m.AccreditationRegistry.id == m.AccreditationRecord.registry_id)
        .join(m.AccreditedActivity, m.AccreditedActivity.id == m.AccreditationRecord.activity_id)
        .where(m.AccreditationRecord.organisation_id == organisation_id).order_by(m.AccreditationRecord.id))
    for record, name, registry, activity in rows:
        writer.writerow([safe_cell(v) for v in (
            record.uuid, name, registry, activity, record.accreditation_id, record.period_end.date().isoformat(),
            record.minutes, f"{record.points:g}".replace(".", ","), "ja" if record.is_reversal else "nee",
            STATUS_NL[record.status], record.status_message)])
    return out.getvalue()
