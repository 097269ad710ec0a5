"""The attempt engine: start or resume, save each answer as it is given, submit once, score.

Raw input first, derived later: answers are committed as they come; ``submit_attempt`` only
closes the attempt; ``score_attempt`` derives levels in its own transaction and can be run
again (``digitoets`` rescoring) if it ever fails.
"""

from __future__ import annotations

import functools
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from mappings import scoring
from mappings.errors import InvalidAnswerError
from service import limits
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


def get_attempt(session: Session, person: m.Person | int, registration: uuid.UUID | str,
                for_update: bool = False, with_person: bool = False) -> m.Attempt:
    """The person's own attempt (``person``: the person or their id); someone else's is as unknown as a missing one.

    ``for_update``: lock the attempt's row for this transaction (one writer per attempt).
    ``with_person``: read the person and their organisation in the same query (scoring needs them).

    Raises:
        NotFoundError: when the attempt does not exist or is not this person's.
    """
    try:
        key = registration if isinstance(registration, uuid.UUID) else uuid.UUID(str(registration))
    except ValueError:
        raise NotFoundError(N_("Deze toetspoging bestaat niet.")) from None
    person_id = person if isinstance(person, int) else person.id
    attempt = session.scalars(_attempt_query(with_person, for_update),
                              {"registration": key, "person": person_id}).unique().one_or_none()
    if attempt is None:
        raise NotFoundError(N_("Deze toetspoging bestaat niet."))
    return attempt


@functools.cache
def _attempt_query(with_person: bool, for_update: bool):
    """``get_attempt``'s query, built once per variant: building it cost more than running it
    from SQLAlchemy's compiled cache, on every page of an attempt."""
    query = select(m.Attempt).where(m.Attempt.registration == bindparam("registration"),
                                    m.Attempt.person_id == bindparam("person"))
    if with_person:
        query = query.options(joinedload(m.Attempt.person).joinedload(m.Person.organisation))
    if for_update:  # (PostgreSQL cannot lock the outer join below: responses load on first use)
        return query.with_for_update().execution_options(populate_existing=True)
    return query.options(joinedload(m.Attempt.responses))  # nearly every page needs the answers


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


def version_of(session: Session, attempt: m.Attempt) -> domain.VersionView:
    """The attempt's test version, from the content kept in memory (no query while it is current)."""
    return domain.content(session, attempt.test_version_id).versions[attempt.test_version_id]


