"""Optional English next to the Dutch texts of a content file: all of it or none of it.

Every text field ``x`` of the format may have a sibling ``x_en`` with the same shape: a string
for a string, a list of the same length for a list (``steps_en``), a mapping with the same keys
for a mapping (``levels_en``). A schema lists its text fields in ``TRANSLATED``.

``english_problems`` walks a file's raw YAML next to its schema. When any text of the file has
English, every text must have it; a half-translated file would show a page half in Dutch.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

SUFFIX = "_en"
MISSING = "no English, while other texts in this file have it: give English for every text, or for none"


def english_text() -> fields.String:
    """The ``x_en`` field next to a text ``x``: optional, but not empty when given."""
    return fields.String(load_default="", validate=validate.Length(min=1, error="English text must not be empty"))


def _has(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def _nested(field: fields.Field) -> tuple[type[Schema] | None, bool]:
    """(schema class, is a list) for a nested field; (None, False) for anything else."""
    many = isinstance(field, fields.List)
    inner = field.inner if many else field
    if isinstance(inner, fields.Nested):
        nested = inner.nested
        return (nested if isinstance(nested, type) else type(nested)), many
    return None, False


def _check_text(name: str, raw: dict, path: str, found: list, problems: list) -> None:
    dutch, english = raw.get(name), raw.get(name + SUFFIX)
    where = f"{path}.{name}{SUFFIX}" if path else name + SUFFIX
    if not _has(dutch):
        if _has(english):
            problems.append((where, f"English without a Dutch '{name}'"))
        return
    if english is None:
        found.append((where, False))
        return
    found.append((where, True))
    if isinstance(dutch, list) and isinstance(english, list) and len(english) != len(dutch):
        problems.append((where, f"needs {len(dutch)} English texts, one per Dutch text in '{name}', not {len(english)}"))
    elif isinstance(dutch, dict) and isinstance(english, dict):
        for key in dutch:
            if key not in english:
                found.append((f"{where}.{key}", False))


def _walk(schema: type[Schema], raw: Any, path: str, found: list, problems: list) -> None:
    if not isinstance(raw, dict):
        return
    for name in getattr(schema, "TRANSLATED", ()):
        _check_text(name, raw, path, found, problems)
    for name, field in schema._declared_fields.items():
        nested, many = _nested(field)
        if nested is None or name not in raw:
            continue
        where = f"{path}.{name}" if path else name
        if many and isinstance(raw[name], list):
            for index, entry in enumerate(raw[name]):
                _walk(nested, entry, f"{where}[{index}]", found, problems)
        elif not many:
            _walk(nested, raw[name], where, found, problems)


def english_problems(schema: type[Schema], raw: Any) -> list[tuple[str, str]]:
    """(path, reason) for English that is incomplete or misplaced in one file's raw data."""
    found: list[tuple[str, bool]] = []
    problems: list[tuple[str, str]] = []
    _walk(schema, raw, "", found, problems)
    if any(has for _, has in found):
        problems.extend((path, MISSING) for path, has in found if not has)
    return problems
