"""What an employee sees: the result of an attempt and their own overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mappings import model
from mappings import requirements as req
from service import models as m
from service.models.texts import localized
from service.operations import domain
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


def _descriptors(content: domain.Content, skill_ids, locale: str | None = None) -> dict[tuple[int, int], str]:
    wanted = set(skill_ids)
    return {key: localized(row, "descriptor", locale) for key, row in content.descriptors.items() if key[0] in wanted}


def _help_requests(session: Session, person_id: int) -> list[m.HelpRequest]:
    """The person's help requests, newest first (one query for the open ones and the list)."""
    return list(session.scalars(
        select(m.HelpRequest).where(m.HelpRequest.person_id == person_id).order_by(m.HelpRequest.created_at.desc())
        .options(selectinload(m.HelpRequest.skill))  # the overview names each one's skill: one query, not one each
    ))


def _open_requests(requests: list[m.HelpRequest]) -> dict[int, m.HelpRequest]:
    return {r.skill_id: r for r in reversed(requests) if r.status in OPEN_STATUSES}


def _observations(session: Session, attempt: m.Attempt) -> tuple[list[m.SkillObservation], dict[int, int]]:
    """The attempt's observations, and skill id -> the level shown in the person's latest earlier
    attempt that tested it (one query for both)."""
    started = attempt.submitted_at or attempt.started_at
    rows = session.scalars(
        select(m.SkillObservation)
        .where(m.SkillObservation.person_id == attempt.person_id,
               (m.SkillObservation.attempt_id == attempt.id) | (m.SkillObservation.observed_at <= started))
        .order_by(m.SkillObservation.observed_at, m.SkillObservation.id)
    ).all()
    own = [o for o in rows if o.attempt_id == attempt.id]
    previous = {o.skill_id: o.level for o in rows if o.attempt_id != attempt.id and o.attempt_id is not None}
    return own, previous


def attempt_result(session: Session, attempt: m.Attempt, now: datetime, locale: str | None = None) -> AttemptResult:
    """Per skill in the attempt: level shown against the function's level, tips and help.

    Content texts (title, skills, level descriptors, questions) are in ``locale`` where the content has them.
    """
    content = domain.content(session, attempt.test_version_id)
    version = content.versions[attempt.test_version_id]
    resources = content.resources
    skills = content.skills
    own, previous = _observations(session, attempt)
    observations = sorted(own, key=lambda o: (skills[o.skill_id].theme.position, skills[o.skill_id].position))
    texts = _descriptors(content, {o.skill_id for o in observations}, locale)
    open_by_skill = _open_requests(_help_requests(session, attempt.person_id))
    lines = []
    for o in observations:
        skill = skills[o.skill_id]
        if o.required_level is None:
            status = "extra"
        else:
            status = "met" if o.level >= o.required_level else "not_met"
        goal = o.required_level
        plan_below = o.level
        fitting = tuple(
            r for r in resources if r.skill == skill.code and any(lvl > plan_below for lvl in r.levels)
        ) if status != "met" else ()
        fitting = tuple(sorted(fitting, key=lambda r: r.kind is not model.ResourceKind.TIP))
        lines.append(
            SkillLine(
                code=skill.code, name=localized(skill, "name", locale), theme=localized(skill.theme, "name", locale),
                level=o.level, required=goal,
                status=status, level_text=texts.get((o.skill_id, max(o.level, 1)), ""),
                goal_text=texts.get((o.skill_id, goal), "") if goal else "",
                resources=fitting, help_request=open_by_skill.get(o.skill_id),
                can_ask_help=(status == "not_met" or (status == "extra" and o.level <= 1)) and o.skill_id not in open_by_skill,
                previous=previous.get(o.skill_id),
            )
        )
    profile = content.profiles.get(attempt.function_profile_id)
    return AttemptResult(
        attempt=attempt, title=localized(version, "title", locale),
        profile_name=localized(profile, "name", locale) if profile else None,
        skills=tuple(lines), items=item_feedback(attempt, locale, version),
    )


@dataclass
class Overview:
    profile: domain.ProfileView | None
    attempts: list[m.Attempt]
    skills: list[SkillLine]
    history: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    help_requests: list[m.HelpRequest] = field(default_factory=list)
    #: tests that would measure the skills not tested yet (or tested too long ago)
    tests_to_take: list = field(default_factory=list)
    #: test version id -> the version (its title), for ``attempts``
    versions: dict = field(default_factory=dict)

    @property
    def met(self) -> int:
        return sum(1 for s in self.skills if s.status == "met")

    @property
    def plan(self) -> list[SkillLine]:
        """Tips and links for what was tested below the level; untested skills get a test instead."""
        return [s for s in self.skills if s.status == "not_met" and s.resources]


def person_overview(session: Session, person: m.Person, now: datetime, locale: str | None = None) -> Overview:
    """My tests and attempts, my levels over time against my function, my help requests and plan."""
    content = domain.content(session)
    assignment = current_assignment(person, now)
    profile = content.profiles.get(assignment.function_profile_id) if assignment else None
    attempts = list(
        session.scalars(select(m.Attempt).where(m.Attempt.person_id == person.id).order_by(m.Attempt.started_at.desc()))
    )
    if any(a.test_version_id not in content.versions for a in attempts):
        content = domain.content(session, next(a.test_version_id for a in attempts
                                               if a.test_version_id not in content.versions))
    observations = session.execute(
        select(m.SkillObservation.skill_id, m.SkillObservation.observed_at, m.SkillObservation.level)
        .where(m.SkillObservation.person_id == person.id).order_by(m.SkillObservation.observed_at)
    ).all()
    history: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for skill_id, observed_at, level in observations:
        history[content.skills[skill_id].code].append((observed_at, level))
    current = {
        content.skills[c.skill_id].code: c
        for c in session.scalars(select(m.CurrentSkillLevel).where(m.CurrentSkillLevel.person_id == person.id))
    }
    required = content.required.get(profile.id, {}) if profile else {}
    statuses = req.compare(
        required, {code: req.Observation(c.level, c.observed_at) for code, c in current.items()}, now
    )
    plan = dict(req.development_plan(statuses, content.resources))
    skills = {code: content.skills_by_code[code] for code in list(required) + list(current)}
    texts = _descriptors(content, {s.id for s in skills.values()}, locale)
    help_requests = _help_requests(session, person.id)
    open_by_skill = _open_requests(help_requests)
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
    unknown = {s.code for s in lines if s.status in ("not_tested", "expired")}
    return Overview(profile=profile, attempts=attempts, skills=lines, history=dict(history), help_requests=help_requests,
                    tests_to_take=_tests_covering(content, unknown, profile), versions=content.versions)


def _tests_covering(content: domain.Content, skill_codes: set[str], profile) -> list[domain.OfferedTest]:
    """Active tests for the person's function whose current version asks about any of ``skill_codes``.

    A test made for other functions is never recommended, even when it measures one of the skills.
    """
    if not skill_codes or profile is None:
        return []
    return [
        test for test in content.offered
        if any(p.id == profile.id for p in test.current_version.profiles)
        and any(link.skill.code in skill_codes for item in test.current_version.items for link in item.skills)
    ]
