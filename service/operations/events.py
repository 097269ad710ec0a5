"""Side effects of product events, written to the outbox in the event's own transaction.

Each event becomes one or more xAPI statements, built and validated now (building is slow
and an invalid statement must fail the event, not the forwarder later) and stored as JSON
in ``outbox_items``. The forwarder delivers them after commit. Statement ids are
deterministic, so writing the same event twice adds nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service import models as m
from service.operations import domain
from xapi import events as xe
from xapi.statements import StatementBuilder
from xapi.vocabulary import SELF_RATING_SCALE

BASE_URL_KEY = "base_url"
#: the step between statements of one attempt that would otherwise share a timestamp
TICK = timedelta(milliseconds=1)
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
_builders: dict[str, StatementBuilder] = {}


def builder(session: Session) -> StatementBuilder:
    """The statement builder for the deployment's base URL (kept in ``session.info``)."""
    base = session.info.get(BASE_URL_KEY, DEFAULT_BASE_URL)
    if base not in _builders:
        _builders[base] = StatementBuilder(base)
    return _builders[base]


def enqueue(session: Session, organisation_id: int, statements: list[dict]) -> int:
    """Add statements to the outbox unless their id is already there; returns how many were new."""
    ids = [s["id"] for s in statements]
    known = set(
        session.scalars(
            select(m.OutboxItem.dedupe_key).where(m.OutboxItem.kind == m.OutboxKind.XAPI, m.OutboxItem.dedupe_key.in_(ids))
        )
    )
    fresh = []
    for statement in statements:  # also once when one list holds the same event twice
        if statement["id"] not in known:
            known.add(statement["id"])
            fresh.append(statement)
    if fresh:  # one multi-row INSERT (the rows are not needed as objects here)
        session.execute(insert(m.OutboxItem.__table__), [
            {"organisation_id": organisation_id, "kind": m.OutboxKind.XAPI, "dedupe_key": s["id"], "payload": s}
            for s in fresh
        ])
    return len(fresh)


