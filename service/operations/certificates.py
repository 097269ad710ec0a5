"""Certificates of points records: for the employee, per activity for the administrator, and /verify.

Session first, never commits. A certificate belongs to a grant with a ``certificate_code``;
once a reversal took the grant back, the certificate says it is withdrawn (and so does
/verify). The public check shows the name, activity, date and points, nothing more.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from service import certificates as pdf
from service import models as m
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.operations import audit
from service.operations.registration_numbers import consented_numbers

CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")


def _voided(session: Session, record: m.AccreditationRecord) -> bool:
    return session.scalar(select(m.AccreditationRecord.id).where(
        m.AccreditationRecord.reverses_id == record.id)) is not None


def data(session: Session, record: m.AccreditationRecord, base_url: str,
         number: str | None = None, voided: bool | None = None) -> pdf.CertificateData:
    person = session.get(m.Person, record.person_id)
    if number is None:
        number = consented_numbers(session, record.registry_id, [record.person_id]).get(record.person_id)
    return pdf.CertificateData(
        name=person.name or "-", number=number, registry=record.accreditation_registry.name,
        activity=record.activity.title, accreditation_id=record.accreditation_id,
        organisation=person.organisation.name, started=record.period_start.date(), completed=record.period_end.date(),
        minutes=record.minutes, points=record.points,
        learning_form=pdf.LEARNING_FORMS.get(record.activity_type.value, record.activity_type.value),
        code=record.certificate_code, verify_url=f"{base_url.rstrip('/')}/verify/{record.certificate_code}",
        voided=_voided(session, record) if voided is None else voided)


def my_certificate(session: Session, person: m.Person, record_uuid: str, base_url: str) -> tuple[str, bytes]:
    """The PDF of one of the person's own certificates.

    Raises:
        NotFoundError: not the person's record, or a record without a certificate.
    """
    record = session.scalar(select(m.AccreditationRecord).where(
        m.AccreditationRecord.person_id == person.id, m.AccreditationRecord.is_reversal.is_(False),
        m.AccreditationRecord.certificate_code.is_not(None),
        m.AccreditationRecord.uuid == _uuid(record_uuid)))
    if record is None:
        raise NotFoundError(N_("Dit certificaat bestaat niet."))
    return f"certificaat-{record.certificate_code}.pdf", pdf.certificate_pdf(data(session, record, base_url))


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError(N_("Dit certificaat bestaat niet.")) from None


def my_certificates(session: Session, person: m.Person) -> list[m.AccreditationRecord]:
    return list(session.scalars(select(m.AccreditationRecord).where(
        m.AccreditationRecord.person_id == person.id, m.AccreditationRecord.is_reversal.is_(False),
        m.AccreditationRecord.certificate_code.is_not(None)).order_by(m.AccreditationRecord.period_end)))


def year_overview(session: Session, person: m.Person, year: int) -> bytes:
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    records = [r for r in my_certificates(session, person) if start <= r.period_end < end]
    reversal = aliased(m.AccreditationRecord)
    voided = set(session.scalars(select(reversal.reverses_id).where(
        reversal.person_id == person.id, reversal.is_reversal.is_(True))))
    numbers = {}
    for registry_id in {r.registry_id for r in records}:
        number = consented_numbers(session, registry_id, [person.id]).get(person.id)
        if number:
            numbers[session.get(m.AccreditationRegistry, registry_id).name] = number
    rows = [pdf.OverviewRow(r.accreditation_registry.name, r.activity.title, r.accreditation_id, r.period_end.date(),
                            r.minutes, r.points, r.certificate_code, r.id in voided) for r in records]
    return pdf.overview_pdf(person.name or "-", person.organisation.name, year, numbers, rows)


def zip_name(activity: m.AccreditedActivity) -> str:
    return f"certificaten-{activity.accreditation_registry.code}-{activity.code}.zip"


def activity_zip(session: Session, organisation: m.Organisation, actor: m.Person | None, activity_id: int,
                 base_url: str, directory: Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[str, Path, int]:
    """Every certificate of one activity in the organisation, one PDF each, in a ZIP file on disk.

    Returns (download name, path of the file the caller sends and removes, number of certificates).
    The PDFs are rendered a page at a time and written straight into the file: memory holds
    one page of certificates, never the whole ZIP. ``progress(done, total)`` after each page.

    Raises:
        NotFoundError: no such activity.
    """
    activity = session.get(m.AccreditedActivity, activity_id)
    if activity is None:
        raise NotFoundError(N_("Deze activiteit bestaat niet."))
    total = count_certificates(session, organisation.id, activity_id)
    directory = directory or Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    done = 0

    def pages() -> Iterator[list[tuple[str, bytes]]]:
        nonlocal done
        last = 0
        while True:
            items, last = render_page(session, organisation.id, activity_id, base_url, after=last)
            if not items:
                return
            yield items
            done += len(items)
            if progress is not None:
                progress(done, max(total, done))

    path = write_zip(directory, pages())
    log_batch(session, organisation, actor, activity_id, done)
    return zip_name(activity), path, done


def write_zip(directory: Path, pages: Iterable[list[tuple[str, bytes]]]) -> Path:
    """A new ZIP file in ``directory`` holding each page's (name, PDF), written as each page comes.

    Memory holds one page of certificates, never the whole ZIP. When a page raises, the file is
    removed and the exception goes on. The caller sends and removes the file.
    """
    handle, raw = tempfile.mkstemp(prefix="certificaten-", suffix=".zip", dir=directory)
    os.close(handle)
    path = Path(raw)
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for items in pages:
                for name, body in items:
                    archive.writestr(name, body)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def count_certificates(session: Session, organisation_id: int, activity_id: int) -> int:
    return session.scalar(select(func.count()).select_from(m.AccreditationRecord).where(
        m.AccreditationRecord.organisation_id == organisation_id, m.AccreditationRecord.activity_id == activity_id,
        m.AccreditationRecord.is_reversal.is_(False), m.AccreditationRecord.certificate_code.is_not(None))) or 0


#: certificates rendered per page (one query for their data, one for the numbers, one for reversals)
PAGE = 50


def render_page(session: Session, organisation_id: int, activity_id: int, base_url: str, after: int = 0,
                size: int = PAGE) -> tuple[list[tuple[str, bytes]], int]:
    """The next ``size`` certificates of an activity after record id ``after``: ([(file name, PDF)], last id).

    Plain columns, no ORM objects: a batch of 1,000 leaves nothing behind in the session.
    """
    record, person = m.AccreditationRecord, m.Person
    rows = session.execute(
        select(record.id, record.person_id, record.registry_id, person.name, m.Organisation.name.label("org"),
               m.AccreditationRegistry.name.label("registry"), m.AccreditedActivity.title, record.accreditation_id,
               record.period_start, record.period_end, record.minutes, record.points, record.activity_type,
               record.certificate_code)
        .join(person, person.id == record.person_id)
        .join(m.Organisation, m.Organisation.id == record.organisation_id)
        .join(m.AccreditationRegistry, m.AccreditationRegistry.id == record.registry_id)
        .join(m.AccreditedActivity, m.AccreditedActivity.id == record.activity_id)
        .where(record.organisation_id == organisation_id, record.activity_id == activity_id,
               record.is_reversal.is_(False), record.certificate_code.is_not(None), record.id > after)
        .order_by(record.id).limit(size)).all()
    if not rows:
        return [], after
    ids = [row.id for row in rows]
    voided = set(session.scalars(select(record.reverses_id).where(record.reverses_id.in_(ids))))
    numbers = consented_numbers(session, rows[0].registry_id, sorted({row.person_id for row in rows}))
    base = base_url.rstrip("/")
    items = []
    for row in rows:
        item = pdf.CertificateData(
            name=row.name or "-", number=numbers.get(row.person_id) or "", registry=row.registry,
            activity=row.title, accreditation_id=row.accreditation_id, organisation=row.org,
            started=row.period_start.date(), completed=row.period_end.date(), minutes=row.minutes, points=row.points,
            learning_form=pdf.LEARNING_FORMS.get(row.activity_type.value, row.activity_type.value),
            code=row.certificate_code, verify_url=f"{base}/verify/{row.certificate_code}", voided=row.id in voided)
        items.append((f"certificaat-{row.certificate_code}.pdf", pdf.certificate_pdf(item)))
    return items, ids[-1]


def activity_records(session: Session, organisation_id: int, activity_id: int) -> list[m.AccreditationRecord]:
    return list(session.scalars(select(m.AccreditationRecord).where(
        m.AccreditationRecord.organisation_id == organisation_id, m.AccreditationRecord.activity_id == activity_id,
        m.AccreditationRecord.is_reversal.is_(False), m.AccreditationRecord.certificate_code.is_not(None))
        .order_by(m.AccreditationRecord.id)))


def find_activity(session: Session, registry_code: str, activity_code: str) -> m.AccreditedActivity:
    """Raises NotFoundError for an unknown registry or activity code."""
    activity = session.scalar(select(m.AccreditedActivity).join(m.AccreditationRegistry).where(
        m.AccreditationRegistry.code == registry_code, m.AccreditedActivity.code == activity_code))
    if activity is None:
        raise NotFoundError(N_("Activiteit %(activity)s staat niet in register %(registry)s."),
                            activity=activity_code, registry=registry_code)
    return activity


def log_batch(session: Session, organisation: m.Organisation, actor: m.Person | None, activity_id: int,
              count: int) -> None:
    audit.record(session, organisation, actor, audit.Action.CERTIFICATE_DOWNLOADED, f"activity:{activity_id}",
                 {"certificates": count})


@dataclass(frozen=True)
class Verification:
    name: str
    activity: str
    completed: date
    points: float
    registry: str
    voided: bool


def verify(session: Session, code: str) -> Verification:
    """What the public check shows for a code.

    Raises:
        NotFoundError: for a code that is malformed or unknown.
    """
    code = code.strip().upper()
    if not CODE.match(code):
        raise NotFoundError(N_("Deze certificaatcode kennen we niet."))
    record = session.scalar(select(m.AccreditationRecord).where(m.AccreditationRecord.certificate_code == code))
    if record is None:
        raise NotFoundError(N_("Deze certificaatcode kennen we niet."))
    person = session.get(m.Person, record.person_id)
    return Verification(person.name or "-", record.activity.title, record.period_end.date(), record.points,
                        record.accreditation_registry.name, _voided(session, record))

