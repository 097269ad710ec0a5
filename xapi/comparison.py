"""Compare a statement we sent with the copy an LRS stored (xAPI 1.0.3, 2.3.1).

After a 409 the client fetches the stored statement and asks ``same_statement``. Differences
that the specification lists as exceptions to immutability are ignored: what the LRS assigns
(``authority``, ``stored``, ``version``), activity definitions and verb displays (not part of
the statement), the serialisation of timestamps (same instant), the order of group members,
attachments, default ``objectType`` values, a single context activity versus a list of one,
and the case of e-mail addresses. Everything else, including ``result.duration`` as a string,
must be equal.
"""

from __future__ import annotations

from datetime import datetime, timezone
import json
from typing import Any

_ASSIGNED_BY_LRS = ("authority", "stored", "version", "attachments")
_DEFAULT_OBJECT_TYPES = ("Agent", "Activity")


def _instant(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat()


def _normalise(node: Any, key: str | None = None) -> Any:
    if isinstance(node, list):
        items = [_normalise(item) for item in node]
        if key == "member":
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    if not isinstance(node, dict):
        return node
    result = {}
    for name, value in node.items():
        if name == "definition" and isinstance(value, dict):
            continue  # activity definitions are not part of the statement
        if name == "objectType" and value in _DEFAULT_OBJECT_TYPES:
            continue
        if name == "display" and key == "verb":
            continue
        if name == "mbox" and isinstance(value, str):
            value = value.lower()
        if key == "contextActivities" and isinstance(value, dict):
            value = [value]
        result[name] = _normalise(value, name)
    return result


def canonical(statement: dict[str, Any]) -> dict[str, Any]:
    """Return the parts of ``statement`` that must not differ between two copies."""
    copy = {key: value for key, value in statement.items() if key not in _ASSIGNED_BY_LRS}
    normalised = _normalise(copy)
    if "timestamp" in normalised:
        normalised["timestamp"] = _instant(normalised["timestamp"])
    return normalised


def same_statement(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Whether the LRS's copy ``theirs`` is the statement ``ours`` under xAPI's comparison rules.

    Note that the LRS fills in ``timestamp`` when a statement has none; ours always have one.
    """
    return canonical(ours) == canonical(theirs)
