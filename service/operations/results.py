"""What an employee sees: the result of an attempt and their own overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings import model
from mappings import requirements as req
from service import models as m
from service.models.texts import localized
from service.operations import domain
from service.operations.attempts import required_levels
from service.operations.feedback import ItemFeedback, item_feedback
from service.operations.help_requests import OPEN_STATUSES
from service.operations.people import current_assignment


@dataclass(frozen=True)
class SkillLine:
    """One skill on a result page or overview."""

    code: str
    name: str
    theme: str
    level: int | None  # None: not tested
    required: int | None  # None: the function asks nothing for it
    status: str  # met | not_met | not_tested | expired | extra (tested, not asked)
    level_text: str  # descriptor of the level shown (or the next level to reach)
    goal_text: str  # descriptor of the level asked
    resources: tuple[model.LearningResource, ...] = ()
    help_request: m.HelpRequest | None = None
    can_ask_help: bool = False
    #: the level shown the time before (None: first time tested)
    previous: int | None = None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.level is not None and self.previous != self.level


@dataclass(frozen=True)
class AttemptResult:
    attempt: m.Attempt
    title: str
    profile_name: str | None
    skills: tuple[SkillLine, ...]
    items: tuple[ItemFeedback, ...]

    @property
    def below(self) -> list[SkillLine]:
        return [s for s in self.skills if s.status == "not_met"]

    @property
    def to_work_on(self) -> list[SkillLine]:
        """Below the level asked, or low on a skill the function does not ask for."""
        return [s for s in self.skills if s.status == "not_met" or (s.status == "extra" and (s.level or 0) <= 1)]

    @property
    def on_level(self) -> list[SkillLine]:
        return [s for s in self.skills if s not in self.to_work_on]

    @property
    def can_ask_help(self) -> list[SkillLine]:
        return [s for s in self.skills if s.can_ask_help]

    @property
    def help_no_longer_needed(self) -> list[SkillLine]:
        """Skills now on level while a help request for them is still open: offer to close it."""
        return [s for s in self.skills if s.help_request is not None and s.status == "met"]


def _descriptors(session: Session, skill_ids, locale: str | None = None) -> dict[tuple[int, int], str]:
    rows = session.scalars(select(m.SkillLevelDescriptor).where(m.SkillLevelDescriptor.skill_id.in_(list(skill_ids))))
    return {(r.skill_id, r.level): localized(r, "descriptor", locale) for r in rows}


def _open_requests(session: Session, person_id: int) -> dict[int, m.HelpRequest]:
    rows = session.scalars(
        select(m.HelpRequest).where(m.HelpRequest.person_id == person_id, m.HelpRequest.status.in_(OPEN_STATUSES))
    )
    return {r.skill_id: r for r in rows}


def _previous_levels(session: Session, attempt: m.Attempt) -> dict[int, int]:
    """skill id -> the level shown in the person's latest earlier attempt that tested it."""
    started = attempt.submitted_at or attempt.started_at
    rows = session.execute(
        select(m.SkillObservation.skill_id, m.SkillObservation.level)
        .join(m.Attempt, m.Attempt.id == m.SkillObservation.attempt_id)
        .where(m.SkillObservation.person_id == attempt.person_id, m.SkillObservation.attempt_id != attempt.id,
               m.SkillObservation.observed_at <= started)
        .order_by(m.SkillObservation.observed_at, m.SkillObservation.id)
    )
    return {skill_id: level for skill_id, level in rows}


def attempt_result(session: Session, attempt: m.Attempt, now: datetime, locale: str | None = None) -> AttemptResult:
    """Per skill in the attempt: level shown against the function's level, tips and help.

    Content texts (title, skills, level descriptors, questions) are in ``locale`` where the content has them.
    """
    resources = domain.domain_resources(session)
    observations = sorted(attempt.observations, key=lambda o: (o.skill.theme.position, o.skill.position))
    texts = _descriptors(session, {o.skill_id for o in observations}, locale)
    open_by_skill = _open_requests(session, attempt.person_id)
    previous = _previous_levels(session, attempt)
    lines = []
    for o in observations:
        if o.required_level is None:
            status = "extra"
        else:
            status = "met" if o.level >= o.required_level else "not_met"
        goal = o.required_level
        plan_below = o.level
        fitting = tuple(
            r for r in resources if r.skill == o.skill.code and any(lvl > plan_below for lvl in r.levels)
        ) if status != "met" else ()
        fitting = tuple(sorted(fitting, key=lambda r: r.kind is not model.ResourceKind.TIP))
        lines.append(
            SkillLine(
                code=o.skill.code, name=localized(o.skill, "name", locale), theme=localized(o.skill.theme, "name", locale),
                level=o.level, required=goal,
                status=status, level_text=texts.get((o.skill_id, max(o.level, 1)), ""),
                goal_text=texts.get((o.skill_id, goal), "") if goal else "",
                resources=fitting, help_request=open_by_skill.get(o.skill_id),
                can_ask_help=(status == "not_met" or (status == "extra" and o.level <= 1)) and o.skill_id not in open_by_skill,
                previous=previous.get(o.skill_id),
            )
        )
    return AttemptResult(
        attempt=attempt, title=localized(attempt.test_version, "title", locale),
        profile_name=localized(attempt.function_profile, "name", locale) if attempt.function_profile else None,
        skills=tuple(lines), items=item_feedback(attempt, locale),
    )


