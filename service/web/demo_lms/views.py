"""The demo course page, the OIDC authorization endpoint that signs id_tokens, deep linking return."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from service.operations import catalogue, launches
from service.web import current_db
from service.web.security import csrf

import jwt  # only imported when lti1p3platform (and so PyJWT) is installed: see __init__

from service.web.demo_lms.adapter import FlaskRequest, OIDCLogin
from service.web.demo_lms.platform import (
    ADD_TEST, ADMIN, CLAIM, CLIENT_ID, COURSE_ID, COURSE_LABEL, COURSE_OFFERING, DATA_SALT, DEPLOYMENT_ID,
    DL_CLAIM, HINT_MAX_AGE, HINT_SALT, ID_TOKEN_LIFETIME, INSTITUTION_ADMIN, INSTRUCTOR, OPEN_TEST, PEOPLE,
    PEOPLE_BY_KEY, DemoPlatform, LmsPerson, _course_tests, _ensure_registered, _MessageLaunch,
    bp, platform,
)

logger = logging.getLogger(__name__)


# --- the course page ----------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


@dataclass(frozen=True)
class LoginForm:
    """A login initiation form: posting it to the tool starts an LTI launch."""

    action: str
    fields: dict[str, str]


def login_form(lms: DemoPlatform, person: LmsPerson, action: str, test_code: str | None = None,
               steps: bool = False) -> LoginForm:
    """The third-party login initiation for ``person`` doing ``action``, built by lti1p3platform.

    ``lti_message_hint`` carries what to launch, signed, so ``/auth`` can trust it without state.
    """
    hint = _serializer(HINT_SALT).dumps({"p": person.key, "a": action, "t": test_code, "s": steps})
    login = OIDCLogin(None, lms.conf())
    login.set_lti_message_hint(hint=hint)
    url = login.prepare_preflight_url(person.sub)
    parts = urlsplit(url)
    return LoginForm(action=f"{parts.scheme}://{parts.netloc}{parts.path}", fields=dict(parse_qsl(parts.query)))


@bp.get("")
def course():
    """The course page: pick a person, then open a test, add one (teacher) or go to admin."""
    lms = platform()
    person = PEOPLE_BY_KEY.get(request.args.get("als", ""), PEOPLE[0])
    steps = request.args.get("stappen") == "1"
    organisation_name = _ensure_registered(lms)
    with current_db().begin() as db_session:
        tests = catalogue.active_tests(db_session)
        placements = [
            {"code": t.code, "title": t.current_version.title, "description": t.current_version.description,
             "minutes": t.current_version.minutes, "form": login_form(lms, person, OPEN_TEST, t.code, steps)}
            for t in tests
        ]
        titles = {t.code: t.current_version.title for t in tests}
    names = {p.sub: p.name for p in PEOPLE}
    scores = [dict(s, name=names.get(s["user"], s["user"]), title=titles.get(s["test"], s["test"]),
                   received_at=datetime.fromisoformat(s["received"]).astimezone()) for s in lms.scores()]
    return render_template(
        "demo_lms/course.html", people=PEOPLE, person=person, placements=placements, steps=steps,
        organisation_name=organisation_name, scores=scores,
        add_form=login_form(lms, person, ADD_TEST, steps=steps) if INSTRUCTOR in person.roles else None,
        admin_form=login_form(lms, person, ADMIN, steps=steps) if INSTITUTION_ADMIN in person.roles else None,
        hr_form=login_form(lms, person, ADMIN, steps=steps) if "hr" in person.tool_roles.split(",") else None,
        manager_form=login_form(lms, person, ADMIN, steps=steps) if person.sourcedid else None,
        other_host=request.host_url.rstrip("/") != lms.base_url, base_url=lms.base_url)


@bp.get("/")
def course_slash():
    return redirect(url_for(".course", **request.args))


# --- the OIDC authorization endpoint: sign the id_token -------------------------------------------


def _refuse(reason: str):
    logger.warning("Demo LMS refused an auth request: %s", reason)
    message = _("De demo-leeromgeving kon Digitoets niet openen (%(reason)s). Begin opnieuw op de cursuspagina.",
                reason=reason)
    return render_template("demo_lms/refused.html", message=message), 400


@bp.route("/auth", methods=["GET", "POST"])
@csrf.exempt
def auth():
    """The tool's OIDC authorization request; answer with the signed launch, auto-posted."""
    lms = platform()
    params = request.values
    tool = current_app.extensions["digitoets.lti"]
    expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                "client_id": CLIENT_ID, "redirect_uri": tool.url(url_for("lti.launch"))}
    for name, value in expected.items():
        if params.get(name) != value:
            return _refuse(f"invalid {name}")
    if not params.get("nonce") or not params.get("state"):
        return _refuse("no nonce or state")
    try:
        spec = _serializer(HINT_SALT).loads(params.get("lti_message_hint", ""), max_age=HINT_MAX_AGE)
    except BadSignature:
        return _refuse("unknown or expired lti_message_hint")
    person = PEOPLE_BY_KEY.get(spec.get("p"))
    if person is None or params.get("login_hint") != person.sub:
        return _refuse("login_hint does not match")
    return _launch(lms, person, spec)


