"""What the accreditation administrator does: exports with a log, the PE-online account, the overview.

Session first, never commits. Every export is written to the audit log (who, what, when).
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import accreditation_export as export
from service.operations import audit
from service.pe_online import documents

#: what a downloaded file shows instead of the key: the key itself only goes to PE-online
HIDDEN_KEY = "verborgen"


@dataclass
class XmlExport:
    filename: str
    mimetype: str
    body: bytes
    records: int
    without_number: int


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


def export_xml(session: Session, organisation: m.Organisation, actor: m.Person, registry: m.AccreditationRegistry,
               start: date | None, end: date | None, now: datetime) -> XmlExport:
    """The registry's PE-online XML for a period (a ZIP when it takes more than one document).

    Raises:
        InvalidInputError: when the registry has no PE-online orgID or nothing is ready to export.
    """
    if registry.pe_online_org_id is None:
        raise InvalidInputError(N_("Dit register zit niet in PE-online. Geef de punten door met een certificaat."))
    selection = export.select_for_export(session, organisation.id, registry.id, start, end)
    if not selection.records:
        raise InvalidInputError(N_("Er zijn geen punten om te exporteren in deze periode."))
    bodies = export.xml_documents(selection, download_account(account(session, organisation.id)),
                                  registry.pe_online_org_id)
    export.mark_exported(session, [r.id for r in selection.records], now)
    _log(session, organisation, actor, registry, "xml", len(selection.records), start, end)
    name = f"pe-online-{registry.code}-{(start or 'begin')}-{(end or now.date())}"
    if len(bodies) == 1:
        return XmlExport(f"{name}.xml", "application/xml", bodies[0], len(selection.records),
                         len(selection.without_number))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, body in enumerate(bodies, start=1):
            archive.writestr(f"{name}-{index:03d}.xml", body)
    return XmlExport(f"{name}.zip", "application/zip", buffer.getvalue(), len(selection.records),
                     len(selection.without_number))


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
    """registry id -> status -> number of standing grants."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for record in export.standing_grants(session, organisation_id, statuses=tuple(m.RecordStatus)):
        counts[record.registry_id][record.status.value] = counts[record.registry_id].get(record.status.value, 0) + 1
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
