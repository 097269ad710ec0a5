"""``/xapi/...``: every IRI we mint in our xAPI Profile resolves to its definition.

JSON-LD by default and for ``Accept: application/ld+json``; a browser (preferring HTML) gets
a readable page with the label and definition in its language and the JSON-LD below it.

The profile IRI and its version IRI (the category activity of every statement) answer with the
whole profile; an activity type, extension, statement template or pattern answers with its own
definition. Anything else under ``/xapi/`` is not ours to define and answers 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, make_response, render_template, request

from service.web import current_settings
from xapi.vocabulary import profile_definition

bp = Blueprint("xapi_profile", __name__)

JSON_LD = "application/ld+json"


@bp.get("/xapi/<path:rest>")
def definition(rest: str):
    """The JSON-LD definition of ``{base_url}/xapi/{rest}``, or 404 when the profile has none."""
    base_url = current_settings().base_url.rstrip("/")
    found = profile_definition(base_url, f"{base_url}/xapi/{rest}")
    if found is None:
        abort(404)
    if request.accept_mimetypes.best_match([JSON_LD, "application/json", "text/html"]) == "text/html":
        response = make_response(render_template("xapi/definition.html", definition=found))
    else:
        response = jsonify(found)
        response.mimetype = JSON_LD
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"  # profile tools fetch IRIs from anywhere
    return response