@dataclass
class Overview:
    profile: m.FunctionProfile | None
    attempts: list[m.Attempt]
    skills: list[SkillLine]
    history: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    help_requests: list[m.HelpRequest] = field(default_factory=list)
    #: tests that would measure the skills not tested yet (or tested too long ago)
    tests_to_take: list[m.DigiTest] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for s in self.skills if s.status == "met")

    @property
    def plan(self) -> list[SkillLine]:
        """Tips and links for what was tested below the level; untested skills get a test instead."""
        return [s for s in self.skills if s.status == "not_met" and s.resources]


def person_overview(session: Session, person: m.Person, now: datetime, locale: str | None = None) -> Overview:
    """My tests and attempts, my levels over time against my function, my help requests and plan."""
    assignment = current_assignment(person, now)
    profile = assignment.profile if assignment else None
    attempts = list(
        session.scalars(select(m.Attempt).where(m.Attempt.person_id == person.id).order_by(m.Attempt.started_at.desc()))
    )
    observations = list(
        session.scalars(
            select(m.SkillObservation).where(m.SkillObservation.person_id == person.id)
            .order_by(m.SkillObservation.observed_at)
        )
    )
    history: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for o in observations:
        history[o.skill.code].append((o.observed_at, o.level))
    current = {
        c.skill.code: c for c in session.scalars(select(m.CurrentSkillLevel).where(m.CurrentSkillLevel.person_id == person.id))
    }
    required = required_levels(session, profile)
    statuses = req.compare(
        required, {code: req.Observation(c.level, c.observed_at) for code, c in current.items()}, now
    )
    plan = dict(req.development_plan(statuses, domain.domain_resources(session)))
    skills = {s.code: s for s in session.scalars(select(m.Skill).where(m.Skill.code.in_(list(required) + list(current))))}
    texts = _descriptors(session, {s.id for s in skills.values()}, locale)
    open_by_skill = _open_requests(session, person.id)
    lines = []
    for status in sorted(statuses, key=lambda s: (skills[s.skill].theme.position, skills[s.skill].position)):
        skill = skills[status.skill]
        lines.append(
            SkillLine(
                code=skill.code, name=localized(skill, "name", locale), theme=localized(skill.theme, "name", locale),
                level=status.demonstrated,
                required=status.required, status=status.status.value,
                level_text=texts.get((skill.id, max(status.demonstrated or 1, 1)), ""),
                goal_text=texts.get((skill.id, status.required), ""),
                resources=tuple(plan.get(status.skill, ())), help_request=open_by_skill.get(skill.id),
                previous=earlier[-2][1] if len(earlier := history.get(skill.code, [])) >= 2 else None,
            )
        )
    open_requests = list(
        session.scalars(
            select(m.HelpRequest).where(m.HelpRequest.person_id == person.id).order_by(m.HelpRequest.created_at.desc())
        )
    )
    unknown = {s.code for s in lines if s.status in ("not_tested", "expired")}
    return Overview(profile=profile, attempts=attempts, skills=lines, history=dict(history), help_requests=open_requests,
                    tests_to_take=_tests_covering(session, unknown, profile))


def _tests_covering(session: Session, skill_codes: set[str], profile: m.FunctionProfile | None) -> list[m.DigiTest]:
    """Active tests for the person's function whose current version asks about any of ``skill_codes``.

    A test made for other functions is never recommended, even when it measures one of the skills.
    """
    if not skill_codes or profile is None:
        return []
    tests = session.scalars(select(m.DigiTest).where(m.DigiTest.active).order_by(m.DigiTest.application))
    return [
        test for test in tests
        if test.current_version is not None and profile in test.current_version.profiles
        and any(link.skill.code in skill_codes for item in test.current_version.items for link in item.skills)
    ]
