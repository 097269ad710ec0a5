"""Small helpers that turn our records into tincan objects and tincan objects into JSON dicts.

Kept apart from ``statements.py`` so that the builders read as a list of events. tincan is
used for the model only (see XAPI-NOTES: its RemoteLRS is not fit to send).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import tincan

from xapi.errors import InvalidStatementError
from xapi.events import Actor
from xapi.validation import validate_statement
from xapi.vocabulary import TYPE_PROFILE, VERB_DISPLAY, Vocabulary

PLATFORM = "Digitoets"
#: Language of learner-facing content (prompts, titles, skill names).
CONTENT_LANGUAGE = "nl"


def utc_timestamp(value: datetime, path: str) -> datetime:
    """Return ``value`` in UTC, truncated to milliseconds; reject naive datetimes.

    LRSs store timestamps with millisecond precision; sending more would make our copy differ
    from theirs when a 409 makes us compare them.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidStatementError(path, "naive datetime; pass a time zone (e.g. UTC)")
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def centiseconds(value: timedelta) -> timedelta:
    """Round a duration to 0.01 s, the precision xAPI compares durations at."""
    return timedelta(seconds=round(value.total_seconds(), 2))


def agent(actor: Actor) -> tincan.Agent:
    """Build the tincan agent of ``actor`` with exactly one identifier.

    The account (LMS issuer + pseudonymous id) is the identifier unless the caller passed an
    e-mail address; ``name`` is set only when the caller passed a display name.
    """
    kwargs: dict[str, Any] = {}
    if actor.display_name:
        kwargs["name"] = actor.display_name
    if actor.mbox:
        mbox = actor.mbox if actor.mbox.startswith("mailto:") else f"mailto:{actor.mbox}"
        return tincan.Agent(mbox=mbox, **kwargs)
    account = tincan.AgentAccount(home_page=actor.home_page, name=actor.name)
    return tincan.Agent(account=account, **kwargs)


def verb(verb_id: str) -> tincan.Verb:
    """Build a verb with its Dutch and English display."""
    return tincan.Verb(id=verb_id, display=tincan.LanguageMap(VERB_DISPLAY[verb_id]))


def activity(activity_id: str, activity_type: str, name: str | None = None,
             **definition: Any) -> tincan.Activity:
    """Build an activity with a definition holding its type, an optional Dutch name and more."""
    if name:
        definition["name"] = tincan.LanguageMap({CONTENT_LANGUAGE: name})
    return tincan.Activity(
        id=activity_id,
        definition=tincan.ActivityDefinition(type=activity_type, **definition),
    )


def profile_category(vocab: Vocabulary) -> tincan.Activity:
    """The category activity that marks a statement as following our profile version."""
    return tincan.Activity(id=vocab.profile_version,
                           definition=tincan.ActivityDefinition(type=TYPE_PROFILE))


def context(vocab: Vocabulary, *, registration: Any = None, parent: list | None = None,
            grouping: list | None = None, other: list | None = None,
            extensions: dict[str, Any] | None = None, instructor: Actor | None = None,
            statement_ref: str | None = None, with_platform: bool = True) -> tincan.Context:
    """Build a context with our profile category and the given parts (``None`` parts omitted)."""
    activities = {"category": tincan.ActivityList([profile_category(vocab)])}
    for key, items in (("parent", parent), ("grouping", grouping), ("other", other)):
        if items:
            activities[key] = tincan.ActivityList(items)
    kwargs: dict[str, Any] = {
        "context_activities": tincan.ContextActivities(**activities),
        "language": CONTENT_LANGUAGE,
    }
    if with_platform:
        kwargs["platform"] = PLATFORM
    if registration is not None:
        kwargs["registration"] = registration
    if extensions:
        kwargs["extensions"] = tincan.Extensions(
            {key: value for key, value in extensions.items() if value is not None}
        )
    if instructor is not None:
        kwargs["instructor"] = agent(instructor)
    if statement_ref is not None:
        kwargs["statement"] = tincan.StatementRef(id=statement_ref)
    return tincan.Context(**kwargs)


def to_dict(statement: tincan.Statement) -> dict[str, Any]:
    """Serialise, drop ``version`` (the LRS sets it), validate strictly, and return the dict.

    Raises:
        InvalidStatementError: If the statement breaks our rules (naming the path).
    """
    data = json.loads(statement.to_json())
    data.pop("version", None)
    validate_statement(data)
    return data