def actor(person: m.Person) -> xe.Actor:
    """Pseudonymous account by default; e-mail and name only when the organisation says so."""
    org = person.organisation
    share = org.xapi_identify_by_email and org.store_personal_data
    return xe.Actor(
        home_page=person.issuer,
        name=str(person.pseudonym),
        display_name=person.name if share else None,
        mbox=person.email if share and person.email else None,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "onbekend"


def test_ref(version: m.TestVersion, profile: m.FunctionProfile | None) -> xe.TestRef:
    return xe.TestRef(
        code=version.test.code,
        version=str(version.number),
        title=version.title,
        application=_slug(version.test.application),
        application_name=version.test.application,
        function_profile=profile.code if profile else None,
        function_profile_name=profile.name if profile else None,
    )


def attempt_ref(attempt: m.Attempt, session: Session | None = None) -> xe.AttemptRef:
    """The attempt for its statements; with ``session``, test and function from the content in memory."""
    if session is None:
        version, profile = attempt.test_version, attempt.function_profile
    else:
        content = domain.content(session, attempt.test_version_id)
        version, profile = content.versions[attempt.test_version_id], content.profiles.get(attempt.function_profile_id)
    return xe.AttemptRef(
        registration=attempt.registration,
        tenant=attempt.organisation.slug,
        test=test_ref(version, profile),
        learner=actor(attempt.person),
        started_at=attempt.started_at,
    )


def attempt_started(session: Session, attempt: m.Attempt) -> None:
    """The attempt was launched and initialised."""
    ref = attempt_ref(attempt, session)
    build = builder(session)
    launched = build.attempt_launched(ref)
    initialized = build.attempt_initialized(ref, _Increasing._ms(attempt.started_at) + TICK)
    enqueue(session, attempt.organisation_id, [launched, initialized])


def _interaction(item) -> tuple[xe.InteractionRef, dict[str, str]]:
    """The item as an xAPI interaction, and a map from step text to its code (ordering)."""
    skill = item.skills[0].skill.code if item.skills else None
    if item.type == "ordering":
        steps = item.data.get("steps", [])
        codes = {step: f"stap-{n}" for n, step in enumerate(steps, start=1)}
        choices = tuple((codes[s], s) for s in steps)
        return xe.InteractionRef(item.code, "ordering", item.prompt, choices, tuple(codes.values()), skill), codes
    options = item.data.get("options", [])
    choices = tuple((o["code"], o["text"]) for o in options)
    correct = tuple(o["code"] for o in options if o.get("correct"))
    return xe.InteractionRef(item.code, item.type, item.prompt, choices, correct, skill), {}


def _response_codes(item, value, step_codes: dict[str, str]) -> tuple[str, ...]:
    if item.type == "self_rating":
        return (SELF_RATING_SCALE[int(value)][0],)
    if item.type == "ordering":
        steps = item.data.get("steps", [])
        return tuple(step_codes[steps[v] if isinstance(v, int) else v] for v in value)
    if item.type == "multiple":
        return tuple(value)
    return (value,)


def attempt_scored(session: Session, attempt: m.Attempt, result, observations=None) -> None:
    """Answers, completion, pass/fail, the level per skill, and the end of the session.

    The statements go out in timestamp order, each later than the one before (the xAPI
    Profiles spec asks this of statements that follow a pattern): answers in the order they
    were last given, not by question, and where two would share a moment (completed and
    passed, the skill scores, the end) each gets the next millisecond.
    """
    ref = attempt_ref(attempt, session)
    content = domain.content(session, attempt.test_version_id)
    items = {item.id: item for item in content.versions[attempt.test_version_id].items}
    build = builder(session)
    at = _Increasing(attempt.started_at + TICK)  # after launched and initialized
    finished = attempt.submitted_at or attempt.scored_at
    statements = []
    for response in sorted(attempt.responses, key=lambda r: (r.answered_at, items[r.item_id].position)):
        item = items[response.item_id]
        interaction, codes = _interaction(item)
        value = _response_codes(item, response.answer["value"], codes)
        statements.append(build.item_answered(ref, xe.Answer(interaction, value, at(response.answered_at))))
    outcome = xe.AttemptOutcome(
        score_raw=result.raw, score_min=0.0, score_max=float(result.max_score), passed=result.passed,
        duration=finished - attempt.started_at, finished_at=at(finished),
    )
    statements.append(build.attempt_completed(ref, outcome))
    if outcome.passed is not None:
        statements.append(build.attempt_judged(ref, replace(outcome, finished_at=at(finished))))
    scored_at = attempt.scored_at or finished
    skills = content.skills
    observations = attempt.observations if observations is None else observations
    for observation in sorted(observations, key=lambda o: skills[o.skill_id].code):
        skill = xe.SkillResult(
            skill_code=skills[observation.skill_id].code, skill_name=skills[observation.skill_id].name,
            demonstrated_level=observation.level, required_level=observation.required_level, scored_at=at(scored_at),
        )
        statements.append(build.skill_scored(ref, skill))
    statements.append(build.attempt_terminated(ref, at(scored_at), finished - attempt.started_at))
    enqueue(session, attempt.organisation_id, statements)


class _Increasing:
    """Hands out the natural time of each statement, or one TICK after the previous if that is later."""

    def __init__(self, after: datetime):
        self.last = self._ms(after)

    @staticmethod
    def _ms(value: datetime) -> datetime:  # statements carry milliseconds, so compare at that precision
        return value.replace(microsecond=value.microsecond // 1000 * 1000)

    def __call__(self, natural: datetime) -> datetime:
        natural = self._ms(natural)
        self.last = natural if natural > self.last else self.last + TICK
        return self.last


def help_request_ref(request: m.HelpRequest) -> xe.HelpRequestRef:
    attempt = Session.object_session(request).get(m.Attempt, request.attempt_id) if request.attempt_id else None
    return xe.HelpRequestRef(
        id=str(request.uuid),
        learner=actor(request.person),
        tenant=request.person.organisation.slug,
        skill_code=request.skill.code,
        test=test_ref(attempt.test_version, attempt.function_profile) if attempt else None,
        attempt_registration=attempt.registration if attempt else None,
    )


def help_requested(session: Session, request: m.HelpRequest) -> None:
    """A help request was created (by the employee or by a help rule)."""
    enqueue(session, request.organisation_id, [builder(session).help_requested(help_request_ref(request), request.created_at)])


def help_claimed(session: Session, request: m.HelpRequest, coach: m.Person, at: datetime) -> None:
    enqueue(session, request.organisation_id, [builder(session).help_claimed(help_request_ref(request), actor(coach), at)])


def help_resolved(session: Session, request: m.HelpRequest, coach: m.Person, at: datetime) -> None:
    enqueue(session, request.organisation_id, [builder(session).help_resolved(help_request_ref(request), actor(coach), at)])
