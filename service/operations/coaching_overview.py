"""Figures for /coach/overzicht and the coordinator: open work, pick-up time, hours, ratio, progress.

Levels before and after coaching are shown per skill only for groups of at least the
organisation's minimum group size (never fewer than 5), so no one's level can be read off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

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
    """Every help request of the organisation, with its person and their team (two more queries, not one a request)."""
    return list(session.scalars(select(m.HelpRequest).where(m.HelpRequest.organisation_id == organisation_id)
                                .options(selectinload(m.HelpRequest.person).joinedload(m.Person.team))))


def _location_names(session: Session, organisation_id: int) -> Callable[[m.Person], str]:
    """A person's location name: their team's location, else the one on their HR record (two queries in all)."""
    names = dict(session.execute(select(m.Location.id, m.Location.name)
                                 .where(m.Location.organisation_id == organisation_id)).all())
    on_record = dict(session.execute(select(m.HrRecord.person_id, m.HrRecord.location_id)
                                     .join(m.Person, m.Person.id == m.HrRecord.person_id)
                                     .where(m.Person.organisation_id == organisation_id,
                                            m.HrRecord.location_id.is_not(None))).all())

    def name(person: m.Person) -> str:
        team_location = person.team.location_id if person.team is not None else None
        return names.get(team_location or on_record.get(person.id), "–")

    return name


def overview(session: Session, viewer: m.Person, now: datetime) -> Overview:
    """The page's figures in a fixed number of queries, whatever the number of requests and sessions."""
    org = viewer.organisation
    lines = {c.id: CoachLine(c) for c in coaching.coaches(session, org.id)}
    by_location: dict[str, list] = defaultdict(lambda: [0, []])
    requests = _requests(session, org.id)
    location_name = _location_names(session, org.id)
    for request in requests:
        location = location_name(request.person)
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
    held = (select(m.CoachingSession)
            .where(m.CoachingSession.organisation_id == org.id, m.CoachingSession.voided_at.is_(None))
            .options(selectinload(m.CoachingSession.versions).selectinload(m.CoachingSessionVersion.attendances)))
    for record in session.scalars(held):
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


def _levels(session: Session, organisation_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """Per resolved help request: the level its test showed (before), and the level of the latest
    later test of that skill (after, when there is one). Two queries for all requests."""
    resolved = (m.HelpRequest.organisation_id == organisation_id,
                m.HelpRequest.status == m.HelpRequestStatus.RESOLVED)
    before = dict(session.execute(
        select(m.HelpRequest.id, m.SkillObservation.level)
        .join(m.SkillObservation, and_(m.SkillObservation.attempt_id == m.HelpRequest.attempt_id,
                                       m.SkillObservation.skill_id == m.HelpRequest.skill_id))
        .where(*resolved)).all())
    after: dict[int, int] = {}
    later = session.execute(
        select(m.HelpRequest.id, m.SkillObservation.level)
        .join(m.SkillObservation, and_(m.SkillObservation.person_id == m.HelpRequest.person_id,
                                       m.SkillObservation.skill_id == m.HelpRequest.skill_id,
                                       m.SkillObservation.observed_at > m.HelpRequest.resolved_at))
        .where(*resolved)
        .order_by(m.HelpRequest.id, m.SkillObservation.observed_at, m.SkillObservation.id))
    for request_id, level in later:  # in time order: the last one per request stays
        after[request_id] = level
    return before, after


def _progress(session: Session, org: m.Organisation, requests: list[m.HelpRequest]) -> list[ProgressLine]:
    minimum = max(PROGRESS_MINIMUM, org.min_group_size)
    levels_before, levels_after = _levels(session, org.id)
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for request in requests:
        if request.status is not m.HelpRequestStatus.RESOLVED:
            continue
        before, after = levels_before.get(request.id), levels_after.get(request.id)
        if before is not None and after is not None:
            pairs[request.skill_id].append((before, after))
    skills = {skill.id: skill for skill in session.scalars(select(m.Skill).where(m.Skill.id.in_(list(pairs))))} \
        if pairs else {}
    lines = []
    for skill_id, values in pairs.items():
        lines.append(ProgressLine(skills[skill_id], len(values),
                                  rules.group_mean([b for b, _ in values], minimum),
                                  rules.group_mean([a for _, a in values], minimum)))
    return sorted(lines, key=lambda line: line.skill.name)


def overdue(session: Session, coordinator: m.Person, now: datetime) -> list[coaching.QueueRow]:
    """Every new request of the organisation past its pick-up target (the coordinator's list)."""
    rows = coaching.queue(session, coordinator, coaching.Filters(status="te-laat"), now)
    return [r for r in rows if r.overdue]
