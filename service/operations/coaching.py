"""The digicoach's queue: which help requests a coach may see (their scope), filtered and sorted.

A coach sees the open requests of the people in their scope (a team, or a location: the team's
location, or the HR record's when the person has no team) that the employee agreed to (consent)
or that the organisation's help rules made. What they see of the request is the skill, the
application, the gap (level asked vs level shown), age, team, location and how to get in touch.
Never item answers or scores; which questions went wrong only when the employee chose to share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from mappings import coaching as rules
from service import models as m
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.operations import audit

OPEN = (m.HelpRequestStatus.NEW, m.HelpRequestStatus.CLAIMED, m.HelpRequestStatus.PLANNED)
SORTS = ("oudste", "nieuwste", "vaardigheid", "locatie")


@dataclass(frozen=True)
class Scope:
    """What a coach serves; ``everything`` for a coordinator (the whole organisation)."""

    team_ids: frozenset[int]
    location_ids: frozenset[int]
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not (self.everything or self.team_ids or self.location_ids)


@dataclass(frozen=True)
class Filters:
    location_id: int | None = None
    team_id: int | None = None
    theme: str | None = None
    application: str | None = None
    status: str | None = None  # a HelpRequestStatus value among the open ones, or "te-laat"
    min_age_days: int | None = None
    sort: str = "oudste"
    mine: bool = False


@dataclass(frozen=True)
class QueueRow:
    """One help request as a coach sees it."""

    request: m.HelpRequest
    employee: str
    skill: m.Skill
    application: str | None
    required_level: int | None
    shown_level: int | None
    team: str | None
    location: str | None
    location_id: int | None
    overdue: bool
    age_days: int


def scope_of(session: Session, coach: m.Person) -> Scope:
    """The coach's scope; the coach coordinator's is the whole organisation."""
    if coach.has_role(m.ToolRole.COACH_COORDINATOR):
        return Scope(frozenset(), frozenset(), everything=True)
    rows = session.execute(select(m.CoachScope.team_id, m.CoachScope.location_id).where(
        m.CoachScope.person_id == coach.id, m.CoachScope.organisation_id == coach.organisation_id)).all()
    return Scope(frozenset(t for t, _ in rows if t), frozenset(loc for _, loc in rows if loc))


def employee_label(person: m.Person) -> str:
    """The name where the organisation stores it, else a short code the coach can say to the employee."""
    return person.name or f"#{str(person.pseudonym)[:8]}"


def _location_expr():
    team, record = aliased(m.Team), aliased(m.HrRecord)
    return team, record, func.coalesce(team.location_id, record.location_id)


def _query(organisation_id: int, scope: Scope):
    """The requests of the scope, each with what its queue row shows, in one query: the team, the
    location (id and name), the levels of the test it came from and that test's application, the
    person (with organisation) and the skill. No query per request."""
    team, record, location = _location_expr()
    place = aliased(m.Location)
    query = (
        select(m.HelpRequest, team, location, m.SkillObservation.level, m.SkillObservation.required_level,
               m.DigiTest.application, place.name)
        .join(m.Person, m.Person.id == m.HelpRequest.person_id)
        .outerjoin(team, team.id == m.Person.team_id)
        .outerjoin(record, record.person_id == m.Person.id)
        .outerjoin(place, place.id == location)
        .outerjoin(m.SkillObservation, and_(m.SkillObservation.attempt_id == m.HelpRequest.attempt_id,
                                            m.SkillObservation.skill_id == m.HelpRequest.skill_id))
        .outerjoin(m.Attempt, m.Attempt.id == m.HelpRequest.attempt_id)
        .outerjoin(m.TestVersion, m.TestVersion.id == m.Attempt.test_version_id)
        .outerjoin(m.DigiTest, m.DigiTest.id == m.TestVersion.digi_test_id)
        .where(m.HelpRequest.organisation_id == organisation_id,
               or_(m.HelpRequest.consent_at.is_not(None), m.HelpRequest.help_rule_id.is_not(None)))
        .options(joinedload(m.HelpRequest.person).joinedload(m.Person.organisation),
                 joinedload(m.HelpRequest.skill))
    )
    if not scope.everything:
        query = query.where(or_(m.Person.team_id.in_(scope.team_ids or [-1]), location.in_(scope.location_ids or [-1])))
    return query, team, location


def _observation(session: Session, request: m.HelpRequest) -> m.SkillObservation | None:
    if request.attempt_id is None:
        return None
    return session.scalar(select(m.SkillObservation).where(
        m.SkillObservation.attempt_id == request.attempt_id, m.SkillObservation.skill_id == request.skill_id))


def _row(found, now: datetime) -> QueueRow:
    """A queue row from one result row of ``_query``."""
    request, team, location_id, shown_level, required_level, application, location = found
    overdue = request.status is m.HelpRequestStatus.NEW and rules.is_overdue(
        request.created_at, request.person.organisation.pickup_days, now)
    return QueueRow(
        request=request, employee=employee_label(request.person), skill=request.skill, application=application,
        required_level=required_level, shown_level=shown_level,
        team=team.name if team else None, location=location, location_id=location_id,
        overdue=overdue, age_days=max(0, (now - request.created_at).days),
    )


def queue(session: Session, coach: m.Person, filters: Filters, now: datetime) -> list[QueueRow]:
    """The open help requests in the coach's scope that match ``filters``, sorted."""
    scope = scope_of(session, coach)
    if scope.empty:
        return []
    query, team, location = _query(coach.organisation_id, scope)
    wanted = [s for s in OPEN if filters.status in (None, "", "te-laat") or s.value == filters.status]
    query = query.where(m.HelpRequest.status.in_(wanted))
    if filters.location_id:
        query = query.where(location == filters.location_id)
    if filters.team_id:
        query = query.where(team.id == filters.team_id)
    if filters.theme:
        query = query.join(m.Skill, m.Skill.id == m.HelpRequest.skill_id).join(m.Theme).where(m.Theme.code == filters.theme)
    if filters.min_age_days:
        query = query.where(m.HelpRequest.created_at <= now - timedelta(days=filters.min_age_days))
    if filters.mine:
        query = query.where(m.HelpRequest.coach_id == coach.id)
    rows = [_row(found, now) for found in session.execute(query.order_by(m.HelpRequest.id))]
    if filters.application:
        rows = [r for r in rows if r.application == filters.application]
    if filters.status == "te-laat":
        rows = [r for r in rows if r.overdue]
    keys = {
        "oudste": lambda r: (r.request.created_at, r.request.id),
        "nieuwste": lambda r: (-r.request.created_at.timestamp(), -r.request.id),
        "vaardigheid": lambda r: (r.skill.name, r.request.created_at),
        "locatie": lambda r: (r.location or "~", r.request.created_at),
    }
    return sorted(rows, key=keys.get(filters.sort, keys["oudste"]))


