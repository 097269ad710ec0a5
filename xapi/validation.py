"""Strict validation of xAPI 1.0.3 statements, stricter than tincan (which accepts garbage).

``validate_statement`` raises ``InvalidStatementError`` at the first problem, with the dotted
path of the field: ``result.score.scaled: 1.5 is outside [-1, 1]``. Messages quote IRIs,
numbers, durations, timestamps and language keys, never agent identifiers or free text.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from xapi.errors import InvalidStatementError

# Scheme, "://", a non-empty authority, then anything without whitespace.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#]+[^\s]*$")
# BCP 47 (RFC 5646) tags, limited to 2-3 letter primary subtags (every registered language has
# one), so "Dutch" is refused even though RFC 5646 reserves 5-8 letter subtags.
_LANGUAGE = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-x(?:-[A-Za-z0-9]{1,8})+)?|x(?:-[A-Za-z0-9]{1,8})+)$"
)
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?:{_NUM}W|(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)$"
)
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
)
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")

INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
     "sequencing", "likert", "numeric", "other"}
)
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_STATEMENT_KEYS = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
     "version", "attachments"}
)
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _fail(path: str, problem: str) -> None:
    raise InvalidStatementError(path, problem)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _g(number: Any, missing: str) -> str:
    return missing if number is None else f"{number:g}"


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _obj(value: Any, path: str, allowed: set[str] | frozenset[str]) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        _fail(_join(path, unknown[0]), "is not an allowed property here")
    return value


def _require(obj: dict, key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        _fail(_join(path, key), "is required")
    return obj[key]


def check_iri(value: Any, path: str) -> None:
    """Raise unless ``value`` is an absolute IRI with a scheme and an authority, no spaces."""
    if not isinstance(value, str) or not _IRI.match(value):
        _fail(path, f"{_show(value)} is not an absolute IRI")


def check_uuid(value: Any, path: str) -> None:
    """Raise unless ``value`` is a UUID in its canonical string form."""
    try:
        ok = isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        ok = False
    if not ok:
        _fail(path, f"{_show(value)} is not a UUID")


def check_timestamp(value: Any, path: str) -> None:
    """Raise unless ``value`` is an ISO 8601 timestamp with a time zone offset (not -00:00)."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        _fail(path, f"{_show(value)} is not an ISO 8601 timestamp with an offset")
    if value.endswith(("-00:00", "-0000")):
        _fail(path, f"{_show(value)} uses the offset -00:00, which xAPI forbids")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(path, f"{_show(value)} is not a real date and time")


def check_duration(value: Any, path: str) -> None:
    """Raise unless ``value`` is an ISO 8601 duration such as ``PT7M30S``."""
    if not isinstance(value, str) or not _DURATION.match(value):
        _fail(path, f"{_show(value)} is not an ISO 8601 duration")


def check_language_map(value: Any, path: str) -> None:
    """Raise unless ``value`` maps BCP 47 language tags to strings."""
    if not isinstance(value, dict) or not value:
        _fail(path, "must be a non-empty language map")
    for key, text in value.items():
        if not isinstance(key, str) or not _LANGUAGE.match(key):
            _fail(path, f"{_show(key)} is not a BCP 47 language tag")
        if not isinstance(text, str):
            _fail(_join(path, key), "must be a string")


def _extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    for key in value:
        if not isinstance(key, str) or not _IRI.match(key):
            _fail(path, f"key {_show(key)} is not an absolute IRI")


def _agent(value: Any, path: str, *, group_allowed: bool = True) -> None:
    obj = _obj(value, path, {"objectType", "name", "member", *_IFIS})
    kind = obj.get("objectType", "Agent")
    if kind == "Group" and group_allowed:
        members = obj.get("member")
        if members is not None:
            if not isinstance(members, list):
                _fail(_join(path, "member"), "must be a list")
            for index, member in enumerate(members):
                _agent(member, _join(_join(path, "member"), index), group_allowed=False)
        ifis = [key for key in _IFIS if key in obj]
        if len(ifis) > 1:
            _fail(path, f"has {len(ifis)} identifiers ({', '.join(ifis)}); a group has at most one")
        if not ifis and not members:
            _fail(path, "an anonymous group needs members")
    elif kind == "Agent":
        if "member" in obj:
            _fail(_join(path, "member"), "is not an allowed property of an Agent")
        ifis = [key for key in _IFIS if key in obj]
        if len(ifis) != 1:
            _fail(path, f"has {len(ifis)} identifiers ({', '.join(ifis) or 'none'}); "
                        "an agent has exactly one")
    else:
        _fail(_join(path, "objectType"), f"{_show(kind)} is not Agent or Group here")
    if "name" in obj and not isinstance(obj["name"], str):
        _fail(_join(path, "name"), "must be a string")
    if "mbox" in obj and not (isinstance(obj["mbox"], str) and _MAILTO.match(obj["mbox"])):
        _fail(_join(path, "mbox"), "must be a mailto: IRI")
    if "mbox_sha1sum" in obj and not (isinstance(obj["mbox_sha1sum"], str)
                                      and _SHA1.match(obj["mbox_sha1sum"])):
        _fail(_join(path, "mbox_sha1sum"), "must be 40 lowercase hex digits")
    if "openid" in obj:
        check_iri(obj["openid"], _join(path, "openid"))
    if "account" in obj:
        account_path = _join(path, "account")
        account = _obj(obj["account"], account_path, {"homePage", "name"})
        check_iri(_require(account, "homePage", account_path), _join(account_path, "homePage"))
        name = _require(account, "name", account_path)
        if not isinstance(name, str) or not name:
            _fail(_join(account_path, "name"), "must be a non-empty string")


