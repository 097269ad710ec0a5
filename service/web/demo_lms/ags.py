"""AGS of the demo platform: client-credentials token, line items and the gradebook."""

from __future__ import annotations

import logging
from typing import Any

from flask import jsonify, request

from service.operations import grades
from service.web.security import csrf

import jwt  # only imported when lti1p3platform (and so PyJWT) is installed: see __init__

from service.web.demo_lms.platform import (
    CLIENT_ID, COURSE_ID, LINEITEM_SCOPES, PEOPLE, SCORE_SCOPE, _course_tests, bp, platform,
)

logger = logging.getLogger(__name__)


# --- AGS: token endpoint, line items and scores -------------------------------------------------


@bp.post("/token")
@csrf.exempt
def token():
    """OAuth2 client credentials with a JWT client assertion signed by the tool's key."""
    form = request.form.to_dict()
    try:
        answer = platform().conf().get_access_token(form)  # checks the assertion's signature
        assertion = jwt.decode(form["client_assertion"], options={"verify_signature": False})
    except Exception as exc:  # lti1p3platform raises many kinds; all mean a bad client
        return jsonify({"error": "invalid_client", "detail": type(exc).__name__}), 400
    if assertion.get("iss") != CLIENT_ID or assertion.get("sub") != CLIENT_ID:
        return jsonify({"error": "invalid_client", "detail": "iss/sub"}), 400
    return jsonify(answer)


def _authorised(*scopes: str):
    """``None`` when the bearer token is ours and holds one of ``scopes``, else an error response."""
    header = request.headers.get("Authorization", "")
    bearer = header[len("Bearer "):] if header.startswith("Bearer ") else ""
    try:
        allowed = bool(bearer) and platform().conf().validate_token(bearer, allowed_scopes=list(scopes))
    except Exception:  # expired, wrong issuer or a bad signature
        allowed = False
    return None if allowed else (jsonify({"error": "invalid_token"}), 401)


def _lineitem(code: str, title: str) -> dict[str, Any]:
    return {"id": platform().lineitem_url(code), "label": title, "scoreMaximum": grades.SCORE_MAXIMUM,
            "resourceLinkId": f"plaatsing-{code}", "resourceId": code, "tag": grades.tag_for(code)}


@bp.route(f"/ags/{COURSE_ID}/lineitems", methods=["GET", "POST"])
@csrf.exempt
def lineitems():
    """One line item per placement (a test); they exist already, so POST returns the match."""
    refused = _authorised(*LINEITEM_SCOPES)
    if refused:
        return refused
    items = [_lineitem(code, title) for code, title in sorted(_course_tests().items())]
    if request.method == "POST":
        wanted = (request.get_json(force=True, silent=True) or {}).get("resourceId")
        found = [i for i in items if i["resourceId"] == wanted]
        return (jsonify(found[0]), 201) if found else (jsonify({"error": "unknown resourceId"}), 400)
    for name, key in (("tag", "tag"), ("resource_id", "resourceId"), ("resource_link_id", "resourceLinkId")):
        if request.args.get(name):
            items = [i for i in items if i[key] == request.args[name]]
    return jsonify(items)


@bp.get(f"/ags/{COURSE_ID}/lineitems/<code>")
@csrf.exempt
def lineitem(code: str):
    refused = _authorised(*LINEITEM_SCOPES)
    if refused:
        return refused
    title = _course_tests().get(code)
    return jsonify(_lineitem(code, title)) if title else (jsonify({"error": "no such line item"}), 404)


@bp.post(f"/ags/{COURSE_ID}/lineitems/<code>/scores")
@csrf.exempt
def scores(code: str):
    """A score for the gradebook; like Moodle: 400 for someone who is not a learner, 409 when old."""
    refused = _authorised(SCORE_SCOPE)
    if refused:
        return refused
    if code not in _course_tests():
        return jsonify({"error": "no such line item"}), 404
    score = request.get_json(force=True, silent=True) or {}
    learners = {p.sub for p in PEOPLE if p.learner}
    if str(score.get("userId")) not in learners:
        return jsonify({"error": "user is not gradable"}), 400
    try:
        status = platform().record_score(code, score)
    except (KeyError, TypeError, ValueError):
        return jsonify({"error": "malformed score"}), 400
    if status == 409:
        return jsonify({"error": "timestamp not newer than the last score"}), 409
    logger.info("Demo LMS received a score for %s", code)
    return "", 204