def _launch(lms: DemoPlatform, person: LmsPerson, spec: dict[str, Any]):
    launch = _MessageLaunch(FlaskRequest(request), lms.conf())
    launch.show_steps = bool(spec.get("s"))
    launch.set_id_token_expiration(ID_TOKEN_LIFETIME)
    launch.set_user_data(person.sub, list(person.roles), full_name=person.name, email_address=person.email)
    launch.set_extra_claims({
        "given_name": person.given_name, "family_name": person.family_name,
        CLAIM + "launch_presentation": {"document_target": "window", "locale": "nl-NL",
                                        "return_url": f"{lms.issuer}?als={person.key}"},
        CLAIM + "tool_platform": {"guid": lms.issuer, "name": _("Demo-leeromgeving"),
                                  "product_family_code": "digitoets-demo-lms"},
        **({CLAIM + "lis": {"person_sourcedid": person.sourcedid}} if person.sourcedid else {}),
    })
    launch.set_launch_context_claim(COURSE_ID, context_types=[COURSE_OFFERING],
                                    context_title=_("Digitaal werken in de zorg"), context_label=COURSE_LABEL)
    custom = {"digitoets_function": person.function} if person.function else {}
    if person.tool_roles:
        custom["digitoets_roles"] = person.tool_roles
    action, code = spec.get("a"), spec.get("t")
    if action == OPEN_TEST and code:
        custom[launches.TEST_PARAMETER] = code
        launch.set_resource_link_claim(f"plaatsing-{code}", title=_course_tests().get(code, code))
        launch.set_ags(lms.lineitems_url, lms.lineitem_url(code), allow_creating_lineitems=False,
                       results_service_enabled=False)
    elif action == ADD_TEST:
        data = _serializer(DATA_SALT).dumps({"p": person.key, "c": COURSE_ID})
        launch.set_dl(lms.return_url, title=_("Toets toevoegen aan de cursus"), accept_types={"ltiResourceLink"},
                      extra_data=data)  # type: ignore[arg-type] - data is a string in the spec
    elif action == ADMIN:
        launch.set_resource_link_claim("digitoets-beheer", title=_("Digitoets-beheer"))
    else:
        return _refuse("unknown action")
    if custom:
        launch.set_custom_parameters_claim(custom)
    try:
        return launch.lti_launch()
    except Exception as exc:  # lti1p3platform raises several kinds for a bad auth request
        return _refuse(type(exc).__name__)


@bp.get("/jwks")
def jwks():
    """The platform's public key set (the registration keeps a copy of it)."""
    return jsonify(platform().jwks())


# --- deep linking: the tool's answer ------------------------------------------------------------


@bp.post("/deep-linking-return")
@csrf.exempt
def deep_linking_return():
    """Verify the tool's deep linking response with its key set and show what it sent."""
    lms = platform()
    token = request.form.get("JWT", "")
    try:
        items = lms.conf().validate_deeplinking_resp({"JWT": token})  # signature (tool JWKS), type
        claims = jwt.decode(token, options={"verify_signature": False})  # verified just above
    except Exception as exc:  # lti1p3platform and PyJWT raise many kinds for a bad token
        return _refuse_response(type(exc).__name__)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if claims.get("iss") != CLIENT_ID or lms.issuer not in audiences:
        return _refuse_response("wrong iss or aud")
    if claims.get(CLAIM + "deployment_id") != DEPLOYMENT_ID:
        return _refuse_response("wrong deployment_id")
    try:
        data = _serializer(DATA_SALT).loads(claims.get(DL_CLAIM + "data") or "", max_age=HINT_MAX_AGE)
    except BadSignature:
        return _refuse_response("data not echoed")
    person = PEOPLE_BY_KEY.get(data.get("p"), PEOPLE[1])
    links = [{"title": item.get("title") or "", "text": item.get("text") or "",
              "test": (item.get("custom") or {}).get(launches.TEST_PARAMETER),
              "line_item": item.get("lineItem")} for item in items]
    logger.info("Demo LMS received %s link(s) by deep linking", len(links))
    return render_template("demo_lms/deep_linking_return.html", links=links, person=person,
                           message=claims.get(DL_CLAIM + "msg"))


def _refuse_response(reason: str):
    logger.warning("Demo LMS refused a deep linking response: %s", reason)
    message = _("De demo-leeromgeving heeft het antwoord van Digitoets geweigerd (%(reason)s).", reason=reason)
    return render_template("demo_lms/refused.html", message=message), 400


