"""Figures for /coach/overzicht and the coordinator: open work, pick-up time, hours, ratio, progress.

Levels before and after coaching are shown per skill only for groups of at least the
organisation's minimum group size (never fewer than 5), so no one's level can be read off.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings import coaching as rules
from service import models as m
from service.operations import coaching

#: advice for digicoaching (HR-COACH-NOTES.md): one coach per 35 employees, at least 4 hours a week
ADVICE_EMPLOYEES_PER_COACH = 35
ADVICE_HOURS_PER_WEEK = 4
PROGRESS_MINIMUM = 5


@dataclass
class CoachLine:
    coach: m.Person
    open_requests: int = 0
    pickup: list[timedelta] = field(default_factory=list)
    months: dict[str, tuple[int, int]] = field(default_factory=dict)  # "2026-11" -> (sessions, minutes)

    @property
    def median_pickup_hours(self) -> float | None:
        return rules.median_hours(self.pickup)


@dataclass(frozen=True)
class ProgressLine:
    skill: m.Skill
    people: int
    before: float | None  # None: group too small, not shown
    after: float | None


@dataclass(frozen=True)
class Overview:
    coaches: list[CoachLine]
    locations: list[tuple[str, int, float | None]]  # name, open requests, median pick-up hours
    employees: int
    coach_count: int
    ratio: float | None
    hours_per_coach_week: float | None
    progress: list[ProgressLine]
    months: list[str]


def _requests(session: Session, organisation_id: int) -> list[m.HelpRequest]:
    return list(session.scalars(select(m.HelpRequest).where(m.HelpRequest.organisation_id == organisation_id)))


def overview(session: Session, viewer: m.Person, now: datetime) -> Overview:
    org = viewer.organisation
    lines = {c.id: CoachLine(c) for c in coaching.coaches(session, org.id)}
    by_location: dict[str, list] = defaultdict(lambda: [0, []])
    requests = _requests(session, org.id)
    for request in requests:
        location = _location_name(session, request.person)
        if request.status in coaching.OPEN:
            by_location[location][0] += 1
            if request.coach_id in lines:
                lines[request.coach_id].open_requests += 1
        if request.claimed_at is not None:
            waited = request.claimed_at - request.created_at
            by_location[location][1].append(waited)
            if request.coach_id in lines:
                lines[request.coach_id].pickup.append(waited)
    months = [(now.replace(day=1) - timedelta(days=31 * k)).strftime("%Y-%m") for k in range(5, -1, -1)]
    recent_minutes = 0
    for record in session.scalars(select(m.CoachingSession).where(m.CoachingSession.organisation_id == org.id,
                                                                  m.CoachingSession.voided_at.is_(None))):
        if not record.versions or record.coach_id not in lines:
            continue
        version = record.current
        minutes = max((a.minutes for a in version.attendances), default=0)  # the coach's time, not the sum
        month = version.held_at.strftime("%Y-%m")
        sessions, total = lines[record.coach_id].months.get(month, (0, 0))
        lines[record.coach_id].months[month] = (sessions + 1, total + minutes)
        if version.held_at >= now - timedelta(weeks=4):
            recent_minutes += minutes
    employees = session.query(m.Person).filter(m.Person.organisation_id == org.id,
                                               m.Person.pseudonymised_at.is_(None)).count()
    coach_count = len(lines)
    hours = round(recent_minutes / 60 / 4 / coach_count, 1) if coach_count else None
    return Overview(
        coaches=sorted(lines.values(), key=lambda line: coaching.employee_label(line.coach)),
        locations=sorted((name, n, rules.median_hours(waits)) for name, (n, waits) in by_location.items()),
        employees=employees, coach_count=coach_count, ratio=rules.coach_ratio(employees, coach_count),
        hours_per_coach_week=hours, progress=_progress(session, org, requests), months=months,
    )


def _location_name(session: Session, person: m.Person) -> str:
    location_id = coaching.person_location_id(session, person)
    location = session.get(m.Location, location_id) if location_id else None
    return location.name if location else "–"


def _progress(session: Session, org: m.Organisation, requests: list[m.HelpRequest]) -> list[ProgressLine]:
    minimum = max(PROGRESS_MINIMUM, org.min_group_size)
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for request in requests:
        if request.status is not m.HelpRequestStatus.RESOLVED:
            continue
        before, after = coaching.level_before(session, request), coaching.level_after(session, request)
        if before is not None and after is not None:
            pairs[request.skill_id].append((before, after))
    lines = []
    for skill_id, values in pairs.items():
        lines.append(ProgressLine(session.get(m.Skill, skill_id), len(values),
                                  rules.group_mean([b for b, _ in values], minimum),
                                  rules.group_mean([a for _, a in values], minimum)))
    return sorted(lines, key=lambda line: line.skill.name)


def overdue(session: Session, coordinator: m.Person, now: datetime) -> list[coaching.QueueRow]:
    """Every new request of the organisation past its pick-up target (the coordinator's list)."""
    rows = coaching.queue(session, coordinator, coaching.Filters(status="te-laat"), now)
    return [r for r in rows if r.overdue]
