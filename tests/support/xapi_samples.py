"""Sample xAPI events and one statement of every kind, for the xapi unit and integration tests.

Factories return plain records from ``xapi.events`` with sensible defaults; pass keyword
overrides for the field a test is about.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from xapi.events import (Actor, Answer, AttemptOutcome, AttemptRef, CertificateRef,
                         CoachingSessionRef, HelpRequestRef, InteractionRef, SkillResult, TestRef)
from xapi.statements import StatementBuilder

BASE_URL = "https://digitoets.zorg.example"
LMS = "https://lms.zorg.example"
NOW = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=timezone.utc)


def make_actor(**overrides: Any) -> Actor:
    return replace(Actor(home_page=LMS, name="sub-7f3a9c"), **overrides)


def make_test(**overrides: Any) -> TestRef:
    test = TestRef(code="ecd-vig", version="2026.1", title="Digi-toets ECD voor VIG",
                   application="ons-ecd", function_profile="verzorgende-ig",
                   application_name="Ons ECD", function_profile_name="Verzorgende IG",
                   skill_framework="basislijst")
    return replace(test, **overrides)


def make_attempt(**overrides: Any) -> AttemptRef:
    values = {"registration": uuid.UUID("0b7e2a52-5d0c-4a5e-9e61-4c1f0d6f3a11"),
              "tenant": "sint-jacob", "test": make_test(), "learner": make_actor(),
              "started_at": NOW}
    values.update(overrides)
    return AttemptRef(**values)


def make_item(kind: str = "single", **overrides: Any) -> InteractionRef:
    choices = [("a", "Rapportage"), ("b", "Agenda"), ("c", "Medicatie")]
    correct = {"single": ["a"], "multiple": ["a", "c"], "ordering": ["b", "a", "c"],
               "self_rating": []}[kind]
    values = {"code": f"q-{kind}", "kind": kind, "prompt": "Waar schrijf je de rapportage?",
              "choices": [] if kind == "self_rating" else choices, "correct": correct,
              "skill_code": "ECD-RAP"}
    values.update(overrides)
    return InteractionRef(**values)


def make_outcome(**overrides: Any) -> AttemptOutcome:
    values = {"score_raw": 7, "score_min": 0, "score_max": 10, "passed": True,
              "duration": timedelta(minutes=7, seconds=30), "finished_at": NOW}
    values.update(overrides)
    return AttemptOutcome(**values)


def make_skill(**overrides: Any) -> SkillResult:
    values = {"skill_code": "ECD-RAP", "skill_name": "Rapporteren in het ECD",
              "demonstrated_level": 1, "scored_at": NOW, "required_level": 2}
    values.update(overrides)
    return SkillResult(**values)


def make_help_request(**overrides: Any) -> HelpRequestRef:
    values = {"id": 17, "learner": make_actor(), "tenant": "sint-jacob", "skill_code": "ECD-RAP",
              "test": make_test(), "attempt_registration": make_attempt().registration}
    values.update(overrides)
    return HelpRequestRef(**values)


def make_session(**overrides: Any) -> CoachingSessionRef:
    values = {"id": 5, "learner": make_actor(), "tenant": "reha-almere", "started_at": NOW,
              "duration": timedelta(hours=1), "coach": make_actor(name="sub-coach-01"),
              "help_request_id": 17, "title": "Digicoaching HIS"}
    values.update(overrides)
    return CoachingSessionRef(**values)


def make_certificate(**overrides: Any) -> CertificateRef:
    values = {"id": 3, "learner": make_actor(), "tenant": "reha-almere", "scheme": "KNMG",
              "hours": 3.0, "points": 3.0, "title": "Digicoaching 3 uur", "earned_at": NOW}
    values.update(overrides)
    return CertificateRef(**values)


def every_statement(builder: StatementBuilder, attempt: AttemptRef | None = None,
                    key: str = "") -> dict[str, dict[str, Any]]:
    """One statement of every kind the product sends, by event name.

    ``attempt`` and ``key`` make the ids unique per test where an LRS is shared.
    """
    attempt = attempt or make_attempt()
    coach = make_actor(name="sub-coach-01")
    request = make_help_request(id=f"17{key}", attempt_registration=attempt.registration)
    end = NOW + timedelta(minutes=8)
    statements = {
        "launched": builder.attempt_launched(attempt),
        "initialized": builder.attempt_initialized(attempt),
        "completed": builder.attempt_completed(attempt, make_outcome()),
        "passed": builder.attempt_judged(attempt, make_outcome(passed=True)),
        "failed": builder.attempt_judged(attempt, make_outcome(passed=False, score_raw=3)),
        "terminated": builder.attempt_terminated(attempt, end, timedelta(minutes=8)),
        "scored": builder.skill_scored(attempt, make_skill()),
        "help_requested": builder.help_requested(request, end),
        "help_claimed": builder.help_claimed(request, coach, end + timedelta(hours=2)),
        "help_resolved": builder.help_resolved(request, coach, end + timedelta(days=3)),
        "coaching_attended": builder.coaching_attended(make_session(id=f"5{key}")),
        "certificate_earned": builder.certificate_earned(make_certificate(id=f"3{key}")),
    }
    for kind, response in (("single", ["a"]), ("multiple", ["c", "a"]),
                           ("ordering", ["b", "a", "c"]), ("self_rating", ["met-hulp"])):
        answer = Answer(make_item(kind), response, NOW + timedelta(minutes=1),
                        timedelta(seconds=21.5))
        statements[f"answered_{kind}"] = builder.item_answered(attempt, answer)
    statements["voided"] = builder.voided(statements["failed"]["id"], end + timedelta(days=1))
    return statements
