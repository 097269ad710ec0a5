"""A teacher's view of their course: per placement, who took the digi-toets and what the gradebook got.

Never the employee's answers. The organisation's privacy settings decide whether names show
(``store_personal_data``; otherwise a pseudonym) and whether levels show at all
(``teacher_sees_levels``). Only the course the teacher launched from, inside their own
organisation, and every view is written to the audit log (it shows people's results).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.claims import parse_role
from service import models as m
from service.errors import ForbiddenError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit

#: the gradebook (AGS outbox) state of a score, as the teacher sees it
GRADEBOOK_STATES = {
    m.OutboxStatus.PENDING: "waiting",
    m.OutboxStatus.DELIVERED: "sent",
    m.OutboxStatus.DEAD: "failed",
    m.OutboxStatus.CONFLICT: "failed",
}
TEACHER_ROLES = (m.ToolRole.COURSE_ADMIN, m.ToolRole.ORG_ADMIN)


@dataclass(frozen=True)
class LevelLine:
    skill: str
    level: int
    required: int | None


@dataclass(frozen=True)
class Participant:
    """One person who opened the placement's test; ``label`` is a name or a pseudonym."""

    label: str
    named: bool
    completed: bool
    retaking: bool  # a newer attempt is in progress after a completed one
    finished_at: datetime | None
    score: float | None  # the score sent (or to be sent) to the gradebook
    score_maximum: float | None
    gradebook: str | None  # waiting | sent | failed; None: nothing for the gradebook (yet)
    levels: tuple[LevelLine, ...] = ()


@dataclass(frozen=True)
class Placement:
    """A resource link in the course, bound to a digi-toets."""

    link_id: int
    title: str
    test_code: str | None
    participants: tuple[Participant, ...]
    not_started: int | None  # course members (roster) without an attempt; None: no roster yet

    @property
    def completed(self) -> int:
        return sum(1 for p in self.participants if p.completed)


@dataclass(frozen=True)
class CourseOverview:
    course_id: int
    title: str
    placements: tuple[Placement, ...]
    show_levels: bool
    show_names: bool


def _teacher_course(session: Session, teacher: m.Person, course_id: int, launched_course_id: int | None) -> m.LtiContext:
    """The course, if ``teacher`` may see it: their launch's course, in their organisation, as a teacher.

    Raises:
        ForbiddenError: when the person is no teacher, or did not launch from this course.
        NotFoundError: when the course does not exist.
    """
    if not any(teacher.has_role(role) for role in TEACHER_ROLES):
        raise ForbiddenError(N_("Alleen docenten kunnen het overzicht van een cursus zien."))
    course = session.get(m.LtiContext, course_id)
    if course is None:
        raise NotFoundError(N_("Deze cursus bestaat niet."))
    if course_id != launched_course_id or course.registration.organisation_id != teacher.organisation_id:
        raise ForbiddenError(N_("Je kunt alleen het overzicht zien van de cursus waaruit je Digitoets opende."))
    return course


def _label(person: m.Person, show_names: bool) -> tuple[str, bool]:
    if show_names and person.name:
        return person.name, True
    return str(person.pseudonym)[:8], False


def _gradebook_rows(session: Session, registrations: list[str]) -> dict[str, m.OutboxItem]:
    keys = [f"attempt:{r}" for r in registrations]
    if not keys:
        return {}
    rows = session.scalars(
        select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE, m.OutboxItem.dedupe_key.in_(keys))
    )
    return {row.dedupe_key: row for row in rows}


def _participant(person: m.Person, attempts: list[m.Attempt], outbox_rows: dict[str, m.OutboxItem],
                 show_names: bool, show_levels: bool) -> Participant:
    """``attempts`` oldest first; the latest finished one is what the gradebook got."""
    finished = [a for a in attempts if a.is_finished]
    last = finished[-1] if finished else None
    row = outbox_rows.get(f"attempt:{last.registration}") if last else None
    levels = ()
    if show_levels and last is not None:
        levels = tuple(LevelLine(o.skill.name, o.level, o.required_level)
                       for o in sorted(last.observations, key=lambda o: (o.skill.theme.position, o.skill.position)))
    label, named = _label(person, show_names)
    return Participant(
        label=label, named=named, completed=last is not None,
        retaking=last is not None and not attempts[-1].is_finished,
        finished_at=(last.submitted_at or last.scored_at) if last else None,
        score=row.payload.get("score_given") if row else None,
        score_maximum=row.payload.get("score_maximum") if row else None,
        gradebook=GRADEBOOK_STATES.get(row.status) if row else None, levels=levels,
    )


def _placement(session: Session, course: m.LtiContext, link: m.LtiResourceLink, show_names: bool,
               show_levels: bool) -> Placement:
    test = session.get(m.DigiTest, link.digi_test_id) if link.digi_test_id else None
    attempts = session.scalars(
        select(m.Attempt).where(m.Attempt.resource_link_id == link.id).order_by(m.Attempt.started_at, m.Attempt.id)
    ).all()
    by_person: dict[int, list[m.Attempt]] = {}
    for attempt in attempts:
        by_person.setdefault(attempt.person_id, []).append(attempt)
    outbox_rows = _gradebook_rows(session, [str(a.registration) for a in attempts if a.is_finished])
    participants = sorted(
        (_participant(rows[0].person, rows, outbox_rows, show_names, show_levels) for rows in by_person.values()),
        key=lambda p: (not p.named, p.label.lower()),
    )
    not_started = None
    if course.roster_synced_at is not None:
        members = session.scalars(
            select(m.CourseMembership).where(m.CourseMembership.context_id == course.id,
                                             m.CourseMembership.status == "Active")
        )
        learners = {row.person_id for row in members if any(parse_role(r)[1] == "Learner" for r in row.roles)}
        not_started = len(learners - set(by_person))
    title = test.current_version.title if test and test.current_version else link.resource_link_id
    return Placement(link.id, title, test.code if test else None, tuple(participants), not_started)


def course_overview(session: Session, teacher: m.Person, course_id: int, launched_course_id: int | None,
                    now: datetime) -> CourseOverview:
    """Per placement of the teacher's course: who took the test, completed or not, what the gradebook got.

    The view is audited (actor, course, how many people, whether levels showed).

    Raises:
        ForbiddenError: when ``teacher`` may not see this course (see ``_teacher_course``).
        NotFoundError: when the course does not exist.
    """
    course = _teacher_course(session, teacher, course_id, launched_course_id)
    organisation = teacher.organisation
    show_names, show_levels = organisation.store_personal_data, organisation.teacher_sees_levels
    links = session.scalars(
        select(m.LtiResourceLink).where(m.LtiResourceLink.context_id == course.id, m.LtiResourceLink.digi_test_id.is_not(None))
        .order_by(m.LtiResourceLink.id)
    ).all()
    placements = tuple(_placement(session, course, link, show_names, show_levels) for link in links)
    people = sum(len(p.participants) for p in placements)
    audit.record(session, organisation, teacher, audit.Action.COURSE_OVERVIEW_VIEWED, f"lti_context:{course.id}",
                 {"participants": people, "levels": "shown" if show_levels else "hidden"}, at=now)
    return CourseOverview(course.id, course.title or course.context_id, placements, show_levels, show_names)


def launched_course_id(session: Session, resource_link_id: int | None) -> int | None:
    """The course (our ``lti_contexts`` id) of the placement a launch came from."""
    link = session.get(m.LtiResourceLink, resource_link_id) if resource_link_id else None
    return link.context_id if link else None
