"""The hours ledger and the points derived from it (rules in ``mappings.points``).

Ledger rows (``LearningHours``) are only ever added: a correction is a reversing row. Points
records are derived by evaluating a person's whole ledger against each accredited activity
and storing only awards whose key is new, so re-running never counts the same minutes twice;
an award the ledger no longer supports gets a reversing record. Session first, never commits.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, insert, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from mappings import points as rules
from mappings.model import ActivityKind
from service import models as m
from service.errors import ConflictError, NotFoundError
from service.i18n_markers import N_

#: what wrote a ledger row; the pair (source, source_ref) is unique, so an import is idempotent
SOURCES = ("coaching_session", "attempt", "xapi", "correction", "manual")


@dataclass
class PointsReport:
    """What one evaluation stored."""

    people: int = 0
    granted: int = 0
    reversed: int = 0
    points: float = 0.0


def add_hours(session: Session, organisation_id: int, person_id: int, kind: ActivityKind, minutes: int,
              occurred_at: datetime, source: str, source_ref: str, title: str | None = None) -> m.LearningHours:
    """Add one ledger row (time spent); the same source and reference twice returns the first.

    Raises:
        ValueError: for minutes that are not positive (a correction is ``reverse_hours``).
    """
    if minutes <= 0:
        raise ValueError("minutes must be positive; use reverse_hours to correct")
    existing = session.scalar(select(m.LearningHours).where(
        m.LearningHours.source == source, m.LearningHours.source_ref == source_ref))
    if existing is not None:
        return existing
    row = m.LearningHours(organisation_id=organisation_id, person_id=person_id, kind=kind, minutes=minutes,
                          occurred_at=occurred_at, source=source, source_ref=source_ref, title=title)
    session.add(row)
    session.flush()
    return row


def reverse_hours(session: Session, entry_id: int, now: datetime, organisation_id: int) -> m.LearningHours:
    """Take back a ledger row with a reversing row; the original stays as it was.

    Raises:
        NotFoundError: no such row in this organisation.
        ConflictError: the row is itself a reversal or was reversed already.
    """
    entry = session.get(m.LearningHours, entry_id)
    if entry is None or entry.organisation_id != organisation_id:
        raise NotFoundError(N_("Leeruren %(entry)s bestaan niet."), entry=entry_id)
    if entry.reverses_id is not None or session.scalar(
            select(m.LearningHours.id).where(m.LearningHours.reverses_id == entry_id)):
        raise ConflictError(N_("Leeruren %(entry)s zijn een correctie of zijn al gecorrigeerd."), entry=entry_id)
    row = m.LearningHours(organisation_id=entry.organisation_id, person_id=entry.person_id, kind=entry.kind,
                          minutes=-entry.minutes, occurred_at=now, source="correction", source_ref=str(entry.id),
                          title=entry.title, reverses_id=entry.id)
    session.add(row)
    session.flush()
    return row


def record_counted_tests(session: Session, organisation_id: int) -> int:
    """Put digi-toetsen passed at the function level into the ledger (once each); returns how many."""
    known = set(session.scalars(select(m.LearningHours.source_ref).where(
        m.LearningHours.source == "attempt", m.LearningHours.organisation_id == organisation_id)))
    attempts = [row for row in session.execute(
        select(m.Attempt.id, m.Attempt.registration, m.Attempt.person_id, m.Attempt.started_at,
               m.Attempt.submitted_at)
        .where(m.Attempt.organisation_id == organisation_id, m.Attempt.passed.is_(True),
               m.Attempt.function_profile_id.is_not(None), m.Attempt.submitted_at.is_not(None))
    ) if str(row.registration) not in known]
    for _id, registration, person_id, started_at, submitted_at in attempts:
        minutes = max(1, round((submitted_at - started_at).total_seconds() / 60))
        session.add(m.LearningHours(organisation_id=organisation_id, person_id=person_id, kind=ActivityKind.TEST,
                                    minutes=minutes, occurred_at=submitted_at, source="attempt",
                                    source_ref=str(registration)))
    session.flush()
    return len(attempts)


#: people evaluated together: their ledger, eligibility and stored records are read per chunk,
#: so memory stays flat however large the organisation's ledger is
CHUNK_PEOPLE = 1000


def _ledger_query(organisation_id: int):
    """Plain columns (no ORM objects, no per-row type decorators): 100,000 rows load in well under a second."""
    return select(m.LearningHours.id, m.LearningHours.person_id, type_coerce(m.LearningHours.kind, String),
                  m.LearningHours.minutes, type_coerce(m.LearningHours.occurred_at, DateTime(timezone=True)),
                  m.LearningHours.reverses_id).where(m.LearningHours.organisation_id == organisation_id)


_KINDS = {kind.value: kind for kind in ActivityKind}


def _entries(rows) -> list[rules.Entry]:
    return [rules.Entry(id_, person, _KINDS[kind], minutes,
                        at if isinstance(at, datetime) and at.tzinfo else _utc(at), reverses)
            for id_, person, kind, minutes, at, reverses in rows]


def ledger(session: Session, organisation_id: int, person_ids: Iterable[int] | None = None) -> list[rules.Entry]:
    """The ledger rows of an organisation (or of some of its people) as pure entries."""
    query = _ledger_query(organisation_id)
    if person_ids is not None:
        query = query.where(m.LearningHours.person_id.in_(list(person_ids)))
    return _entries(session.execute(query))


def _utc(value) -> datetime:
    """SQLite gives naive datetimes (or text) back: they are UTC, as everything we store."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC)


