"""The remembered column mapping per organisation, and the web's pending uploads: parsed rows kept
in the database under a random token (not in the session cookie), for one organisation only."""


from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations.hr_import.fields import FIELDS, suggest_mapping
from service.operations.hr_import.files import ParsedFile, Problem, read_hr_file
from service.operations.hr_import.plan import Report, apply, preview

#: how long an uploaded file waits for "apply"
PENDING_FOR = timedelta(hours=24)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remembered(session: Session, organisation: m.Organisation) -> m.HrColumnMapping | None:
    return session.scalar(select(m.HrColumnMapping).where(m.HrColumnMapping.organisation_id == organisation.id))


def mapping_for(session: Session, organisation: m.Organisation, headers: list[str]) -> tuple[dict[str, str], bool]:
    """The mapping to use for a file with these headers, and whether it is the remembered one.

    The remembered mapping is used when every column it names is still in the file; otherwise
    the suggestion from the header names (to confirm on the mapping page).
    """
    saved = remembered(session, organisation)
    if saved is not None and all(header in headers for header in saved.columns.values()):
        return dict(saved.columns), True
    return suggest_mapping(headers), False


def save_mapping(session: Session, organisation: m.Organisation, headers: list[str], columns: dict[str, str],
                 actor: m.Person | None, now: datetime) -> m.HrColumnMapping:
    """Remember field -> column for this organisation.

    Raises:
        InvalidInputError: a column that is not in the file, or one column for two fields.
    """
    columns = {field: header for field, header in columns.items() if field in FIELDS and header}
    unknown = [header for header in columns.values() if header not in headers]
    if unknown:
        raise InvalidInputError(N_("De kolom %(column)s staat niet in dit bestand."), {"columns": unknown},
                                column=unknown[0])
    if len(set(columns.values())) < len(columns):
        raise InvalidInputError(N_("Je hebt één kolom voor twee velden gekozen. Kies voor elk veld een eigen kolom."),
                                {"columns": ["dubbel"]})
    saved = remembered(session, organisation)
    if saved is None:
        saved = m.HrColumnMapping(organisation_id=organisation.id, columns={}, headers=[])
        session.add(saved)
    saved.columns, saved.headers = columns, list(headers)
    saved.updated_at, saved.updated_by_id = now, actor.id if actor else None
    session.flush()
    return saved


def create_pending(session: Session, organisation: m.Organisation, actor: m.Person, file_name: str, data: bytes,
                   now: datetime) -> m.HrPendingImport:
    """Read an uploaded file and keep its rows for the mapping, preview and apply steps.

    Raises:
        HrFileError: when the file cannot be read at all (nothing is kept).
    """
    parsed = read_hr_file(data, file_name)
    session.execute(delete(m.HrPendingImport).where(m.HrPendingImport.expires_at < now))
    pending = m.HrPendingImport(
        token=secrets.token_urlsafe(32), organisation_id=organisation.id, actor_id=actor.id,
        file_name=(file_name or "hr.csv")[:255], file_sha256=sha256(data), headers=parsed.headers,
        rows=[[number, cells] for number, cells in parsed.rows],
        problems=[[p.text, p.values, p.row, p.column] for p in parsed.problems],
        created_at=now, expires_at=now + PENDING_FOR)
    session.add(pending)
    session.flush()
    return pending


def get_pending(session: Session, organisation: m.Organisation, token: str, now: datetime) -> m.HrPendingImport:
    """The organisation's pending upload with this token.

    Raises:
        NotFoundError: unknown, expired, or another organisation's upload.
    """
    pending = session.scalar(select(m.HrPendingImport).where(
        m.HrPendingImport.token == token, m.HrPendingImport.organisation_id == organisation.id))
    if pending is None or pending.expires_at < now:
        raise NotFoundError(N_("Dit HR-bestand is niet (meer) te vinden. Lees het opnieuw in."))
    return pending


def parsed_of(pending: m.HrPendingImport) -> ParsedFile:
    return ParsedFile(list(pending.headers), [(number, list(cells)) for number, cells in pending.rows],
                      [Problem(text, values, row, column) for text, values, row, column in pending.problems])


def finish_pending(session: Session, pending: m.HrPendingImport) -> None:
    session.delete(pending)
    session.flush()


def preview_pending(session: Session, organisation: m.Organisation, token: str, now: datetime):
    """The pending upload, the mapping it uses (and whether that is the remembered one) and its report.

    Raises:
        NotFoundError: unknown, expired, or another organisation's upload.
    """
    pending = get_pending(session, organisation, token, now)
    parsed = parsed_of(pending)
    mapping, is_remembered = mapping_for(session, organisation, parsed.headers)
    report, _ = preview(session, organisation, parsed, pending.file_name, mapping, now)
    return pending, mapping, is_remembered, report


def apply_pending(session: Session, organisation: m.Organisation, actor: m.Person, token: str, now: datetime,
                  confirm_leavers: bool = False) -> Report:
    """Apply the pending upload with the organisation's mapping (remembered from now on), then forget the upload.

    Raises:
        NotFoundError: unknown, expired, or another organisation's upload.
        HrImportRefused: the file has problems; nothing is stored.
    """
    pending = get_pending(session, organisation, token, now)
    parsed = parsed_of(pending)
    mapping, _ = mapping_for(session, organisation, parsed.headers)
    report = apply(session, organisation, parsed, pending.file_name, pending.file_sha256, mapping, now,
                   actor=actor, via="web", confirm_leavers=confirm_leavers)
    save_mapping(session, organisation, parsed.headers, mapping, actor, now)
    finish_pending(session, pending)
    return report


def recent_runs(session: Session, organisation: m.Organisation, limit: int = 10) -> list[m.HrImportRun]:
    return list(session.scalars(select(m.HrImportRun).where(m.HrImportRun.organisation_id == organisation.id)
                                .order_by(m.HrImportRun.started_at.desc(), m.HrImportRun.id.desc()).limit(limit)))
