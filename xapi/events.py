"""Plain, frozen event records that the statement builders take as input.

The service fills these from its own models; this package never sees those models. Every
field is a str, int, float, bool, UUID, datetime, timedelta or another record from this module.
Sequences may be passed as lists and are stored as tuples. Datetimes must carry a time zone:
a naive datetime raises ``InvalidStatementError`` at construction, naming the field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from xapi.errors import InvalidStatementError

InteractionKind = Literal["single", "multiple", "self_rating", "ordering"]
INTERACTION_KINDS = ("single", "multiple", "self_rating", "ordering")


def _check_aware(record: object, name: str) -> None:
    value = getattr(record, name)
    if value is None:
        return
    if not isinstance(value, datetime):
        raise InvalidStatementError(f"{type(record).__name__}.{name}", "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidStatementError(
            f"{type(record).__name__}.{name}", "naive datetime; pass a time zone (e.g. UTC)"
        )


def _check_duration(record: object, name: str) -> None:
    value = getattr(record, name)
    if value is not None and (not isinstance(value, timedelta) or value < timedelta(0)):
        raise InvalidStatementError(f"{type(record).__name__}.{name}", "must be a timedelta >= 0")


def _freeze(record: object, name: str) -> None:
    value = getattr(record, name)
    if isinstance(value, list):
        frozen = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        object.__setattr__(record, name, frozen)


def _as_uuid(record: object, name: str) -> None:
    value = getattr(record, name)
    if value is None or isinstance(value, uuid.UUID):
        return
    try:
        object.__setattr__(record, name, uuid.UUID(str(value)))
    except ValueError:
        raise InvalidStatementError(f"{type(record).__name__}.{name}", "not a UUID") from None


@dataclass(frozen=True)
class Actor:
    """A person in a statement.

    By default the person is an xAPI account: ``homePage`` is the LMS issuer and ``name`` the
    pseudonymous LTI subject, so the LRS never learns who it is. ``display_name`` and ``mbox``
    are sent only when the caller passes them (the organisation's privacy settings allow it).
    An agent carries exactly one identifier, so with ``mbox`` the person is identified by
    e-mail *instead of* the account.

    Attributes:
        home_page: LMS issuer URL (account homePage).
        name: Pseudonymous id within that LMS (account name).
        display_name: Optional human name (agent ``name``).
        mbox: Optional e-mail address, with or without ``mailto:``.
    """

    home_page: str
    name: str
    display_name: str | None = None
    mbox: str | None = None


@dataclass(frozen=True)
class TestRef:
    """A digi-toets as published (one version).

    Attributes:
        code: Stable code of the test; forms the activity IRI.
        version: Content version, sent as the ``test-version`` extension.
        title: Title shown to learners (Dutch).
        application: Code of the application the test is about (e.g. ``ons-ecd``).
        function_profile: Code of the function profile the test belongs to, if any.
        application_name: Optional display name of the application.
        function_profile_name: Optional display name of the function profile.
        skill_framework: Optional code of the skill framework the skills come from.
    """

    __test__ = False  # not a pytest test class, despite the name

    code: str
    version: str
    title: str
    application: str
    function_profile: str | None = None
    application_name: str | None = None
    function_profile_name: str | None = None
    skill_framework: str | None = None


@dataclass(frozen=True)
class AttemptRef:
    """One learner's attempt at a test; its registration groups all attempt statements.

    Attributes:
        registration: UUID of the attempt (``context.registration``).
        tenant: Code of the care organisation.
        test: The test taken.
        learner: The learner.
        started_at: When the attempt started (aware datetime).
    """

    registration: uuid.UUID
    tenant: str
    test: TestRef
    learner: Actor
    started_at: datetime

    def __post_init__(self):
        _as_uuid(self, "registration")
        _check_aware(self, "started_at")


@dataclass(frozen=True)
class InteractionRef:
    """A question of a test.

    Attributes:
        code: Item code, unique within the test.
        kind: ``single``, ``multiple``, ``ordering`` or ``self_rating``.
        prompt: The question text (Dutch).
        choices: ``(code, text)`` pairs; for ``self_rating`` leave empty (the fixed four-point
            scale in ``vocabulary.SELF_RATING_SCALE`` is used).
        correct: Correct choice codes (single/multiple) or the correct order (ordering).
        skill_code: The skill this item measures, if any.
    """

    code: str
    kind: InteractionKind
    prompt: str
    choices: tuple[tuple[str, str], ...] = ()
    correct: tuple[str, ...] = ()
    skill_code: str | None = None

    def __post_init__(self):
        _freeze(self, "choices")
        _freeze(self, "correct")
        if self.kind not in INTERACTION_KINDS:
            raise InvalidStatementError("InteractionRef.kind", f"unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Answer:
    """The learner's answer to one item.

    Attributes:
        item: The question.
        response: Chosen codes; the chosen order for ``ordering``; one scale code for
            ``self_rating``.
        answered_at: When the answer was given (aware datetime).
        duration: Optional time spent on the item.
    """

    item: InteractionRef
    response: tuple[str, ...]
    answered_at: datetime
    duration: timedelta | None = None

    def __post_init__(self):
        _freeze(self, "response")
        _check_aware(self, "answered_at")
        _check_duration(self, "duration")


@dataclass(frozen=True)
class AttemptOutcome:
    """The scored end of an attempt.

    Attributes:
        score_raw: Points scored.
        score_min: Lowest possible score (usually 0).
        score_max: Highest possible score.
        passed: Whether the learner met the test's norm; ``None`` when the test has no norm.
        duration: Time from start to finish.
        finished_at: When the attempt was finished (aware datetime).
    """

    score_raw: float
    score_min: float
    score_max: float
    passed: bool | None
    duration: timedelta
    finished_at: datetime

    def __post_init__(self):
        _check_aware(self, "finished_at")
        _check_duration(self, "duration")


@dataclass(frozen=True)
class SkillResult:
    """Where a learner stands on one skill after an attempt.

    Attributes:
        skill_code: Code of the skill.
        skill_name: Name of the skill (Dutch).
        demonstrated_level: Level shown on the scale ``xapi.vocabulary.LEVELS``: 0 (not yet
            level 1) to 4 (can explain it to others).
        required_level: Level the function profile requires, or ``None`` if none applies.
        scored_at: When the result was computed (aware datetime).
    """

    skill_code: str
    skill_name: str
    demonstrated_level: int
    scored_at: datetime
    required_level: int | None = None

    def __post_init__(self):
        _check_aware(self, "scored_at")


@dataclass(frozen=True)
class HelpRequestRef:
    """A help request (hulpvraag) of a learner, usually created from a low skill score.

    Attributes:
        id: The request's id in the service.
        learner: Who asked for help.
        tenant: Code of the care organisation.
        skill_code: The skill help is asked for, if any.
        test: The test whose result led to the request, if any.
        attempt_registration: UUID of that attempt, if any.
    """

    id: str | int
    learner: Actor
    tenant: str
    skill_code: str | None = None
    test: TestRef | None = None
    attempt_registration: uuid.UUID | None = None

    def __post_init__(self):
        _as_uuid(self, "attempt_registration")


@dataclass(frozen=True)
class CoachingSessionRef:
    """A coaching session (digicoaching) that a learner attended.

    Attributes:
        id: The session's id in the service.
        learner: Who was coached.
        tenant: Code of the care organisation.
        started_at: Start of the session (aware datetime).
        duration: Length of the session.
        coach: The coach, sent as ``context.instructor`` only when passed.
        help_request_id: The help request the session answers, if any.
        title: Optional short title (Dutch).
    """

    id: str | int
    learner: Actor
    tenant: str
    started_at: datetime
    duration: timedelta
    coach: Actor | None = None
    help_request_id: str | int | None = None
    title: str | None = None

    def __post_init__(self):
        _check_aware(self, "started_at")
        _check_duration(self, "duration")


@dataclass(frozen=True)
class CertificateRef:
    """An accreditation certificate a learner earned (e.g. 3 hours of digicoaching).

    Attributes:
        id: The certificate's id in the service.
        learner: Who earned it.
        tenant: Code of the care organisation.
        scheme: Registry or scheme code (e.g. ``KNMG``, ``KABIZ``, ``NVVPO``).
        hours: Accredited hours.
        points: Accreditation points, if the scheme awards points.
        title: Title on the certificate (Dutch).
        earned_at: When it was granted (aware datetime).
    """

    id: str | int
    learner: Actor
    tenant: str
    scheme: str
    hours: float
    title: str
    earned_at: datetime
    points: float | None = None

    def __post_init__(self):
        _check_aware(self, "earned_at")


__all__ = [
    "Actor",
    "Answer",
    "AttemptOutcome",
    "AttemptRef",
    "CertificateRef",
    "CoachingSessionRef",
    "HelpRequestRef",
    "INTERACTION_KINDS",
    "InteractionKind",
    "InteractionRef",
    "SkillResult",
    "TestRef",
]