def _definition(value: Any, path: str) -> None:
    obj = _obj(value, path, {"name", "description", "type", "moreInfo", "extensions",
                             "interactionType", "correctResponsesPattern", *_COMPONENT_LISTS})
    for key in ("name", "description"):
        if key in obj:
            check_language_map(obj[key], _join(path, key))
    for key in ("type", "moreInfo"):
        if key in obj:
            check_iri(obj[key], _join(path, key))
    if "extensions" in obj:
        _extensions(obj["extensions"], _join(path, "extensions"))
    kind = obj.get("interactionType")
    if kind is not None and kind not in INTERACTION_TYPES:
        _fail(_join(path, "interactionType"), f"{_show(kind)} is not an interaction type")
    pattern = obj.get("correctResponsesPattern")
    if pattern is not None and not (isinstance(pattern, list)
                                    and all(isinstance(item, str) for item in pattern)):
        _fail(_join(path, "correctResponsesPattern"), "must be a list of strings")
    for key in _COMPONENT_LISTS:
        if key not in obj:
            continue
        if kind is None:
            _fail(_join(path, key), "needs an interactionType")
        items, seen = obj[key], set()
        if not isinstance(items, list):
            _fail(_join(path, key), "must be a list")
        for index, item in enumerate(items):
            item_path = _join(_join(path, key), index)
            component = _obj(item, item_path, {"id", "description"})
            component_id = _require(component, "id", item_path)
            if not isinstance(component_id, str) or not component_id or component_id in seen:
                _fail(_join(item_path, "id"), "must be a unique non-empty string")
            seen.add(component_id)
            if "description" in component:
                check_language_map(component["description"], _join(item_path, "description"))


def _activity(value: Any, path: str) -> None:
    obj = _obj(value, path, {"objectType", "id", "definition"})
    if obj.get("objectType", "Activity") != "Activity":
        _fail(_join(path, "objectType"), "must be Activity")
    check_iri(_require(obj, "id", path), _join(path, "id"))
    if "definition" in obj:
        _definition(obj["definition"], _join(path, "definition"))


def _statement_ref(value: Any, path: str) -> None:
    obj = _obj(value, path, {"objectType", "id"})
    if obj.get("objectType") != "StatementRef":
        _fail(_join(path, "objectType"), "must be StatementRef")
    check_uuid(_require(obj, "id", path), _join(path, "id"))


def _object(value: Any, path: str, *, in_substatement: bool = False) -> str:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        _activity(value, path)
    elif kind in ("Agent", "Group"):
        _agent(value, path)
    elif kind == "StatementRef":
        _statement_ref(value, path)
    elif kind == "SubStatement" and not in_substatement:
        sub = _obj(value, path, {"objectType", "actor", "verb", "object", "result", "context",
                                 "timestamp"})
        _core(sub, path, in_substatement=True)
    else:
        _fail(_join(path, "objectType"), f"{_show(kind)} is not allowed here")
    return kind


def _score(value: Any, path: str) -> None:
    obj = _obj(value, path, {"scaled", "raw", "min", "max"})
    for key, number in obj.items():
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            _fail(_join(path, key), f"{_show(number)} is not a number")
    if "scaled" in obj and not -1 <= obj["scaled"] <= 1:
        _fail(_join(path, "scaled"), f"{obj['scaled']:g} is outside [-1, 1]")
    low, high = obj.get("min"), obj.get("max")
    if low is not None and high is not None and not low < high:
        _fail(_join(path, "max"), f"{high:g} is not greater than min {low:g}")
    raw = obj.get("raw")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        _fail(_join(path, "raw"), f"{raw:g} is outside [{_g(low, '-inf')}, {_g(high, 'inf')}]")


