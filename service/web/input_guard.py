"""Input no view should ever see: refused at the edge with a Dutch 4xx, before anything is stored.

- ``<int:...>`` in every route is ``BoundedInt``: an id beyond a 32-bit integer matches no
  route (404), instead of reaching PostgreSQL, which refuses to compare it (a 500).
- A NUL character in the path, a query or form field (name or value) or a JSON body is a 400:
  PostgreSQL cannot store it, and no person types it.
- JSON nested deeper than ``MAX_JSON_DEPTH`` is a 400, instead of a RecursionError.
- ``MAX_CONTENT_LENGTH`` (create_app) caps the body; texts longer than their column are refused
  by the forms and, for any other path, by ``service.limits.refuse_unstorable``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from service.limits import INT_MAX, MAX_JSON_DEPTH, has_nul, json_depth
from service.web.errors import error_response


class BoundedInt(IntegerConverter):
    """``<int:...>``: a positive whole number that fits the database's integer ids (else 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = INT_MAX,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class LimitedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing (``ValueError``: a 400) what nests too deeply to handle."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nests too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nests too deeply")
        return value


def form_id(value: str | None) -> int | None:
    """A submitted id (a form or query field) as a number the database can hold, else ``None``."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= INT_MAX else None


def _nul_in_request() -> bool:
    if "\x00" in request.path:
        return True
    for fields in (request.args, request.form):
        for key, values in fields.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
    if any("\x00" in (f.filename or "") for f in request.files.values()):
        return True
    if request.is_json and request.content_length:
        return has_nul(request.get_json(silent=True))
    return False


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.json = LimitedJSON(app)

    @app.before_request
    def _refuse_nul():
        if _nul_in_request():
            return error_response(400, _("Er staat een teken in de invoer dat niet mag (een NUL-teken). "
                                         "Haal het weg en probeer het opnieuw."))
        return None
