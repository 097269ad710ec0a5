"""Limits of stored values, read from the columns themselves, and the last guard before a write.

Forms and schemas take their maximum lengths from here (``column_length``), so a form never
allows more than its column holds. ``refuse_unstorable`` runs before every flush: a text
longer than its column, a NUL character (PostgreSQL refuses it, SQLite would keep it), or an
integer beyond a 32-bit column becomes a 422 with a Dutch message, the transaction rolls back,
and nothing is stored: on SQLite and on PostgreSQL alike, whatever path the value came by.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.errors import InvalidInputError
from service.i18n_markers import N_

#: the range of a PostgreSQL ``integer`` (our ids and counts)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: how deep JSON may nest in a request or a JSON column (answers are a list at most)
MAX_JSON_DEPTH = 32


def column_length(attribute: InstrumentedAttribute) -> int:
    """The maximum length of a ``String(n)`` column, e.g. ``column_length(m.Person.name)`` is 200.

    Raises:
        TypeError: when the column has no length (``Text``), so a caller cannot forget a limit.
    """
    length = getattr(attribute.property.columns[0].type, "length", None)
    if not length:
        raise TypeError(f"{attribute} has no maximum length")
    return length


def has_nul(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` (a text or JSON-like data) holds a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > MAX_JSON_DEPTH:
        return False  # json_depth refuses these
    if isinstance(value, dict):
        return any(has_nul(k, depth + 1) or has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v, depth + 1) for v in value)
    return False


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests (a scalar is 0, ``[1]`` is 1), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def problems(row: object) -> dict[str, list[str]]:
    """What in ``row`` its table cannot store, per column (English, for logs and JSON callers)."""
    found: dict[str, list[str]] = {}
    state = inspect(row)
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        value = state.dict.get(attr.key)
        if value is None:
            continue
        kind = column.type
        if isinstance(value, str):
            if "\x00" in value:
                found.setdefault(attr.key, []).append("contains a NUL character")
            length = getattr(kind, "length", None)
            if isinstance(kind, String) and length and len(value) > length:
                found.setdefault(attr.key, []).append(f"longer than {length} characters")
        elif isinstance(kind, JSON) and (has_nul(value) or json_depth(value) > MAX_JSON_DEPTH):
            found.setdefault(attr.key, []).append("contains a NUL character or nests too deeply")
        elif isinstance(kind, Integer) and not isinstance(kind, BigInteger) and isinstance(value, int) \
                and not INT_MIN <= value <= INT_MAX:
            found.setdefault(attr.key, []).append("out of range")
    return found


def refuse_unstorable(session: Session, flush_context=None, instances=None) -> None:
    """``before_flush`` listener: refuse the whole write when one value cannot be stored.

    Raises:
        InvalidInputError: naming the columns; the caller's transaction then rolls back.
    """
    refuse((*session.new, *session.dirty))


def refuse(rows: Iterable[object]) -> None:
    """Refuse ``rows`` (mapped objects) when one value cannot be stored; the guard of a flush,
    for a write that goes past the unit of work (an ``INSERT ... ON CONFLICT`` built from them).

    Raises:
        InvalidInputError: naming the columns.
    """
    errors: dict[str, list[str]] = {}
    for row in rows:
        for key, messages in problems(row).items():
            errors.setdefault(f"{type(row).__name__}.{key}", []).extend(messages)
    if errors:
        raise InvalidInputError(
            N_("Een van de ingevulde teksten of getallen past niet: te lang, te groot of met een teken "
               "dat niet mag. Maak het korter en probeer het opnieuw."),
            errors,
        )