def visible_request(session: Session, coach: m.Person, request_id: int, now: datetime) -> QueueRow:
    """One request of the coach's scope (any status); others, or another organisation's, are unknown.

    Raises:
        NotFoundError: when the id does not exist or lies outside the coach's scope or organisation.
    """
    scope = scope_of(session, coach)
    if not scope.empty:
        query, _, _ = _query(coach.organisation_id, scope)
        found = session.execute(query.where(m.HelpRequest.id == request_id)).first()
        if found is not None:
            return _row(found, now)
    raise NotFoundError(N_("Deze hulpvraag bestaat niet of valt niet onder jouw werkgebied."))


def view_request(session: Session, coach: m.Person, request_id: int, now: datetime) -> QueueRow:
    """``visible_request`` for the detail page; the look at a person's request is audit-logged."""
    row = visible_request(session, coach, request_id, now)
    audit.record(session, coach.organisation_id, coach, audit.Action.HELP_REQUEST_VIEWED, f"help_request:{request_id}")
    return row


def shared_items(session: Session, request: m.HelpRequest) -> list[m.Item]:
    """The questions of the request's skill that went wrong in its attempt, only if the employee shared them.

    Only which questions: never the answers given, never other attempts.
    """
    if not request.share_items or request.attempt_id is None:
        return []
    attempt = session.get(m.Attempt, request.attempt_id)
    answered = {r.item_id: r for r in attempt.responses}
    wrong = []
    for item in attempt.test_version.items:
        if item.type == "self_rating" or request.skill_id not in {s.skill_id for s in item.skills}:
            continue
        response = answered.get(item.id)
        if response is None or response.score is None or response.score < 1:
            wrong.append(item)
    return wrong


def level_after(session: Session, request: m.HelpRequest) -> int | None:
    """The level a later test showed for the skill (after the request was resolved), if any."""
    if request.resolved_at is None:
        return None
    return session.scalar(
        select(m.SkillObservation.level)
        .where(m.SkillObservation.person_id == request.person_id, m.SkillObservation.skill_id == request.skill_id,
               m.SkillObservation.observed_at > request.resolved_at)
        .order_by(m.SkillObservation.observed_at.desc(), m.SkillObservation.id.desc()).limit(1))


def level_before(session: Session, request: m.HelpRequest) -> int | None:
    observation = _observation(session, request)
    return observation.level if observation else None


def filter_choices(session: Session, coach: m.Person) -> dict:
    """Locations, teams, themes and applications for the filter form (of the organisation)."""
    org_id = coach.organisation_id
    return {
        "locations": list(session.scalars(select(m.Location).where(m.Location.organisation_id == org_id)
                                          .order_by(m.Location.name))),
        "teams": list(session.scalars(select(m.Team).where(m.Team.organisation_id == org_id).order_by(m.Team.name))),
        "themes": list(session.scalars(select(m.Theme).order_by(m.Theme.code))),
        "applications": sorted(set(session.scalars(select(m.DigiTest.application)))),
    }


def coaches(session: Session, organisation_id: int) -> list[m.Person]:
    """The organisation's digicoaches (for hand-over and assignment)."""
    return list(session.scalars(
        select(m.Person).join(m.PersonRole).where(m.Person.organisation_id == organisation_id,
                                                  m.PersonRole.role == m.ToolRole.COACH).order_by(m.Person.id)))


@dataclass(frozen=True)
class EmployeeDetail:
    """What "Mijn overzicht" shows of a request beyond its status: the retake and the progress."""

    level_before: int | None
    level_after: int | None
    retake_test: str | None  # the code of the test that measures the skill


def employee_details(session: Session, requests: list[m.HelpRequest]) -> dict[int, EmployeeDetail]:
    details = {}
    for request in requests:
        attempt = session.get(m.Attempt, request.attempt_id) if request.attempt_id else None
        details[request.id] = EmployeeDetail(level_before(session, request), level_after(session, request),
                                             attempt.test_version.test.code if attempt else None)
    return details


def all_skills(session: Session) -> list[m.Skill]:
    return list(session.scalars(select(m.Skill)))


def person_location_id(session: Session, person: m.Person) -> int | None:
    """The person's location: their team's, else the one on their HR record."""
    if person.team is not None and person.team.location_id is not None:
        return person.team.location_id
    return session.scalar(select(m.HrRecord.location_id).where(m.HrRecord.person_id == person.id))
