"""Demo LMS (development only): a course page that is a real LTI 1.3 platform for this tool.

``make run`` turns it on (``DIGITOETS_DEV_LOGIN=1``): ``/dev/lms`` shows the course "Digitaal
werken in de zorg" of the demo organisation. Each button is a placement or an action of a
platform, and launches the tool the way Moodle does, in the browser and with nothing faked:

1. the course page holds the third-party login initiation form (iss, login_hint,
   lti_message_hint, target_link_uri, client_id, lti_deployment_id), posted to ``/lti/login``;
2. the tool answers with the OIDC authorization request: a redirect to ``/dev/lms/auth``;
3. ``/dev/lms/auth`` checks that request, builds the id_token with lti1p3platform (roles, a
   stable ``sub`` per demo person, name, email, course, placement, custom parameters, AGS or
   deep linking claims), signs it with the platform's own RSA key and auto-posts it to
   ``/lti/launch``, where the tool validates it like any other launch.

A teacher's "add a test" is an ``LtiDeepLinkingRequest``; the tool's answer comes back to
``/dev/lms/deep-linking-return``, which verifies the JWT with the tool's key set. Scores that
``digitoets lti send-scores`` delivers (AGS, client credentials at ``/dev/lms/token``) land in
a small gradebook file and show on the course page.

The platform's key lives in ``<instance>/demo-lms-key.pem`` (made once, never in the
repository). On first use the platform registers itself for the demo organisation with its key
set stored on the registration, so the tool never calls itself over HTTP during a launch.
lti1p3platform is a development dependency: without it this blueprint is not registered.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti.keys import generate_key, key_from_pem
from lti.registration import ToolKey
from lti.tool_conf import public_pem
from service import models as m
from service.errors import ConflictError
from service.operations import demo, grades
from service.operations import lti as lti_ops
from service.web import current_db, current_settings
from service.web.auth import now
from service.web.security import csrf

try:
    import jwt
    from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
    from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
    from lti1p3platform.oidc_login import OIDCLoginAbstract
    from lti1p3platform.registration import Registration as PlatformRegistration
    from lti1p3platform.request import Request as PlatformRequest
except ImportError:  # a production install has no dev dependencies
    PlatformRegistration = None  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

PREFIX = "/dev/lms"
CLIENT_ID = "digitoets-demo"
DEPLOYMENT_ID = "demo-deployment"
REGISTRATION_NAME = "Demo-leeromgeving (ontwikkelen)"
KEY_FILE = "demo-lms-key.pem"
GRADEBOOK_FILE = "demo-lms-gradebook.json"
EXTENSION = "digitoets.demo_lms"
HINT_SALT = "digitoets-demo-lms-hint"
DATA_SALT = "digitoets-demo-lms-deep-linking"
HINT_MAX_AGE = 12 * 3600  # a course page may stay open for a working day
ID_TOKEN_LIFETIME = 120
COURSE_ID = "digitaal-werken-in-de-zorg"
COURSE_LABEL = "DWZ"

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
COURSE_OFFERING = LIS + "course#CourseOffering"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                   "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly")

#: what a button on the course page asks the tool for
OPEN_TEST, ADD_TEST, ADMIN = "toets", "kiezen", "beheer"

bp = Blueprint("demo_lms", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class LmsPerson:
    """Someone in the demo course; ``sub`` stays the same in every launch."""

    key: str
    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]
    function: str | None  # the HR function code the LMS sends (custom digitoets_function)

    @property
    def learner(self) -> bool:
        return LEARNER in self.roles

    def role_label(self) -> str:
        return {"ans": _("Medewerker"), "docent": _("Docent"), "beheerder": _("Beheerder")}[self.key]


PEOPLE = (
    LmsPerson("ans", "lms-ans-de-vries", "Ans de Vries", "Ans", "de Vries", "ans.devries@delinde.example",
              (LEARNER,), "VIG"),
    LmsPerson("docent", "lms-karin-mulder", "Karin Mulder", "Karin", "Mulder", "karin.mulder@delinde.example",
              (INSTRUCTOR,), "MBOV"),
    LmsPerson("beheerder", "lms-sanne-visser", "Sanne Visser", "Sanne", "Visser", "sanne.visser@delinde.example",
              (INSTITUTION_ADMIN,), "TL"),
)
PEOPLE_BY_KEY = {p.key: p for p in PEOPLE}


def init_app(app: Flask) -> None:
    """Register the demo LMS when lti1p3platform (a development dependency) is installed."""
    if PlatformRegistration is None:
        logger.info("Demo LMS (%s) is off: lti1p3platform is not installed (pip install -e '.[dev]')", PREFIX)
        return
    app.register_blueprint(bp)


@bp.before_request
def _only_when_enabled():
    settings = current_settings()
    if not settings.dev_login or settings.env == "production":
        abort(404)


# --- the platform: key, URLs, lti1p3platform configuration ---------------------------------


class DemoPlatform:
    """The demo LMS of one app: issuer, key (made once in the instance folder) and gradebook."""

    def __init__(self, base_url: str, instance_path: Path):
        self.base_url = base_url.rstrip("/")
        self.issuer = self.base_url + PREFIX
        self.key_path = Path(instance_path) / KEY_FILE
        self.gradebook_path = Path(instance_path) / GRADEBOOK_FILE
        self._key: ToolKey | None = None
        self._lock = threading.Lock()

    auth_url = property(lambda self: self.issuer + "/auth")
    token_url = property(lambda self: self.issuer + "/token")
    jwks_url = property(lambda self: self.issuer + "/jwks")
    return_url = property(lambda self: self.issuer + "/deep-linking-return")
    lineitems_url = property(lambda self: f"{self.issuer}/ags/{COURSE_ID}/lineitems")

    def lineitem_url(self, code: str) -> str:
        return f"{self.lineitems_url}/{code}"

    @property
    def key(self) -> ToolKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = _load_or_create_key(self.key_path)
        return self._key

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [dict(self.key.public_jwk)]}

    def conf(self) -> "_PlatformConf":
        """lti1p3platform's configuration: this platform and the tool, whose key set is read
        in-process (the tool's key folder), never over HTTP."""
        tool = current_app.extensions["digitoets.lti"]
        launch_url = tool.url(url_for("lti.launch"))
        registration = (_Registration().set_iss(self.issuer).set_client_id(CLIENT_ID)
                        .set_deployment_id(DEPLOYMENT_ID).set_launch_url(launch_url)
                        .set_deeplink_launch_url(launch_url)
                        .set_oidc_login_url(tool.url(url_for("lti.login")))
                        .set_tool_key_set(tool.keys.jwks())
                        .set_platform_private_key(self.key.private_key_pem)
                        .set_platform_public_key(public_pem(self.key)))
        registration.kid = self.key.kid
        return _PlatformConf(registration=registration)

    # -- gradebook (scores received through AGS) --------------------------------------------
    def scores(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.gradebook_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return []
        return sorted(data.get("scores", {}).values(), key=lambda s: s.get("received", ""), reverse=True)

    def record_score(self, code: str, score: dict[str, Any]) -> int:
        """Keep the newest score per person and test; 409 when it is not newer (like Moodle)."""
        with self._lock:
            try:
                data = json.loads(self.gradebook_path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                data = {"scores": {}}
            key = f"{score['userId']}|{code}"
            moment = datetime.fromisoformat(str(score["timestamp"]))
            previous = data["scores"].get(key)
            if previous and moment <= datetime.fromisoformat(previous["timestamp"]):
                return 409
            data["scores"][key] = {
                "user": str(score["userId"]), "test": code, "timestamp": moment.isoformat(),
                "score_given": float(score["scoreGiven"]), "score_maximum": float(score["scoreMaximum"]),
                "activity": score.get("activityProgress"), "grading": score.get("gradingProgress"),
                "received": now().isoformat(timespec="seconds"),
            }
            _write_atomically(self.gradebook_path, json.dumps(data, indent=2))
            return 200


def _load_or_create_key(path: Path) -> ToolKey:
    """The platform's RSA key: read it, or make it once (0600; a second worker reads the first's)."""
    try:
        return key_from_pem(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        pass
    key = generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-lms-key-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp makes it 0600
            handle.write(key.private_key_pem)
        os.link(tmp, path)  # atomic, and refuses to replace a key another worker just made
        logger.info("Demo LMS: new platform key %s in %s", key.kid, path)
        return key
    except FileExistsError:
        return key_from_pem(path.read_text(encoding="ascii"))
    finally:
        os.unlink(tmp)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-lms-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


if PlatformRegistration is not None:

    class _Registration(PlatformRegistration):
        """lti1p3platform's registration; the key id is known (it parses the PEM otherwise)."""

        kid: str | None = None

        def get_kid(self) -> str | None:
            return self.kid or super().get_kid()

    class _PlatformConf(LTI1P3PlatformConfAbstract):
        def init_platform_config(self, registration: PlatformRegistration) -> None:
            self._registration = registration

        def get_registration_by_params(self, **kwargs: Any) -> PlatformRegistration:
            return self._registration

    class _Request(PlatformRequest):
        """lti1p3platform's request over ``flask.request``."""

        def build_metadata(self, flask_request: Any):
            return {"method": flask_request.method, "form_data": flask_request.form.to_dict(),
                    "get_data": flask_request.args.to_dict(), "headers": flask_request.headers,
                    "content_type": flask_request.content_type, "path": flask_request.path, "json": None}

    class _OIDCLogin(OIDCLoginAbstract):
        def set_lti_message_hint(self, **kwargs: Any) -> None:
            self._lti_message_hint = kwargs["hint"]

        def get_redirect(self, url: str) -> str:
            return url

    class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
        """Renders the signed launch as a form that posts itself to the tool."""

        show_steps = False

        def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
            token = launch_data["id_token"]
            claims = jwt.decode(token, options={"verify_signature": False}) if self.show_steps else None
            return render_template(
                "demo_lms/auto_post.html", action=launch_data["launch_url"], auto=not self.show_steps,
                fields={"id_token": token, "state": launch_data["state"]}, header=jwt.get_unverified_header(token),
                claims=json.dumps(claims, indent=2, ensure_ascii=False) if claims else None)


def platform() -> DemoPlatform:
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = DemoPlatform(current_settings().base_url, Path(app.instance_path))
    return found


# --- the registration of this platform in the tool ----------------------------------------------


def ensure_registration(db_session, lms: DemoPlatform) -> m.LtiRegistration:
    """The ACTIVE registration of the demo LMS for the demo organisation (idempotent).

    The platform's key set is stored on the row, so the tool reads it instead of fetching
    ``/dev/lms/jwks`` from itself. URLs, deployment and key set follow the current settings.
    """
    organisation = demo.ensure_demo_organisation(db_session, now())
    row = db_session.scalar(select(m.LtiRegistration).where(
        m.LtiRegistration.issuer == lms.issuer, m.LtiRegistration.client_id == CLIENT_ID))
    if row is None:
        row = lti_ops.register_platform(
            db_session, organisation, issuer=lms.issuer, client_id=CLIENT_ID, auth_login_url=lms.auth_url,
            auth_token_url=lms.token_url, key_set_url=lms.jwks_url, deployment_ids=[DEPLOYMENT_ID],
            name=REGISTRATION_NAME)
        logger.info("Demo LMS registered as LTI registration %s of the demo organisation", row.id)
    key_set = lms.jwks()
    if row.key_set != key_set:
        row.key_set = key_set
    for name, value in (("auth_login_url", lms.auth_url), ("auth_token_url", lms.token_url),
                        ("key_set_url", lms.jwks_url)):
        if getattr(row, name) != value:
            setattr(row, name, value)
    if row.status is not m.RegistrationStatus.ACTIVE:
        row.status = m.RegistrationStatus.ACTIVE
    if DEPLOYMENT_ID not in {d.deployment_id for d in row.deployments}:
        row.deployments.append(m.LtiDeployment(deployment_id=DEPLOYMENT_ID))
    db_session.flush()
    return row


def _ensure_registered(lms: DemoPlatform) -> str | None:
    """Register the demo LMS (first use) and return the demo organisation's name."""
    for attempt in (1, 2):  # two first visits at once: the second insert fails, read it again
        try:
            with current_db().begin() as db_session:
                row = ensure_registration(db_session, lms)
                return row.organisation.name
        except (IntegrityError, ConflictError):
            if attempt == 2:
                raise
    return None


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
    login = _OIDCLogin(None, lms.conf())
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
        tests = list(db_session.scalars(select(m.DigiTest).where(m.DigiTest.active).order_by(m.DigiTest.application)))
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
    launch = _MessageLaunch(_Request(request), lms.conf())
    launch.show_steps = bool(spec.get("s"))
    launch.set_id_token_expiration(ID_TOKEN_LIFETIME)
    launch.set_user_data(person.sub, list(person.roles), full_name=person.name, email_address=person.email)
    launch.set_extra_claims({
        "given_name": person.given_name, "family_name": person.family_name,
        CLAIM + "launch_presentation": {"document_target": "window", "locale": "nl-NL",
                                        "return_url": f"{lms.issuer}?als={person.key}"},
        CLAIM + "tool_platform": {"guid": lms.issuer, "name": _("Demo-leeromgeving"),
                                  "product_family_code": "digitoets-demo-lms"},
    })
    launch.set_launch_context_claim(COURSE_ID, context_types=[COURSE_OFFERING],
                                    context_title=_("Digitaal werken in de zorg"), context_label=COURSE_LABEL)
    custom = {"digitoets_function": person.function} if person.function else {}
    action, code = spec.get("a"), spec.get("t")
    if action == OPEN_TEST and code:
        custom[lti_ops.TEST_PARAMETER] = code
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
              "test": (item.get("custom") or {}).get(lti_ops.TEST_PARAMETER),
              "line_item": item.get("lineItem")} for item in items]
    logger.info("Demo LMS received %s link(s) by deep linking", len(links))
    return render_template("demo_lms/deep_linking_return.html", links=links, person=person,
                           message=claims.get(DL_CLAIM + "msg"))


def _refuse_response(reason: str):
    logger.warning("Demo LMS refused a deep linking response: %s", reason)
    message = _("De demo-leeromgeving heeft het antwoord van Digitoets geweigerd (%(reason)s).", reason=reason)
    return render_template("demo_lms/refused.html", message=message), 400


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


def _course_tests() -> dict[str, str]:
    with current_db().begin() as db_session:
        return {t.code: t.current_version.title
                for t in db_session.scalars(select(m.DigiTest).where(m.DigiTest.active))}


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
