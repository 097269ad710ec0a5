"""Registration numbers per registry: entered by the employee with consent, checked, withdrawable.

The number is stored encrypted (``EncryptedString``) and only read for the employee, the
accreditation administrator and the export to the registry. Withdrawing consent erases the
number: from then on nothing of this person goes to that registry. Session first, never commits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit, mail, points

#: what a number may contain besides digits; people type "123 456 789 01" or "12.345.678.901"
SEPARATORS = re.compile(r"[\s.\-]")

#: the Dutch message per registry code when the number does not fit; other registries: GENERIC
FORMAT_MESSAGES = {
    "vvn-kwaliteitsregister": N_("Vul je relatienummer van V&VN in (6 cijfers) of je BIG-nummer (11 cijfers)."),
    "knmg-gaia": N_("Een BIG-nummer heeft 11 cijfers. Je vindt het in het BIG-register."),
    "kabiz": N_("Een BIG-nummer heeft 11 cijfers. Je vindt het in het BIG-register."),
    "nvvpo": N_("Je registratienummer bij de NVvPO heeft 3 of 4 cijfers."),
}
GENERIC = N_("Dit nummer past niet bij dit register. Kijk het nummer na.")


@dataclass
class RegistryNumber:
    """One registry as the employee sees it: their number (if given) and their points there."""

    registry: m.AccreditationRegistry
    number: str | None
    consent_at: datetime | None
    points: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


def normalise(registry: m.AccreditationRegistry, raw: str) -> str:
    """The number without spaces or dots, checked against the registry's format.

    Raises:
        InvalidInputError: with a Dutch message that says what the registry expects.
    """
    number = SEPARATORS.sub("", raw or "")
    if not number:
        raise InvalidInputError(N_("Vul je nummer in."), {"number": [N_("Vul je nummer in.")]})
    pattern = registry.number_pattern or r"^[0-9A-Za-z]{1,20}$"
    if not re.fullmatch(pattern, number):
        message = FORMAT_MESSAGES.get(registry.code, GENERIC)
        raise InvalidInputError(message, {"number": [message]})
    return number


def get_registry(session: Session, registry_id: int) -> m.AccreditationRegistry:
    registry = session.get(m.AccreditationRegistry, registry_id)
    if registry is None or not registry.active:
        raise NotFoundError(N_("Register %(registry)s bestaat niet."), registry=registry_id)
    return registry


def save_number(session: Session, person: m.Person, registry_id: int, raw: str, consent: bool,
                now: datetime) -> m.RegistrationNumber:
    """Store (or replace) the person's number in a registry, with their consent.

    Raises:
        InvalidInputError: without consent, or when the number does not fit the registry.
        NotFoundError: for an unknown registry.
    """
    registry = get_registry(session, registry_id)
    number = normalise(registry, raw)  # the number first: a wrong one is the likelier mistake
    if not consent:
        message = N_("Zet een vinkje als je het goed vindt dat we je nummer bewaren en doorgeven.")
        raise InvalidInputError(message, {"consent": [message]})
    row = session.scalar(select(m.RegistrationNumber).where(
        m.RegistrationNumber.person_id == person.id, m.RegistrationNumber.registry_id == registry.id))
    if row is None:
        row = m.RegistrationNumber(person_id=person.id, registry_id=registry.id)
        session.add(row)
    row.number, row.consent_at, row.withdrawn_at = number, now, None
    session.flush()
    # points already earned now count in this registry too (the ledger decides; nothing twice)
    points.derive_points(session, person.organisation_id, now, [person.id])
    return row


def withdraw(session: Session, person: m.Person, registry_id: int, now: datetime) -> None:
    """Withdraw consent: the number is erased and nothing more goes to the registry for this person."""
    row = session.scalar(select(m.RegistrationNumber).where(
        m.RegistrationNumber.person_id == person.id, m.RegistrationNumber.registry_id == registry_id))
    if row is not None and row.withdrawn_at is None:
        row.number, row.withdrawn_at = None, now
        session.flush()


def consented_numbers(session: Session, registry_id: int, person_ids: list[int] | None = None) -> dict[int, str]:
    """person id -> number, for the people who gave a number and did not withdraw consent."""
    query = select(m.RegistrationNumber.person_id, m.RegistrationNumber.number).where(
        m.RegistrationNumber.registry_id == registry_id, m.RegistrationNumber.withdrawn_at.is_(None),
        m.RegistrationNumber.number.is_not(None))
    if person_ids is not None:
        query = query.where(m.RegistrationNumber.person_id.in_(person_ids))
    return dict(session.execute(query).all())


def my_registries(session: Session, person: m.Person) -> list[RegistryNumber]:
    """Every active registry with the person's number, points and record statuses there."""
    numbers = {n.registry_id: n for n in session.scalars(select(m.RegistrationNumber).where(
        m.RegistrationNumber.person_id == person.id))}
    points: dict[int, float] = defaultdict(float)
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    for registry_id, status, total, count in session.execute(
            select(m.AccreditationRecord.registry_id, m.AccreditationRecord.status,
                   func.sum(m.AccreditationRecord.points), func.count())
            .where(m.AccreditationRecord.person_id == person.id, m.AccreditationRecord.is_reversal.is_(False),
                   m.AccreditationRecord.reverses_id.is_(None))
            .group_by(m.AccreditationRecord.registry_id, m.AccreditationRecord.status)):
        statuses[registry_id][status.value] = count
        points[registry_id] += total or 0
    for registry_id, total in session.execute(
            select(m.AccreditationRecord.registry_id, func.sum(m.AccreditationRecord.points))
            .where(m.AccreditationRecord.person_id == person.id, m.AccreditationRecord.is_reversal.is_(True))
            .group_by(m.AccreditationRecord.registry_id)):
        points[registry_id] += total or 0
    rows = []
    for registry in session.scalars(select(m.AccreditationRegistry).where(m.AccreditationRegistry.active.is_(True))
                                    .order_by(m.AccreditationRegistry.name)):
        given = numbers.get(registry.id)
        active = given is not None and given.withdrawn_at is None and given.number
        rows.append(RegistryNumber(registry, given.number if active else None, given.consent_at if active else None,
                                   points.get(registry.id, 0.0), statuses.get(registry.id, {})))
    return rows


