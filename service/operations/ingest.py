"""Read learning from other tools back from the LRS: e-learning with a duration counts as hours.

``service.jobs.ingest`` reads every statement stored since the organisation's cursor (oldest first,
following ``more`` links), keeps those from other tools that carry a duration and belong to a
known person, and ``record`` adds them to the ``learning_hours`` ledger keyed by statement id, so
reading the same statement twice adds nothing. The cursor moves after each page to the
latest ``stored`` time seen, and every run re-reads an overlap window before it: a statement
that an LRS stored a moment before the cursor but made visible later (a slow write, another
LRS node) is still found, and the ids already in the ledger are skipped.

Durations count in whole minutes, like the accreditation ledger: a duration is rounded to the
nearest minute first, and what rounds to 0 (under 30 seconds, ``PT20S``) is too short to count
and adds no record, rather than a 0-minute one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aniso8601
from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings.model import ActivityKind
from service import models as m
from xapi.vocabulary import Vocabulary

#: verbs that mean "this learning activity took place"
KEEP_VERBS = {
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/attended",
    "http://adlnet.gov/expapi/verbs/experienced",
}


@dataclass
class IngestReport:
    read: int = 0
    added: int = 0
    already_known: int = 0
    unknown_person: int = 0
    ours: int = 0
    ignored: int = 0
    too_short: int = 0


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _minutes(statement: dict) -> int | None:
    """Whole minutes of ``result.duration`` (rounded), or None when there is no valid duration."""
    duration = (statement.get("result") or {}).get("duration")
    if not duration:
        return None
    try:
        seconds = aniso8601.parse_duration(duration).total_seconds()
    except (ValueError, aniso8601.exceptions.ISOFormatError):
        return None
    return round(seconds / 60) if seconds >= 0 else None


def _is_ours(statement: dict, vocabulary: Vocabulary) -> bool:
    categories = ((statement.get("context") or {}).get("contextActivities") or {}).get("category") or []
    return any(str(c.get("id", "")).startswith(vocabulary.profile) for c in categories)


def _find_person(session: Session, organisation_id: int, actor: dict) -> m.Person | None:
    account = actor.get("account") or {}
    if account.get("homePage") and account.get("name"):
        name = account["name"]
        issuers = {account["homePage"], account["homePage"].rstrip("/")}
        people = session.scalars(
            select(m.Person).where(m.Person.organisation_id == organisation_id, m.Person.issuer.in_(issuers))
        )
        for person in people:
            if name in (person.subject, str(person.pseudonym)):
                return person
    mbox = actor.get("mbox", "")
    if mbox.startswith("mailto:"):
        return session.scalar(
            select(m.Person).where(m.Person.organisation_id == organisation_id, m.Person.email == mbox[len("mailto:"):])
        )
    return None


def _title(statement: dict) -> str | None:
    names = ((statement.get("object") or {}).get("definition") or {}).get("name") or {}
    return (names.get("nl") or names.get("nl-NL") or names.get("en") or next(iter(names.values()), None) or None)


def record(session: Session, organisation_id: int, statements: Iterable[dict], vocabulary: Vocabulary,
           report: IngestReport) -> datetime | None:
    """Add the hours of one page of statements; returns the latest ``stored`` seen."""
    statements = list(statements)
    seen = set(session.scalars(select(m.LearningHours.source_ref).where(
        m.LearningHours.source == "xapi", m.LearningHours.source_ref.in_([s["id"] for s in statements]))))
    latest = None
    for statement in statements:
        report.read += 1
        stored = _parse_time(statement["stored"]) if statement.get("stored") else None
        latest = max(latest, stored) if latest and stored else (stored or latest)
        minutes = _minutes(statement)
        if _is_ours(statement, vocabulary):
            report.ours += 1
            continue
        if minutes is None or statement.get("verb", {}).get("id") not in KEEP_VERBS:
            report.ignored += 1
            continue
        if minutes == 0:  # rounded first, then filtered: no 0-minute records
            report.too_short += 1
            continue
        if statement["id"] in seen:  # read before (the overlap window, or a reset cursor)
            report.already_known += 1
            continue
        person = _find_person(session, organisation_id, statement.get("actor") or {})
        if person is None:
            report.unknown_person += 1
            continue
        session.add(
            m.LearningHours(
                organisation_id=organisation_id, person_id=person.id, kind=ActivityKind.ELEARNING, minutes=minutes,
                occurred_at=_parse_time(statement.get("timestamp") or statement["stored"]),
                source="xapi", source_ref=statement["id"], title=(_title(statement) or "")[:500] or None,
            )
        )
        session.flush()
        seen.add(statement["id"])
        report.added += 1
    return latest
