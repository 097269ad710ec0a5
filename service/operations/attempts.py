"""The attempt engine: start or resume, save each answer as it is given, submit once, score.

Raw input first, derived later: answers are committed as they come; ``submit_attempt`` only
closes the attempt; ``score_attempt`` derives levels in its own transaction and can be run
again (``digitoets`` rescoring) if it ever fails.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mappings import requirements as req
from mappings import scoring
from mappings.errors import InvalidAnswerError
from service import models as m
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.models.texts import localized, step_labels
from service.operations import domain, events, grades, help_requests
from service.operations.people import current_assignment

CLOSED_MESSAGE = N_("Deze toets is al ingeleverd. Je antwoorden kun je niet meer veranderen.")
TIME_UP_MESSAGE = N_("De tijd voor deze toets is om. Je antwoorden tot nu toe zijn bewaard.")


@dataclass(frozen=True)
class PresentedItem:
    """An item as this attempt shows it: options and steps in the attempt's own order."""

    code: str
    type: str
    prompt: str
    options: tuple[tuple[str, str], ...]  # (code, text)
    steps: tuple[str, ...]  # the content's (Dutch) steps: what an ordering answer holds
    position: int  # 1-based
    total: int
    #: step -> the text shown for it (English for an English page when the content has it)
    step_labels: dict[str, str] = field(default_factory=dict)


def get_test(session: Session, code: str) -> m.DigiTest:
    test = session.scalar(select(m.DigiTest).where(m.DigiTest.code == code, m.DigiTest.active))
    if test is None or test.current_version is None:
        raise NotFoundError(N_("Deze toets bestaat niet (meer): %(code)s"), code=code)
    return test


def get_attempt(session: Session, person: m.Person, registration: uuid.UUID | str) -> m.Attempt:
    """The person's own attempt; someone else's attempt is as unknown as a missing one.

    Raises:
        NotFoundError: when the attempt does not exist or is not this person's.
    """
    try:
        key = registration if isinstance(registration, uuid.UUID) else uuid.UUID(str(registration))
    except ValueError:
        raise NotFoundError(N_("Deze toetspoging bestaat niet.")) from None
    attempt = session.scalar(select(m.Attempt).where(m.Attempt.registration == key, m.Attempt.person_id == person.id))
    if attempt is None:
        raise NotFoundError(N_("Deze toetspoging bestaat niet."))
    return attempt


def start_attempt(
    session: Session, person: m.Person, test_code: str, now: datetime, resource_link_id: int | None = None
) -> tuple[m.Attempt, bool]:
    """Resume the person's open attempt at this test, or start one on the current version.

    Returns:
        (attempt, created). An open attempt whose time ran out is closed and scored first.
    """
    test = get_test(session, test_code)
    open_attempt = session.scalar(
        select(m.Attempt)
        .join(m.TestVersion)
        .where(
            m.Attempt.person_id == person.id,
            m.TestVersion.digi_test_id == test.id,
            m.Attempt.status == m.AttemptStatus.IN_PROGRESS,
        )
        .order_by(m.Attempt.started_at.desc())
    )
    if open_attempt is not None:
        if not _time_is_up(open_attempt, now):
            return open_attempt, False
        expire_attempt(session, open_attempt, now)
    version = test.current_version
    assignment = current_assignment(person, now)
    attempt = m.Attempt(
        organisation_id=person.organisation_id,
        person=person,
        test_version=version,
        function_profile=assignment.profile if assignment else None,
        resource_link_id=resource_link_id,
        shuffle_seed=random.SystemRandom().randrange(2**31),
        started_at=now,
        deadline_at=now + timedelta(minutes=version.time_limit_minutes) if version.time_limit_minutes else None,
    )
    session.add(attempt)
    session.flush()
    events.attempt_started(session, attempt)
    return attempt, True


