"""Builders of every xAPI statement Digitoets sends, one method per event.

Each builder takes records from ``xapi.events`` and returns the statement as a JSON-ready dict:
in tincan's shapes (xapi/_tincan.py), without ``version`` (the LRS sets it), ids as strings, validated by
``xapi.validation``. The statement id is deterministic, a UUIDv5 of the deployment's base URL
and an event key such as ``attempt:<registration>:completed``, so a resend can never store a
second copy. Build a statement once, when the event happens, and keep the dict in the outbox
(about 0.05 ms each since issue 13; it was 0.4 ms through tincan objects).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from xapi import _tincan as t
from xapi.errors import InvalidStatementError
from xapi.events import (Actor, Answer, AttemptOutcome, AttemptRef, CertificateRef,
                         CoachingSessionRef, HelpRequestRef, SkillResult, TestRef)
from xapi.vocabulary import (LEVELS, SELF_RATING_SCALE, TYPE_ASSESSMENT, TYPE_CERTIFICATE,
                             TYPE_INTERACTION, TYPE_MEETING, TYPE_OBJECTIVE, VERB_ACCEPTED,
                             VERB_ANSWERED, VERB_ATTENDED, VERB_COMPLETED, VERB_EARNED,
                             VERB_FAILED, VERB_INITIALIZED, VERB_LAUNCHED, VERB_PASSED,
                             VERB_REQUESTED_ATTENTION, VERB_RESOLVED, VERB_SCORED,
                             VERB_TERMINATED, VERB_VOIDED, Vocabulary)

#: How a response lists several codes (xAPI's "[,]" delimiter).
RESPONSE_DELIMITER = "[,]"
_INTERACTION_TYPE = {"single": "choice", "multiple": "choice", "ordering": "sequencing",
                     "self_rating": "likert"}
#: Account name of the tool itself, the actor of voiding statements.
TOOL_ACCOUNT_NAME = "digitoets"


class StatementBuilder:
    """Builds the statements of one deployment.

    Args:
        vocabulary: The deployment's ``Vocabulary`` or its base URL.
    """

    def __init__(self, vocabulary: Vocabulary | str):
        self.vocab = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary)

    # --- shared parts ----------------------------------------------------------------------
    def tool_actor(self) -> Actor:
        """The tool as an actor: account ``digitoets`` on the tool's own base URL."""
        return Actor(home_page=self.vocab.base_url, name=TOOL_ACCOUNT_NAME)

    def statement_id(self, event_key: str) -> str:
        """The deterministic statement id of ``event_key``."""
        return self.vocab.statement_id(event_key)

    def _build(self, key: str, actor: Actor, verb_id: str, obj: Any, timestamp: datetime,
               path: str, *, result: dict | None = None,
               context: dict | None = None) -> dict[str, Any]:
        statement = t.statement(self.statement_id(key), t.agent(actor), t.verb(verb_id), obj,
                                t.utc_timestamp(timestamp, path), result, context)
        return t.to_dict(statement)

    def _test(self, test: TestRef) -> dict:
        return t.activity(self.vocab.test(test.code), TYPE_ASSESSMENT, test.title)

    def _grouping(self, tenant: str, test: TestRef | None, *,
                  framework: bool = False) -> list[dict]:
        vocab, items = self.vocab, []
        if test is not None:
            items.append(t.activity(vocab.application(test.application),
                                    vocab.activity_type("application"), test.application_name))
            if test.function_profile:
                items.append(t.activity(vocab.function_profile(test.function_profile),
                                        vocab.activity_type("function-profile"),
                                        test.function_profile_name))
            if framework and test.skill_framework:
                items.append(t.activity(vocab.skill_framework(test.skill_framework),
                                        vocab.activity_type("skill-framework")))
        items.append(t.activity(vocab.tenant(tenant), vocab.activity_type("tenant")))
        return items

    def _extensions(self, tenant: str, test: TestRef | None, **more: Any) -> dict[str, Any]:
        ext = self.vocab.extension
        values = {ext("tenant"): tenant}
        if test is not None:
            values[ext("test-version")] = test.version
            values[ext("function-profile")] = test.function_profile
        values.update({ext(name.replace("_", "-")): value for name, value in more.items()})
        return values

    def _attempt_context(self, attempt: AttemptRef, *, in_test: bool,
                         other: list | None = None, **more: Any) -> dict:
        return t.context(
            self.vocab, registration=attempt.registration,
            parent=[self._test(attempt.test)] if in_test else None,
            grouping=self._grouping(attempt.tenant, attempt.test, framework="skill_code" in more),
            other=other, extensions=self._extensions(attempt.tenant, attempt.test, **more),
        )

    @staticmethod
    def _score(raw: float, low: float, high: float, path: str) -> dict:
        if not low < high:
            raise InvalidStatementError(path, f"max {high} is not greater than min {low}")
        scaled = round((raw - low) / (high - low), 4)
        return {"scaled": float(scaled), "raw": float(raw), "min": float(low), "max": float(high)}

    # --- the attempt -------------------------------------------------------------------------
    def attempt_launched(self, attempt: AttemptRef,
                         timestamp: datetime | None = None) -> dict[str, Any]:
        """The learner opened the test from the LMS (default time: ``attempt.started_at``)."""
        return self._build(f"attempt:{attempt.registration}:launched", attempt.learner,
                           VERB_LAUNCHED, self._test(attempt.test),
                           timestamp or attempt.started_at, "timestamp",
                           context=self._attempt_context(attempt, in_test=False))

    def attempt_initialized(self, attempt: AttemptRef,
                            timestamp: datetime | None = None) -> dict[str, Any]:
        """The test was ready and the learner began (default time: ``attempt.started_at``)."""
        return self._build(f"attempt:{attempt.registration}:initialized", attempt.learner,
                           VERB_INITIALIZED, self._test(attempt.test),
                           timestamp or attempt.started_at, "timestamp",
                           context=self._attempt_context(attempt, in_test=False))

    def item_answered(self, attempt: AttemptRef, answer: Answer) -> dict[str, Any]:
        """The learner answered one question (a cmi.interaction in the test)."""
        item = answer.item
        codes = [code for code, _ in (SELF_RATING_SCALE if item.kind == "self_rating"
                                      else item.choices)]
        unknown = [code for code in answer.response if code not in codes]
        if unknown or not answer.response:
            raise InvalidStatementError("answer.response", f"codes {unknown} are not choices "
                                        f"of item {item.code}" if unknown else "is empty")
        if item.kind == "self_rating" and len(answer.response) != 1:
            raise InvalidStatementError("answer.response", "a self-rating has one answer")
        components = [
            {"id": code, "description": {t.CONTENT_LANGUAGE: text}}
            for code, text in (SELF_RATING_SCALE if item.kind == "self_rating" else item.choices)
        ]
        definition: dict[str, Any] = {"interaction_type": _INTERACTION_TYPE[item.kind]}
        definition["scale" if item.kind == "self_rating" else "choices"] = components
        success = None
        if item.correct and item.kind != "self_rating":
            definition["correct_responses_pattern"] = [RESPONSE_DELIMITER.join(item.correct)]
            if item.kind == "ordering":
                success = tuple(answer.response) == tuple(item.correct)
            else:
                success = set(answer.response) == set(item.correct)
        obj = t.activity(self.vocab.item(attempt.test.code, item.code), TYPE_INTERACTION,
                         item.prompt, **definition)
        result = t.result(response=RESPONSE_DELIMITER.join(answer.response),
                          success=success,
                          duration=t.centiseconds(answer.duration)
                          if answer.duration is not None else None)
        other = [t.activity(self.vocab.skill(item.skill_code), TYPE_OBJECTIVE)] \
            if item.skill_code else None
        return self._build(f"attempt:{attempt.registration}:answered:{item.code}",
                           attempt.learner, VERB_ANSWERED, obj, answer.answered_at,
                           "answer.answered_at", result=result,
                           context=self._attempt_context(attempt, in_test=True, other=other))

    def _outcome_result(self, outcome: AttemptOutcome) -> dict:
        return t.result(
            score=self._score(outcome.score_raw, outcome.score_min, outcome.score_max,
                              "outcome.score_max"),
            success=outcome.passed, completion=True,
            duration=t.centiseconds(outcome.duration),
        )

    def attempt_completed(self, attempt: AttemptRef, outcome: AttemptOutcome) -> dict[str, Any]:
        """The learner finished the test; carries the score and the time taken."""
        return self._build(f"attempt:{attempt.registration}:completed", attempt.learner,
                           VERB_COMPLETED, self._test(attempt.test), outcome.finished_at,
                           "outcome.finished_at", result=self._outcome_result(outcome),
                           context=self._attempt_context(attempt, in_test=False))

    def attempt_judged(self, attempt: AttemptRef, outcome: AttemptOutcome) -> dict[str, Any]:
        """The learner passed or failed the test's norm (``passed``/``failed`` by outcome).

        Raises:
            InvalidStatementError: If ``outcome.passed`` is ``None`` (the test has no norm).
        """
        if outcome.passed is None:
            raise InvalidStatementError("outcome.passed", "is None: a test without a norm "
                                        "has no passed/failed statement")
        verb_id = VERB_PASSED if outcome.passed else VERB_FAILED
        word = "passed" if outcome.passed else "failed"
        return self._build(f"attempt:{attempt.registration}:{word}", attempt.learner, verb_id,
                           self._test(attempt.test), outcome.finished_at, "outcome.finished_at",
                           result=self._outcome_result(outcome),
                           context=self._attempt_context(attempt, in_test=False))

    def attempt_terminated(self, attempt: AttemptRef, timestamp: datetime,
                           duration: timedelta | None = None) -> dict[str, Any]:
        """The session with the test ended (after completion, or when it was abandoned)."""
        result = t.result(duration=t.centiseconds(duration)) if duration is not None \
            else None
        return self._build(f"attempt:{attempt.registration}:terminated", attempt.learner,
                           VERB_TERMINATED, self._test(attempt.test), timestamp, "timestamp",
                           result=result, context=self._attempt_context(attempt, in_test=False))

    def skill_scored(self, attempt: AttemptRef, skill: SkillResult) -> dict[str, Any]:
        """Where the learner stands on one skill, against the function profile's level."""
        ext = self.vocab.extension
        extensions = {ext("demonstrated-level"): skill.demonstrated_level}
        success = None
        if skill.required_level is not None:
            extensions[ext("required-level")] = skill.required_level
            success = skill.demonstrated_level >= skill.required_level
        for name in ("demonstrated_level", "required_level"):
            level = getattr(skill, name)
            if level is not None and level not in LEVELS:
                raise InvalidStatementError(f"skill.{name}", f"{level} is outside "
                                            f"[{LEVELS[0]}, {LEVELS[-1]}]")
        result = t.result(
            score=self._score(skill.demonstrated_level, LEVELS[0], LEVELS[-1], "skill"),
            success=success, extensions=extensions,
        )
        obj = t.activity(self.vocab.skill(skill.skill_code), TYPE_OBJECTIVE, skill.skill_name)
        return self._build(f"attempt:{attempt.registration}:scored:{skill.skill_code}",
                           attempt.learner, VERB_SCORED, obj, skill.scored_at, "skill.scored_at",
                           result=result, context=self._attempt_context(
                               attempt, in_test=True, skill_code=skill.skill_code))

    # --- help requests, coaching, accreditation ----------------------------------------------
    def _help_object(self, request: HelpRequestRef) -> dict:
        return t.activity(self.vocab.help_request(request.id),
                          self.vocab.activity_type("help-request"))

    def _help_context(self, request: HelpRequestRef, *, link_score: bool) -> dict:
        other = []
        if request.skill_code:
            other.append(t.activity(self.vocab.skill(request.skill_code), TYPE_OBJECTIVE))
        if request.test is not None:
            other.append(self._test(request.test))
        # The help request's own registration (the profile's help-request pattern), not the
        # attempt's, which holds the attempt pattern only; the score that led to it is a StatementRef.
        reg = request.attempt_registration
        ref = None
        if link_score and reg is not None and request.skill_code:
            ref = self.statement_id(f"attempt:{reg}:scored:{request.skill_code}")
        return t.context(self.vocab, other=other or None,
                         registration=self.vocab.registration(f"help-request:{request.id}"),
                         grouping=self._grouping(request.tenant, request.test),
                         extensions=self._extensions(request.tenant, request.test,
                                                     skill_code=request.skill_code),
                         statement_ref=ref)

    def help_requested(self, request: HelpRequestRef, timestamp: datetime) -> dict[str, Any]:
        """The learner asked for help (points at the skill score that led to it, if any)."""
        return self._build(f"help-request:{request.id}:requested", request.learner,
                           VERB_REQUESTED_ATTENTION, self._help_object(request), timestamp,
                           "timestamp", context=self._help_context(request, link_score=True))

    def help_claimed(self, request: HelpRequestRef, coach: Actor,
                     timestamp: datetime) -> dict[str, Any]:
        """A digicoach took the help request on."""
        return self._build(f"help-request:{request.id}:claimed:{coach.name}", coach,
                           VERB_ACCEPTED, self._help_object(request), timestamp, "timestamp",
                           context=self._help_context(request, link_score=False))

    def help_resolved(self, request: HelpRequestRef, coach: Actor,
                      timestamp: datetime) -> dict[str, Any]:
        """A digicoach closed the help request as resolved."""
        return self._build(f"help-request:{request.id}:resolved", coach, VERB_RESOLVED,
                           self._help_object(request), timestamp, "timestamp",
                           context=self._help_context(request, link_score=False))

    def coaching_attended(self, session: CoachingSessionRef) -> dict[str, Any]:
        """The learner attended a coaching session; ``result.duration`` is its length."""
        other = None
        if session.help_request_id is not None:
            other = [t.activity(self.vocab.help_request(session.help_request_id),
                                self.vocab.activity_type("help-request"))]
        obj = t.activity(self.vocab.coaching_session(session.id), TYPE_MEETING, session.title)
        return self._build(
            f"coaching-session:{session.id}:attended", session.learner, VERB_ATTENDED, obj,
            session.started_at, "session.started_at",
            result=t.result(duration=t.centiseconds(session.duration), completion=True),
            context=t.context(self.vocab, grouping=self._grouping(session.tenant, None),
                              registration=self.vocab.registration(f"coaching-session:{session.id}"),
                              other=other, instructor=session.coach,
                              extensions=self._extensions(session.tenant, None)),
        )

    def certificate_earned(self, certificate: CertificateRef) -> dict[str, Any]:
        """The learner earned an accreditation certificate (hours, and points if any)."""
        ext = self.vocab.extension
        values = {ext("accreditation-hours"): certificate.hours}
        if certificate.points is not None:
            values[ext("accreditation-points")] = certificate.points
        obj = t.activity(self.vocab.certificate(certificate.id), TYPE_CERTIFICATE,
                         certificate.title)
        return self._build(
            f"certificate:{certificate.id}:earned", certificate.learner, VERB_EARNED, obj,
            certificate.earned_at, "certificate.earned_at",
            result=t.result(extensions=values),
            context=t.context(self.vocab, grouping=self._grouping(certificate.tenant, None),
                              registration=self.vocab.registration(f"certificate:{certificate.id}"),
                              extensions=self._extensions(
                                  certificate.tenant, None,
                                  accreditation_scheme=certificate.scheme)),
        )

    def voided(self, statement_id: str, timestamp: datetime,
               actor: Actor | None = None) -> dict[str, Any]:
        """Void an earlier statement (a correction); the actor defaults to the tool itself."""
        return self._build(f"void:{statement_id}", actor or self.tool_actor(), VERB_VOIDED,
                           {"objectType": "StatementRef", "id": statement_id}, timestamp, "timestamp",
                           context=t.context(self.vocab, with_platform=False,
                                             registration=self.vocab.registration(
                                                 f"void:{statement_id}")))
