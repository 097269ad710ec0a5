"""xAPI vocabulary of Digitoets: the IRIs we reuse, the IRIs we mint, and the profile.

We reuse registered IRIs wherever one exists (ADL verbs and activity types, the tincanapi.com
registry, Activity Streams 1.0) and mint only what is ours, under ``{base}/xapi/...`` where
``base`` is the tool's configured base URL. Because the base URL is configuration, the profile
file ``xapi/profile/digitoets.jsonld`` is written against ``PROFILE_PLACEHOLDER_BASE`` and
``profile_document(base_url)`` renders it with the real one.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from xapi.errors import XapiError

# --- Reused, registered IRIs --------------------------------------------------------------

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERB_LAUNCHED = ADL_VERBS + "launched"
VERB_INITIALIZED = ADL_VERBS + "initialized"
VERB_ANSWERED = ADL_VERBS + "answered"
VERB_COMPLETED = ADL_VERBS + "completed"
VERB_PASSED = ADL_VERBS + "passed"
VERB_FAILED = ADL_VERBS + "failed"
VERB_TERMINATED = ADL_VERBS + "terminated"
VERB_SCORED = ADL_VERBS + "scored"
VERB_ATTENDED = ADL_VERBS + "attended"
VERB_VOIDED = ADL_VERBS + "voided"
VERB_EARNED = "http://id.tincanapi.com/verb/earned"
VERB_REQUESTED_ATTENTION = "http://id.tincanapi.com/verb/requested-attention"
VERB_ACCEPTED = "http://activitystrea.ms/schema/1.0/accept"
VERB_RESOLVED = "http://activitystrea.ms/schema/1.0/resolve"

ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
TYPE_ASSESSMENT = ADL_ACTIVITIES + "assessment"
TYPE_INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
TYPE_OBJECTIVE = ADL_ACTIVITIES + "objective"
TYPE_MEETING = ADL_ACTIVITIES + "meeting"
TYPE_PROFILE = ADL_ACTIVITIES + "profile"
TYPE_CERTIFICATE = "http://id.tincanapi.com/activitytype/certificate"

#: Display of every verb we send, in Dutch and English (the LRS shows these to people).
VERB_DISPLAY: dict[str, dict[str, str]] = {
    VERB_LAUNCHED: {"nl": "gestart", "en": "launched"},
    VERB_INITIALIZED: {"nl": "begonnen", "en": "initialized"},
    VERB_ANSWERED: {"nl": "beantwoordde", "en": "answered"},
    VERB_COMPLETED: {"nl": "rondde af", "en": "completed"},
    VERB_PASSED: {"nl": "haalde", "en": "passed"},
    VERB_FAILED: {"nl": "haalde niet", "en": "failed"},
    VERB_TERMINATED: {"nl": "sloot af", "en": "terminated"},
    VERB_SCORED: {"nl": "scoorde", "en": "scored"},
    VERB_ATTENDED: {"nl": "nam deel aan", "en": "attended"},
    VERB_VOIDED: {"nl": "maakte ongeldig", "en": "voided"},
    VERB_EARNED: {"nl": "behaalde", "en": "earned"},
    VERB_REQUESTED_ATTENTION: {"nl": "vroeg om hulp", "en": "requested attention"},
    VERB_ACCEPTED: {"nl": "nam aan", "en": "accepted"},
    VERB_RESOLVED: {"nl": "loste op", "en": "resolved"},
}

#: The scale of demonstrated and required levels, the same as the content's: 0 is "not yet
#: level 1", then 1 with help, 2 independently, 3 skilled (also when something goes differently
#: than usual), 4 can explain it to others. The profile's level extensions define this range.
LEVELS: tuple[int, ...] = (0, 1, 2, 3, 4)

#: The four answers of a self-rating item, lowest first. The level each one claims is the
#: scoring's business (``mappings.scoring.SELF_RATING_LEVELS``), not its index here.
SELF_RATING_SCALE: tuple[tuple[str, str], ...] = (
    ("nog-niet", "kan ik nog niet"),
    ("met-hulp", "met hulp"),
    ("zelfstandig", "zelfstandig"),
    ("anderen-uitleggen", "kan ik anderen uitleggen"),
)

# --- Minted IRIs --------------------------------------------------------------------------

#: Base URL the profile file is written against; replaced by the configured base when rendered.
PROFILE_PLACEHOLDER_BASE = "https://digitoets.example"
PROFILE_VERSION = "1.0"
#: JSON-LD context of xAPI Profiles, put on every component served on its own.
PROFILE_CONTEXT = "https://w3id.org/xapi/profiles/context"

#: Our activity types, minted as ``{base}/xapi/activity-types/<name>``. There is no "skill"
#: type on purpose: a skill is carried as an ADL objective (the competency to reach), and one
#: activity IRI must keep one type or the LRS's merged activity definition flips between them.
ACTIVITY_TYPES = (
    "application",
    "help-request",
    "skill-framework",
    "function-profile",
    "tenant",
)

#: Our extensions, minted as ``{base}/xapi/extensions/<name>``, with where they go.
EXTENSIONS: dict[str, str] = {
    "skill-code": "context",
    "function-profile": "context",
    "tenant": "context",
    "test-version": "context",
    "accreditation-scheme": "context",
    "demonstrated-level": "result",
    "required-level": "result",
    "accreditation-hours": "result",
    "accreditation-points": "result",
}

#: Fixed namespace of our deterministic statement ids (never change it: ids would change).
STATEMENT_ID_NAMESPACE = uuid.UUID("5f0c3a52-8d0e-4c7b-9a39-3f1d7e0b6a24")


class VocabularyError(XapiError, ValueError):
    """Raised when the base URL or a code cannot form a valid IRI."""


def _segment(code: str | int) -> str:
    """Percent-encode one path segment so that any code forms a valid IRI."""
    text = str(code)
    if not text:
        raise VocabularyError("an activity code must not be empty")
    return quote(text, safe="-._~")


class Vocabulary:
    """Produces the IRIs of one Digitoets deployment, all under ``{base_url}/xapi/``.

    Args:
        base_url: The tool's public base URL, e.g. ``https://digitoets.zorg.example``.

    Raises:
        VocabularyError: If ``base_url`` is not an absolute http(s) URL without query/fragment.
    """

    def __init__(self, base_url: str):
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise VocabularyError(f"base URL must be an absolute http(s) URL: {base_url!r}")
        if parts.query or parts.fragment or " " in base_url.strip():
            raise VocabularyError(f"base URL must not have a query, fragment or spaces: {base_url!r}")
        self.base_url = base_url.strip().rstrip("/")
        self.root = f"{self.base_url}/xapi"

    def __repr__(self) -> str:
        return f"Vocabulary({self.base_url!r})"

    # Profile ------------------------------------------------------------------------------
    @property
    def profile(self) -> str:
        """IRI of our xAPI Profile."""
        return f"{self.root}/profile"

    @property
    def profile_version(self) -> str:
        """IRI of the current profile version; statements carry it as a category activity."""
        return f"{self.profile}/v{PROFILE_VERSION}"

    def template(self, name: str) -> str:
        """IRI of the statement template ``name`` (e.g. ``attempt-launched``)."""
        return f"{self.profile}/templates/{name}"

    def activity_type(self, name: str) -> str:
        """IRI of our activity type ``name`` (one of ``ACTIVITY_TYPES``)."""
        if name not in ACTIVITY_TYPES:
            raise VocabularyError(f"unknown activity type {name!r}")
        return f"{self.root}/activity-types/{name}"

    def extension(self, name: str) -> str:
        """IRI of our extension ``name`` (one of ``EXTENSIONS``)."""
        if name not in EXTENSIONS:
            raise VocabularyError(f"unknown extension {name!r}")
        return f"{self.root}/extensions/{name}"

    # Activities ---------------------------------------------------------------------------
    def test(self, code: str) -> str:
        """Activity IRI of a digi-toets (stable across versions; the version is an extension)."""
        return f"{self.root}/tests/{_segment(code)}"

    def item(self, test_code: str, item_code: str) -> str:
        """Activity IRI of one question of a test."""
        return f"{self.test(test_code)}/items/{_segment(item_code)}"

    def skill(self, code: str) -> str:
        """Activity IRI of a skill, used as the ADL objective a learner is scored on."""
        return f"{self.root}/skills/{_segment(code)}"

    def skill_framework(self, code: str) -> str:
        """Activity IRI of a skill framework (e.g. the national base list)."""
        return f"{self.root}/skill-frameworks/{_segment(code)}"

    def application(self, code: str) -> str:
        """Activity IRI of an application that tests are about (ECD, HIS, rooster...)."""
        return f"{self.root}/applications/{_segment(code)}"

    def function_profile(self, code: str) -> str:
        """Activity IRI of a function profile (functieprofiel)."""
        return f"{self.root}/function-profiles/{_segment(code)}"

    def tenant(self, code: str) -> str:
        """Activity IRI of a tenant (care organisation)."""
        return f"{self.root}/tenants/{_segment(code)}"

    def help_request(self, request_id: str | int) -> str:
        """Activity IRI of a help request (hulpvraag)."""
        return f"{self.root}/help-requests/{_segment(request_id)}"

    def coaching_session(self, session_id: str | int) -> str:
        """Activity IRI of a coaching session (ADL meeting)."""
        return f"{self.root}/coaching-sessions/{_segment(session_id)}"

    def certificate(self, certificate_id: str | int) -> str:
        """Activity IRI of an accreditation certificate."""
        return f"{self.root}/certificates/{_segment(certificate_id)}"

    # Statement ids ------------------------------------------------------------------------
    def statement_id(self, event_key: str) -> str:
        """Deterministic statement id of an event, e.g. ``attempt:<uuid>:completed``.

        The deployment's base URL is part of the name so that two deployments writing to one
        LRS never mint the same id for their own ``help-request:17:requested``.
        """
        return str(uuid.uuid5(STATEMENT_ID_NAMESPACE, f"{self.base_url} {event_key}"))

    def registration(self, key: str) -> str:
        """Deterministic registration of something that is not an attempt, e.g. ``help-request:17``.

        Every statement we send follows a primary pattern of the profile, and the statements of
        one pattern share a registration: a help request's statements share this one.
        """
        return str(uuid.uuid5(STATEMENT_ID_NAMESPACE, f"{self.base_url} registration {key}"))


@lru_cache(maxsize=1)
def _profile_template_text() -> str:
    return resources.files("xapi.profile").joinpath("digitoets.jsonld").read_text("utf-8")


_PLACEHOLDER_PATTERN = re.compile(re.escape(PROFILE_PLACEHOLDER_BASE) + r"(?=[/'\s)]|$)")


def _rebase(node: Any, base: str) -> Any:
    if isinstance(node, str):
        # Substrings too: JSONPath rule locations quote extension IRIs, texts mention the base.
        return re.sub(_PLACEHOLDER_PATTERN, lambda match: base, node)
    if isinstance(node, list):
        return [_rebase(value, base) for value in node]
    if isinstance(node, dict):
        return {_rebase(key, base): _rebase(value, base) for key, value in node.items()}
    return node


def profile_document(base_url: str | None = None) -> dict[str, Any]:
    """Return the xAPI Profile (JSON-LD) rendered for ``base_url``.

    Args:
        base_url: The tool's base URL; ``None`` returns the file as stored (placeholder base).

    Returns:
        A fresh dict that the caller may modify.
    """
    document = json.loads(_profile_template_text())
    if base_url is None:
        return copy.deepcopy(document)
    return _rebase(document, Vocabulary(base_url).base_url)


@lru_cache(maxsize=8)
def _profile_index(base_url: str) -> dict[str, dict[str, Any]]:
    document = profile_document(base_url)
    index = {document["id"]: document}
    index.update((version["id"], document) for version in document["versions"])
    for key in ("concepts", "templates", "patterns"):
        index.update((component["id"], component) for component in document[key])
    return index


def profile_definition(base_url: str, iri: str) -> dict[str, Any] | None:
    """The JSON-LD that the IRI ``iri`` we mint resolves to, or ``None`` if it is not ours.

    The profile IRI and each version IRI resolve to the whole profile; a concept, statement
    template or pattern IRI resolves to its own definition, with the profiles ``@context``.
    """
    found = _profile_index(Vocabulary(base_url).base_url).get(iri)
    if found is None:
        return None
    if "@context" in found:
        return copy.deepcopy(found)
    return {"@context": PROFILE_CONTEXT, **copy.deepcopy(found)}