def eligible_registries(session: Session, organisation_id: int, now: datetime,
                        person_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(person, registry) pairs where points are earned: the person gave a number there (with
    consent), or their function is one of the registry's professions. A nurse earns no
    points in the physicians' register, and gets them once she enters a number there.
    ``person_ids``: only these people (one chunk of an evaluation; the caller took them from
    this organisation's ledger).
    """
    numbers = select(m.RegistrationNumber.person_id, m.RegistrationNumber.registry_id).where(
        m.RegistrationNumber.withdrawn_at.is_(None), m.RegistrationNumber.number.is_not(None))
    functions = (select(m.FunctionAssignment.person_id, m.FunctionProfile.code)
                 .join(m.FunctionProfile, m.FunctionProfile.id == m.FunctionAssignment.function_profile_id)
                 .where(or_(m.FunctionAssignment.valid_until.is_(None), m.FunctionAssignment.valid_until > now)))
    if person_ids is None:
        numbers = numbers.join(m.Person, m.Person.id == m.RegistrationNumber.person_id).where(
            m.Person.organisation_id == organisation_id)
        functions = functions.join(m.Person, m.Person.id == m.FunctionAssignment.person_id).where(
            m.Person.organisation_id == organisation_id)
    else:
        # the people of one chunk (read from the organisation's ledger): looked up by their ids
        # alone, on the (person, registry) index, not through a join a planner may get wrong
        people = list(person_ids)
        numbers = numbers.where(m.RegistrationNumber.person_id.in_(people))
        functions = functions.where(m.FunctionAssignment.person_id.in_(people))
    pairs = set(session.execute(numbers).all())
    by_profession: dict[str, list[int]] = defaultdict(list)
    for registry_id, professions in session.execute(select(m.AccreditationRegistry.id,
                                                           m.AccreditationRegistry.professions)):
        for code in professions or ():
            by_profession[code].append(registry_id)
    for person_id, code in session.execute(functions):
        pairs.update((person_id, registry_id) for registry_id in by_profession.get(code, ()))
    return pairs


def active_activities(session: Session) -> list[m.AccreditedActivity]:
    return list(session.scalars(
        select(m.AccreditedActivity).where(m.AccreditedActivity.active.is_(True))
        .options(selectinload(m.AccreditedActivity.rule)).order_by(m.AccreditedActivity.id)))


def new_certificate_code(random: bytes | None = None) -> str:
    """A verification code that cannot be guessed: 80 random bits as 16 base32 letters, in groups of 4."""
    raw = base64.b32encode(random or secrets.token_bytes(10)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _certificate_codes(count: int) -> Iterator[str]:
    """``count`` codes from one call to the system's random source (a call each took 60 microseconds under load)."""
    pool = secrets.token_bytes(10 * count)
    return (new_certificate_code(pool[i:i + 10]) for i in range(0, 10 * count, 10))


def _people_chunks(session: Session, organisation_id: int, person_ids: Iterable[int] | None,
                   size: int) -> Iterator[list[int]]:
    """The people to evaluate, ``size`` at a time, in id order.

    Everyone: keyset pages over the ledger's distinct people (never the whole list at once).
    """
    if person_ids is not None:
        people = sorted(set(person_ids))
        for offset in range(0, len(people), size):
            yield people[offset:offset + size]
        return
    last = 0
    while True:
        page = list(session.scalars(
            select(m.LearningHours.person_id).distinct()
            .where(m.LearningHours.organisation_id == organisation_id, m.LearningHours.person_id > last)
            .order_by(m.LearningHours.person_id).limit(size)))
        if not page:
            return
        yield page
        last = page[-1]


def derive_points(session: Session, organisation_id: int, now: datetime,
                  person_ids: Iterable[int] | None = None, chunk: int = CHUNK_PEOPLE,
                  progress: Callable[[int], None] | None = None) -> PointsReport:
    """Store the points the ledger earns for these people (everyone: None); reverse what it no longer earns.

    People are evaluated ``chunk`` at a time: per chunk one query for their ledger, one for
    their eligibility, one for their stored records and one multi-row INSERT per activity.
    ``progress`` is called with the number of people done after each chunk.
    """
    report = PointsReport()
    activities = [(activity, activity.rule.as_rule(), activity.as_activity(),
                   _activity_columns(organisation_id, activity, now)) for activity in active_activities(session)]
    for people in _people_chunks(session, organisation_id, person_ids, chunk):
        query = _ledger_query(organisation_id)
        query = query.where(m.LearningHours.person_id.in_(people))
        entries = _entries(session.execute(query))
        report.people += len({e.person_id for e in entries})
        netted = rules.net(entries)
        allowed: dict[int, set[int]] = defaultdict(set)  # registry -> people of this chunk who earn there
        for person_id, registry_id in eligible_registries(session, organisation_id, now, people):
            allowed[registry_id].add(person_id)
        by_kind: dict[ActivityKind, list[rules.Entry]] = defaultdict(list)
        for entry in netted:
            by_kind[entry.kind].append(entry)
        stored = _stored(session, organisation_id, people)
        for activity, rule, pure, fixed in activities:
            earners = allowed.get(activity.registry_id)
            if not earners and activity.id not in stored:
                continue  # nobody here earns in this registry, and nothing was stored to reverse
            mine = [e for kind in rule.activity_kinds for e in by_kind.get(kind, ()) if e.person_id in (earners or ())]
            awards = rules.evaluate(pure, rule, mine, netted=True)
            keys = stored.get(activity.id, {})
            granted = {key for (_person, key) in keys}
            active = {key for (_person, key), (_row, reversed_) in keys.items() if not reversed_}
            plan = rules.reconcile(awards, active)
            fresh = [award for award in plan.new if award.key not in granted]  # granted and reversed before: never again
            if fresh:
                # one multi-row INSERT per activity and chunk, never a round trip per record
                # (Core, not the ORM's bulk path: no per-row ORM bookkeeping for rows we do not load)
                codes = _certificate_codes(len(fresh)) if activity.rule.certificate else None
                session.execute(insert(m.AccreditationRecord.__table__),
                                [_grant(organisation_id, activity, award, now, fixed, codes) for award in fresh])
                report.granted += len(fresh)
                report.points += sum(award.points for award in fresh)
            to_reverse = [row_id for (_person, key), (row_id, reversed_) in keys.items()
                          if key in plan.reverse and not reversed_]
            for row in session.scalars(select(m.AccreditationRecord).where(m.AccreditationRecord.id.in_(to_reverse))):
                session.add(_reversal(row, now))
                report.reversed += 1
                report.points -= row.points
        if progress is not None:
            progress(len(people))
    session.flush()
    return report


def _stored(session: Session, organisation_id: int, people: list[int]) -> dict[int, dict[tuple[int, str], tuple]]:
    """activity id -> (person, key) -> (grant record id, whether it was reversed), for these people."""
    rows = session.execute(
        select(m.AccreditationRecord.id, m.AccreditationRecord.activity_id, m.AccreditationRecord.person_id,
               m.AccreditationRecord.award_key, m.AccreditationRecord.is_reversal)
        .where(m.AccreditationRecord.organisation_id == organisation_id,
               m.AccreditationRecord.person_id.in_(people))).all()
    reversed_keys = {(activity, person, key) for _id, activity, person, key, reversal in rows if reversal}
    stored: dict[int, dict[tuple[int, str], tuple]] = defaultdict(dict)
    for id_, activity, person, key, reversal in rows:
        if not reversal:
            stored[activity][(person, key)] = (id_, (activity, person, key) in reversed_keys)
    return stored


def _grant(organisation_id: int, activity: m.AccreditedActivity, award: rules.Award, now: datetime,
           fixed: dict | None = None, codes: Iterator[str] | None = None) -> dict:
    """The columns of a new grant; the course id is copied as it is today (kept when it changes later)."""
    fixed = fixed or _activity_columns(organisation_id, activity, now)
    code = None
    if activity.rule.certificate:
        code = next(codes) if codes is not None else new_certificate_code()
    return {**fixed, "uuid": uuid.uuid4(), "person_id": award.person_id, "award_key": award.key,
            "points": award.points, "minutes": award.minutes, "entry_ids": list(award.entry_ids),
            "period_start": award.started_at, "period_end": award.completed_at, "certificate_code": code}


def _activity_columns(organisation_id: int, activity: m.AccreditedActivity, now: datetime) -> dict:
    return dict(
        organisation_id=organisation_id, registry_id=activity.registry_id, activity_id=activity.id, is_reversal=False,
        activity_type=activity.type, accreditation_id=activity.as_activity().accreditation_id,
        pe_course_id=activity.pe_course_id, external_course_id=activity.external_course_id,
        module_id=activity.module_id, edition_id=activity.edition_id, meeting_id=activity.meeting_id,
        status=m.RecordStatus.PENDING, granted_at=now)


def _reversal(row: m.AccreditationRecord, now: datetime) -> m.AccreditationRecord:
    """A record that takes back ``row``'s points; it keeps the id the points were earned under."""
    return m.AccreditationRecord(
        organisation_id=row.organisation_id, person_id=row.person_id, registry_id=row.registry_id,
        activity_id=row.activity_id, award_key=row.award_key, is_reversal=True, reverses_id=row.id,
        points=-row.points, minutes=-row.minutes, entry_ids=row.entry_ids, period_start=row.period_start,
        period_end=row.period_end, activity_type=row.activity_type, accreditation_id=row.accreditation_id,
        pe_course_id=row.pe_course_id, external_course_id=row.external_course_id, module_id=row.module_id,
        edition_id=row.edition_id, meeting_id=row.meeting_id, status=m.RecordStatus.PENDING, granted_at=now,
    )


def points_per_registry(session: Session, person_id: int) -> dict[int, float]:
    """Net points per registry id for one person (grants minus reversals)."""
    totals: dict[int, float] = defaultdict(float)
    for registry_id, points in session.execute(select(m.AccreditationRecord.registry_id,
                                                      m.AccreditationRecord.points).where(
            m.AccreditationRecord.person_id == person_id)):
        totals[registry_id] += points
    return dict(totals)
