"""Direct delivery to PE-online through the outbox: queue records, build the call, settle the answer.

Queueing writes one outbox row (kind ``pe_online``) per registry and at most 1,000 records,
holding only record ids (numbers stay encrypted in their own table), and marks the records
exported in the same transaction: a record is never queued twice. The job builds the XML with
the account's key at send time and settles PE-online's answer row by row. Session first,
never commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import accreditation_export as export
from service.operations import audit
from service.pe_online import documents
from service.pe_online.explain import explain


def queue(session: Session, organisation: m.Organisation, actor: m.Person | None, now: datetime) -> int:
    """Queue every waiting record with a number for delivery; returns how many records.

    Raises:
        InvalidInputError: when the organisation has no PE-online account.
    """
    if session.get(m.PeOnlineAccount, organisation.id) is None:
        raise InvalidInputError(N_("Stel eerst het PE-online-account van je organisatie in."))
    total = 0
    for registry in session.scalars(select(m.AccreditationRegistry).where(
            m.AccreditationRegistry.pe_online_org_id.is_not(None)).order_by(m.AccreditationRegistry.id)):
        for batch in export.exportable_pages(session, organisation.id, registry.id, statuses=(m.RecordStatus.PENDING,),
                                             columns=(m.AccreditationRecord.id, m.AccreditationRecord.uuid)):
            ids = [r.id for r in batch]
            # the records and this moment: a record queued again after a rejection gets a new row
            key = hashlib.sha256((",".join(str(r.uuid) for r in batch) + now.isoformat()).encode()).hexdigest()
            session.add(m.OutboxItem(organisation_id=organisation.id, kind=m.OutboxKind.PE_ONLINE,
                                     dedupe_key=f"pe-online:{key}", payload={"registry_id": registry.id,
                                                                             "record_ids": ids},
                                     next_attempt_at=now))
            export.mark_exported(session, ids, now)
            total += len(ids)
    if total:
        audit.record(session, organisation, actor, audit.Action.ACCREDITATION_DELIVERED,
                     f"organisation:{organisation.id}", {"records": total})
    session.flush()
    return total


def queue_configured(session: Session, organisation_ids: list[int], now: datetime) -> int:
    """Queue the waiting records of every listed organisation that has a PE-online account."""
    total = 0
    for organisation_id in organisation_ids:
        if session.get(m.PeOnlineAccount, organisation_id) is not None:
            total += queue(session, session.get(m.Organisation, organisation_id), None, now)
    return total


@dataclass
class Call:
    """One prepared web-service call: the document and the record behind each row (1-based)."""

    document: bytes | None
    endpoint: str
    rows: list[int]  # record ids in document order


def prepare(session: Session, organisation_id: int, payload: dict, allow_no_account: bool = False) -> Call:
    """Build the document of a queued row with the account's key and today's numbers.

    Records whose person withdrew consent (or erased their number) go back to waiting and are
    left out: withdrawing stops exports, even of queued rows.
    """
    account = session.get(m.PeOnlineAccount, organisation_id)
    registry = session.get(m.AccreditationRegistry, payload["registry_id"])
    records = list(session.scalars(select(m.AccreditationRecord).where(
        m.AccreditationRecord.id.in_(payload["record_ids"]), m.AccreditationRecord.status == m.RecordStatus.EXPORTED)
        .order_by(m.AccreditationRecord.id)))
    numbers = export.consented_numbers(session, registry.id, sorted({r.person_id for r in records}))
    gone = [r.id for r in records if r.person_id not in numbers]
    if gone:
        session.execute(update(m.AccreditationRecord).where(m.AccreditationRecord.id.in_(gone))
                        .values(status=m.RecordStatus.PENDING, exported_at=None)
                        .execution_options(synchronize_session=False))
    records = [r for r in records if r.person_id in numbers]
    if not records or account is None:
        return Call(None, account.endpoint if account else "", [r.id for r in records])
    credentials = documents.Account(account.user_id, account.user_key, account.email)
    rows = [export.attendance(r, numbers[r.person_id]) for r in records]
    return Call(documents.build(credentials, registry.pe_online_org_id, rows), account.endpoint, [r.id for r in records])


def settle(session: Session, rows: list[int], answer: documents.Answer, now: datetime) -> tuple[int, int]:
    """Record PE-online's answer on each record; returns (accepted, rejected).

    A whole-call error (400, 500, 505) rejects every row with its explanation; a row error
    (100) rejects the row it names; the other rows are accepted. Only records still marked
    exported change (a conditional UPDATE), so settling twice changes nothing.
    """
    whole = next((e for e in answer.errors if e.number != 100), None)
    rejected: dict[int, tuple[str, str]] = {}
    for error in answer.errors:
        if whole is not None:
            break
        if error.row is not None and 1 <= error.row <= len(rows):
            rejected[rows[error.row - 1]] = (explain(error.number, error.message).code, error.message)
    if whole is not None:
        code = explain(whole.number, whole.message).code
        rejected = {record_id: (code, whole.message) for record_id in rows}
    accepted = [record_id for record_id in rows if record_id not in rejected]
    exported = (m.AccreditationRecord.status == m.RecordStatus.EXPORTED,)
    if accepted:
        session.execute(update(m.AccreditationRecord).where(m.AccreditationRecord.id.in_(accepted), *exported)
                        .values(status=m.RecordStatus.ACCEPTED, status_code=None, status_message=None,
                                answered_at=now).execution_options(synchronize_session=False))
    for record_id, (code, message) in rejected.items():
        session.execute(update(m.AccreditationRecord).where(m.AccreditationRecord.id == record_id, *exported)
                        .values(status=m.RecordStatus.REJECTED, status_code=code, status_message=message[:1000],
                                answered_at=now).execution_options(synchronize_session=False))
    return len(accepted), len(rejected)


def resend_rejected(session: Session, organisation: m.Organisation, actor: m.Person, now: datetime) -> int:
    """Put rejected records back to waiting (after the number or the activity was fixed)."""
    count = session.execute(update(m.AccreditationRecord).where(
        m.AccreditationRecord.organisation_id == organisation.id,
        m.AccreditationRecord.status == m.RecordStatus.REJECTED)
        .values(status=m.RecordStatus.PENDING, exported_at=None, answered_at=None)
        .execution_options(synchronize_session=False)).rowcount
    return count


def rejected_records(session: Session, organisation_id: int, person_id: int | None = None) -> list[tuple]:
    """(record, person's name) of rejected records with what PE-online said, newest first."""
    query = (select(m.AccreditationRecord, m.Person.name)
             .join(m.Person, m.Person.id == m.AccreditationRecord.person_id)
             .where(m.AccreditationRecord.organisation_id == organisation_id,
                    m.AccreditationRecord.status == m.RecordStatus.REJECTED)
             .order_by(m.AccreditationRecord.answered_at.desc(), m.AccreditationRecord.id))
    if person_id is not None:
        query = query.where(m.AccreditationRecord.person_id == person_id)
    return [tuple(row) for row in session.execute(query)]