def _time_is_up(attempt: m.Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


def present(attempt: m.Attempt, item: m.Item, locale: str | None = None) -> PresentedItem:
    """Show ``item`` with options (and steps) shuffled per attempt, the same on every resume.

    Texts are in ``locale`` where the content has them (``localized``); the steps stay the
    content's own, because an ordering answer is stored as those, and ``step_labels`` shows them.
    """
    # The option order is presentation, not a secret, and it must repeat on resume: not a CSPRNG.
    rng = random.Random(f"{attempt.shuffle_seed}:{item.code}")  # nosec B311  # see above
    options = [(o["code"], localized(o, "text", locale)) for o in item.data.get("options", [])]
    rng.shuffle(options)
    steps = list(item.data.get("steps", []))
    correct = list(steps)
    rng.shuffle(steps)
    if len(steps) > 1 and steps == correct:  # never hand out the answer
        steps = steps[1:] + steps[:1]
    items = attempt.test_version.items
    return PresentedItem(
        code=item.code, type=item.type, prompt=localized(item, "prompt", locale), options=tuple(options),
        steps=tuple(steps), position=items.index(item) + 1, total=len(items), step_labels=step_labels(item.data, locale),
    )


def item_by_code(attempt: m.Attempt, code: str) -> m.Item:
    for item in attempt.test_version.items:
        if item.code == code:
            return item
    raise InvalidInputError(N_("Deze vraag hoort niet bij deze toets."), {"item": [f"onbekende vraag: {code}"]})


def answers_of(attempt: m.Attempt) -> dict[str, object]:
    return {r.item.code: r.answer.get("value") for r in attempt.responses}


def save_answer(session: Session, attempt: m.Attempt, item_code: str, value: object, now: datetime) -> m.Response:
    """Store one answer (replacing an earlier one to the same item) in the open attempt.

    Raises:
        ConflictError: when the attempt is closed or its time is up.
        InvalidInputError: when the item is not in the attempt or the answer does not fit it.
    """
    # One writer per attempt at a time: an autosave and a button press for the same answer
    # (or a submit) would otherwise both insert, and the unique (attempt, item) key refuses one.
    session.execute(select(m.Attempt.id).where(m.Attempt.id == attempt.id).with_for_update())
    session.refresh(attempt)
    if attempt.is_finished:
        raise ConflictError(CLOSED_MESSAGE)
    if _time_is_up(attempt, now):
        raise ConflictError(TIME_UP_MESSAGE)
    item = item_by_code(attempt, item_code)
    try:
        score = scoring.score_item(domain.domain_item(item), value)
    except InvalidAnswerError as exc:
        raise InvalidInputError(N_("Dit antwoord past niet bij de vraag."), {item_code: [exc.reason]}) from exc
    response = next((r for r in attempt.responses if r.item_id == item.id), None)
    if response is None:
        response = m.Response(item=item, answer={"value": value}, answered_at=now, score=score)
        attempt.responses.append(response)
    else:
        response.answer, response.answered_at, response.score = {"value": value}, now, score
    session.flush()
    return response


def submit_attempt(session: Session, attempt: m.Attempt, now: datetime) -> bool:
    """Close the attempt for scoring. Submitting again is harmless.

    The status moves with one conditional UPDATE, so two submits at the same moment (two
    tabs, a double click) still close the attempt once.

    Returns:
        True when this call closed the attempt.
    """
    result = session.execute(
        update(m.Attempt)
        .where(m.Attempt.id == attempt.id, m.Attempt.status == m.AttemptStatus.IN_PROGRESS)
        .values(status=m.AttemptStatus.SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    return result.rowcount == 1


def expire_attempt(session: Session, attempt: m.Attempt, now: datetime) -> None:
    """Close an attempt whose time ran out and score what was answered."""
    session.execute(
        update(m.Attempt)
        .where(m.Attempt.id == attempt.id, m.Attempt.status == m.AttemptStatus.IN_PROGRESS)
        .values(status=m.AttemptStatus.SUBMITTED, submitted_at=attempt.deadline_at or now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    score_attempt(session, attempt, now, final_status=m.AttemptStatus.EXPIRED)


def score_attempt(
    session: Session, attempt: m.Attempt, now: datetime, final_status: m.AttemptStatus = m.AttemptStatus.SCORED
) -> bool:
    """Derive the score and per-skill levels of a submitted attempt; once only.

    Returns:
        True when this call scored the attempt (False: it was already scored).
    """
    claimed = session.execute(
        update(m.Attempt)
        .where(m.Attempt.id == attempt.id, m.Attempt.status == m.AttemptStatus.SUBMITTED, m.Attempt.scored_at.is_(None))
        .values(scored_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    if claimed.rowcount != 1:
        return False
    test = domain.domain_test(attempt.test_version)
    result = scoring.score_attempt(test, answers_of(attempt))
    attempt.score_raw, attempt.score_max = result.raw, float(result.max_score)
    attempt.score_scaled, attempt.passed = result.scaled, result.passed
    attempt.status = final_status
    required = required_levels(session, attempt.function_profile)
    skills = {s.code: s for s in session.scalars(select(m.Skill).where(m.Skill.code.in_(list(result.skills))))}
    for code, skill_result in result.skills.items():
        observation = m.SkillObservation(
            person_id=attempt.person_id, skill=skills[code], level=skill_result.level,
            required_level=required[code].min_level if code in required else None,
            evidence_count=skill_result.evidence_count, observed_at=attempt.submitted_at or now,
        )
        attempt.observations.append(observation)
        session.flush()
        _update_current_level(session, attempt.person_id, observation)
    session.flush()
    events.attempt_scored(session, attempt, result)
    grades.queue_score(session, attempt)
    if attempt.organisation.help_request_mode is m.HelpRequestMode.AUTOMATIC:
        help_requests.create_automatic_requests(session, attempt, now)
    return True


def required_levels(session: Session, profile: m.FunctionProfile | None) -> dict:
    """skill code -> Requirement for a function profile (theme requirements expanded)."""
    if profile is None:
        return {}
    return req.expand_requirements(domain.domain_profile(profile), domain.domain_themes(session))


def _update_current_level(session: Session, person_id: int, observation: m.SkillObservation) -> None:
    current = session.scalar(
        select(m.CurrentSkillLevel).where(
            m.CurrentSkillLevel.person_id == person_id, m.CurrentSkillLevel.skill_id == observation.skill.id
        )
    )
    if current is None:
        session.add(
            m.CurrentSkillLevel(
                person_id=person_id, skill=observation.skill, level=observation.level,
                observation_id=observation.id, observed_at=observation.observed_at,
                first_level=observation.level, first_observed_at=observation.observed_at,
            )
        )
        return
    if current.observed_at <= observation.observed_at:
        current.level, current.observation_id, current.observed_at = (
            observation.level, observation.id, observation.observed_at,
        )
    if current.first_observed_at is None or observation.observed_at < current.first_observed_at:
        current.first_level, current.first_observed_at = observation.level, observation.observed_at