@dataclass(frozen=True)
class MissingNumber:
    person_id: int
    name: str | None
    email: str | None
    registry_id: int
    registry_name: str
    points: float


def missing_numbers(session: Session, organisation_id: int) -> list[MissingNumber]:
    """People of the organisation with points in a registry but no number (with consent) there."""
    earned = session.execute(
        select(m.AccreditationRecord.person_id, m.AccreditationRecord.registry_id, func.sum(m.AccreditationRecord.points))
        .where(m.AccreditationRecord.organisation_id == organisation_id)
        .group_by(m.AccreditationRecord.person_id, m.AccreditationRecord.registry_id)
        .having(func.sum(m.AccreditationRecord.points) > 0)).all()
    have = set(session.execute(select(m.RegistrationNumber.person_id, m.RegistrationNumber.registry_id)
                               .join(m.Person, m.Person.id == m.RegistrationNumber.person_id).where(
        m.Person.organisation_id == organisation_id, m.RegistrationNumber.withdrawn_at.is_(None),
        m.RegistrationNumber.number.is_not(None))).all())
    people = {p.id: p for p in session.scalars(select(m.Person).where(
        m.Person.id.in_({person for person, _r, _p in earned})))}
    registries = {r.id: r.name for r in session.scalars(select(m.AccreditationRegistry))}
    return sorted((MissingNumber(person, people[person].name, people[person].email, registry, registries[registry],
                                 total)
                   for person, registry, total in earned
                   if (person, registry) not in have and people[person].pseudonymised_at is None),
                  key=lambda row: ((row.name or "").lower(), row.registry_name))


def send_reminder(session: Session, organisation: m.Organisation, actor: m.Person, person_id: int, registry_id: int,
                  now: datetime) -> bool:
    """Mail a person that they earned points but gave no number yet (once a day per registry).

    Returns:
        Whether a mail was queued (not when the person has no e-mail address).

    Raises:
        NotFoundError: the person is not in this organisation.
    """
    person = session.get(m.Person, person_id)
    if person is None or person.organisation_id != organisation.id:
        raise NotFoundError(N_("Persoon %(person)s bestaat niet."), person=person_id)
    registry = get_registry(session, registry_id)
    queued = mail.enqueue(session, organisation, person, "accreditation_number_reminder",
                          {"registry_name": registry.name}, now=now,
                          dedupe_key=f"number-reminder:{person.id}:{registry.id}:{now.date().isoformat()}")
    audit.record(session, organisation, actor, audit.Action.ACCREDITATION_REMINDER_SENT, f"person:{person.id}",
                 {"registry": registry.code, "queued": queued is not None})
    return queued is not None