def _time_is_up(attempt: m.Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


def present(attempt: m.Attempt, item, locale: str | None = None, version=None) -> PresentedItem:
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
    items = (version or attempt.test_version).items
    return PresentedItem(
        code=item.code, type=item.type, prompt=localized(item, "prompt", locale), options=tuple(options),
        steps=tuple(steps), position=items.index(item) + 1, total=len(items), step_labels=step_labels(item.data, locale),
    )


def item_by_code(attempt: m.Attempt, code: str, version=None):
    for item in (version or attempt.test_version).items:
        if item.code == code:
            return item
    raise InvalidInputError(N_("Deze vraag hoort niet bij deze toets."), {"item": [f"onbekende vraag: {code}"]})


def answers_of(attempt: m.Attempt, version=None) -> dict[str, object]:
    """item code -> the answer given (``version``: the attempt's version as ``version_of`` gives it)."""
    if version is None:
        return {r.item.code: r.answer.get("value") for r in attempt.responses}
    codes = {item.id: item.code for item in version.items}
    return {codes[r.item_id]: r.answer.get("value") for r in attempt.responses}


def save_answer(session: Session, attempt: m.Attempt, item_code: str, value: object, now: datetime) -> datetime:
    """Store one answer (replacing an earlier one to the same item) in the open attempt.

    Returns:
        When the answer was stored (``now``).

    Raises:
        ConflictError: when the attempt is closed or its time is up.
        InvalidInputError: when the item is not in the attempt or the answer does not fit it.
    """
    # One writer per attempt at a time: an answer stored while a submit scores would be lost.
    session.execute(select(m.Attempt).where(m.Attempt.id == attempt.id).with_for_update()
                    .execution_options(populate_existing=True))
    return _save(session, attempt, item_code, value, now)


def save_answer_to(session: Session, person_id: int, registration: str, item_code: str, value: object,
                   now: datetime) -> datetime:
    """``save_answer`` for an autosave: reads the person's attempt already locked (one query less).

    Raises:
        NotFoundError: when the attempt is not the person's; else as ``save_answer``.
    """
    return _save(session, get_attempt(session, person_id, registration, for_update=True), item_code, value, now)


@functools.cache
def _store_answer(dialect: str):
    """One statement that adds the answer or replaces the earlier one to the same item, built once."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(m.Response.__table__)
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "item_id"],
        set_={"answer": statement.excluded.answer, "answered_at": statement.excluded.answered_at,
              "score": statement.excluded.score})


def _save(session: Session, attempt: m.Attempt, item_code: str, value: object, now: datetime) -> datetime:
    """Check and score the answer, then store it in one upsert.

    The upsert, not the unit of work: that would first read every answer of the attempt to find
    the one to replace (a query and 13 objects per autosave). The flush's guard against what a
    column cannot hold (``limits.refuse``) runs on the row first, as for any flush.
    """
    if attempt.is_finished:
        raise ConflictError(CLOSED_MESSAGE)
    if _time_is_up(attempt, now):
        raise ConflictError(TIME_UP_MESSAGE)
    version = version_of(session, attempt)
    item = item_by_code(attempt, item_code, version)
    try:
        score = scoring.score_item(domain.content(session).domain_tests[version.id].items[version.items.index(item)], value)
    except InvalidAnswerError as exc:
        raise InvalidInputError(N_("Dit antwoord past niet bij de vraag."), {item_code: [exc.reason]}) from exc
    row = {"attempt_id": attempt.id, "item_id": item.id, "answer": {"value": value}, "answered_at": now, "score": score}
    limits.refuse([m.Response(**row)])
    session.execute(_store_answer(session.get_bind().dialect.name), row)
    session.expire(attempt, ["responses"])  # read again, with this answer, when asked for
    return now


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
    if result.rowcount != 1:
        session.refresh(attempt)  # closed by someone else: read what they wrote
        return False
    set_committed_value(attempt, "status", m.AttemptStatus.SUBMITTED)  # what the UPDATE wrote
    set_committed_value(attempt, "submitted_at", now)
    return True


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
    content = domain.content(session, attempt.test_version_id)
    version = content.versions[attempt.test_version_id]
    result = scoring.score_attempt(content.domain_tests[version.id], answers_of(attempt, version))
    scores = {"score_raw": result.raw, "score_max": float(result.max_score), "score_scaled": result.scaled,
              "passed": result.passed, "status": final_status, "scored_at": now}
    claimed = session.execute(  # claim and store the score in one conditional UPDATE
        update(m.Attempt)
        .where(m.Attempt.id == attempt.id, m.Attempt.status == m.AttemptStatus.SUBMITTED, m.Attempt.scored_at.is_(None))
        .values(**scores)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.refresh(attempt)
        return False
    for name, value in scores.items():  # what the UPDATE wrote, without reading it back
        set_committed_value(attempt, name, value)
    required = content.required.get(attempt.function_profile_id, {})
    observed_at = attempt.submitted_at or now
    rows = [
        {"attempt_id": attempt.id, "person_id": attempt.person_id, "skill_id": content.skills_by_code[code].id,
         "level": skill_result.level, "required_level": required[code].min_level if code in required else None,
         "evidence_count": skill_result.evidence_count, "observed_at": observed_at}
        for code, skill_result in result.skills.items()
    ]
    observations = []
    if rows:  # one multi-row INSERT, then their ids in one read (SQLite cannot batch an INSERT ... RETURNING)
        session.execute(insert(m.SkillObservation.__table__), rows)  # Core: one executemany, NULLs kept
        observations = list(session.scalars(select(m.SkillObservation).where(m.SkillObservation.attempt_id == attempt.id)))
    # the Core INSERT bypassed the relationship: an attempt.observations loaded earlier in this
    # session (empty) would hide them from what follows (automatic help requests, callers)
    set_committed_value(attempt, "observations", observations)
    _update_current_levels(session, attempt.person_id, observations)
    session.flush()
    events.attempt_scored(session, attempt, result, observations)
    grades.queue_score(session, attempt)
    if attempt.organisation.help_request_mode is m.HelpRequestMode.AUTOMATIC:
        help_requests.create_automatic_requests(session, attempt, now)
    return True


def required_levels(session: Session, profile: m.FunctionProfile | None) -> dict:
    """skill code -> Requirement for a function profile (theme requirements expanded)."""
    if profile is None:
        return {}
    return domain.content(session).required[profile.id]


def _update_current_levels(session: Session, person_id: int, observations: list[m.SkillObservation]) -> None:
    """Each observation becomes the person's current level of its skill unless a later one is (one read)."""
    if not observations:
        return
    rows = session.scalars(
        select(m.CurrentSkillLevel).where(
            m.CurrentSkillLevel.person_id == person_id,
            m.CurrentSkillLevel.skill_id.in_([o.skill_id for o in observations]),
        )
    )
    current_by_skill = {row.skill_id: row for row in rows}
    new = []
    for observation in observations:
        current = current_by_skill.get(observation.skill_id)
        if current is None:
            new.append({"person_id": person_id, "skill_id": observation.skill_id, "level": observation.level,
                        "observation_id": observation.id, "observed_at": observation.observed_at,
                        "first_level": observation.level, "first_observed_at": observation.observed_at})
            continue
        if current.observed_at <= observation.observed_at:
            current.level, current.observation_id, current.observed_at = (
                observation.level, observation.id, observation.observed_at,
            )
        if current.first_observed_at is None or observation.observed_at < current.first_observed_at:
            current.first_level, current.first_observed_at = observation.level, observation.observed_at
    if new:  # first levels of these skills: one multi-row INSERT
        session.execute(insert(m.CurrentSkillLevel.__table__), new)


def _update_current_level(session: Session, person_id: int, observation: m.SkillObservation) -> None:
    """One observation's ``_update_current_levels`` (seeding helpers call it per observation)."""
    _update_current_levels(session, person_id, [observation])