def _result(value: Any, path: str) -> None:
    obj = _obj(value, path, {"score", "success", "completion", "response", "duration",
                             "extensions"})
    if "score" in obj:
        _score(obj["score"], _join(path, "score"))
    for key in ("success", "completion"):
        if key in obj and not isinstance(obj[key], bool):
            _fail(_join(path, key), "must be true or false")
    if "response" in obj and not isinstance(obj["response"], str):
        _fail(_join(path, "response"), "must be a string")
    if "duration" in obj:
        check_duration(obj["duration"], _join(path, "duration"))
    if "extensions" in obj:
        _extensions(obj["extensions"], _join(path, "extensions"))


def _context(value: Any, path: str, object_kind: str) -> None:
    obj = _obj(value, path, {"registration", "instructor", "team", "contextActivities",
                             "revision", "platform", "language", "statement", "extensions"})
    if "registration" in obj:
        check_uuid(obj["registration"], _join(path, "registration"))
    if "instructor" in obj:
        _agent(obj["instructor"], _join(path, "instructor"))
    if "team" in obj:
        if not isinstance(obj["team"], dict) or obj["team"].get("objectType") != "Group":
            _fail(_join(path, "team"), "must be a Group")
        _agent(obj["team"], _join(path, "team"))
    for key in ("revision", "platform"):
        if key in obj:
            if object_kind != "Activity":
                _fail(_join(path, key), "is only allowed when the object is an Activity")
            if not isinstance(obj[key], str):
                _fail(_join(path, key), "must be a string")
    if "language" in obj and not (isinstance(obj["language"], str)
                                  and _LANGUAGE.match(obj["language"])):
        _fail(_join(path, "language"), f"{_show(obj['language'])} is not a BCP 47 language tag")
    if "statement" in obj:
        _statement_ref(obj["statement"], _join(path, "statement"))
    if "extensions" in obj:
        _extensions(obj["extensions"], _join(path, "extensions"))
    if "contextActivities" in obj:
        ca_path = _join(path, "contextActivities")
        activities = _obj(obj["contextActivities"], ca_path,
                          {"parent", "grouping", "category", "other"})
        for key, items in activities.items():
            items = items if isinstance(items, list) else [items]
            for index, item in enumerate(items):
                _activity(item, _join(_join(ca_path, key), index))


def _core(obj: dict, path: str, *, in_substatement: bool = False) -> None:
    _agent(_require(obj, "actor", path), _join(path, "actor"))
    verb_path = _join(path, "verb")
    verb = _obj(_require(obj, "verb", path), verb_path, {"id", "display"})
    check_iri(_require(verb, "id", verb_path), _join(verb_path, "id"))
    if "display" in verb:
        check_language_map(verb["display"], _join(verb_path, "display"))
    kind = _object(_require(obj, "object", path), _join(path, "object"),
                   in_substatement=in_substatement)
    if verb["id"] == VOIDED and kind != "StatementRef":
        _fail(_join(path, "object"), "a voiding statement must target a StatementRef")
    if "result" in obj:
        _result(obj["result"], _join(path, "result"))
    if "context" in obj:
        _context(obj["context"], _join(path, "context"), kind)
    if "timestamp" in obj:
        check_timestamp(obj["timestamp"], _join(path, "timestamp"))


def validate_statement(statement: Any, *, require_id: bool = True,
                       require_timestamp: bool = True) -> None:
    """Check one statement against the xAPI 1.0.3 rules we rely on.

    Args:
        statement: The statement as a JSON-ready dict.
        require_id: Whether ``id`` must be present (ours always have one).
        require_timestamp: Whether ``timestamp`` must be present (ours always have one).

    Raises:
        InvalidStatementError: At the first problem, naming its path.
    """
    obj = _obj(statement, "", _STATEMENT_KEYS)
    if require_id:
        _require(obj, "id", "")
    if "id" in obj:
        check_uuid(obj["id"], "id")
    if require_timestamp:
        _require(obj, "timestamp", "")
    _core(obj, "")
    if "stored" in obj:
        check_timestamp(obj["stored"], "stored")
    if "authority" in obj:
        _agent(obj["authority"], "authority")
    if "version" in obj and not (isinstance(obj["version"], str)
                                 and re.match(r"^1\.0(\.\d+)?$", obj["version"])):
        _fail("version", f"{_show(obj['version'])} is not a 1.0.x version")
