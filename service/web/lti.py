"""LTI 1.3 endpoints: login, launch, key set, deep linking, dynamic registration, cookie check.

Launch state lives in the database (``lti_launch_states``), so any worker finishes any launch.
A refused launch shows a short Dutch page; the log gets the reason code and ids, never names.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from lti.deep_linking import LineItemSpec, ResourceLinkItem, deep_linking_response
from lti.dynamic_registration import ToolDescription, register
from lti.checks import peek
from lti.errors import LaunchError, LtiError
from lti.launch import find_launch, issue_storage_proof, oidc_login, pending_login, validate_launch
from lti.request import LtiRequest
from service import metrics
from service import models as m
from service.errors import ForbiddenError, NotFoundError
from service.operations import catalogue, courses, grades, launches, registration_links, registrations
from service.outbound import GuardedSession
from service.web import continuation, current_db, current_settings, tool
from service.web.auth import PERSON_KEY, now, sign_in
from service.web.redirects import same_site_path
from service.web.security import csrf, frame_for, frame_only_by
from service.web.teacher import TEACHER_COURSE_KEY

bp = Blueprint("lti", __name__, url_prefix="/lti")
logger = logging.getLogger(__name__)

LAUNCH_KEY = "lti_launch_id"
LINKS_KEY = "lti_links"  # test code -> our resource link id, for the gradebook
RETURN_KEY = "lti_return_url"  # launch_presentation.return_url: "Terug naar de cursus"


def _lti_request() -> LtiRequest:
    return LtiRequest(request.values.to_dict(), request.cookies.to_dict(), request.is_secure)


def _refused(exc: LaunchError, step: str, *, needs_https: bool = False):
    """A short Dutch page; the log gets the reason and the platform's ids, never names or e-mail."""
    issuer, client, deployment = (request.values.get(k, "-") for k in ("iss", "client_id", "lti_deployment_id"))
    if request.form.get("id_token"):
        try:  # unverified, for the log only: which platform and deployment sent it
            claims = peek(request.form["id_token"])
            aud = claims.get("aud")
            issuer, client = claims.get("iss", "-"), aud[0] if isinstance(aud, list) and aud else aud or "-"
            deployment = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id", "-")
        except LaunchError:
            pass
    logger.warning("LTI %s refused: %s (issuer %s, client %s, deployment %s)", step, exc.reason_code,
                   issuer, client, deployment)
    _frame_for_platform(step)
    return render_template("lti/refused.html", reason=exc.reason_code, needs_https=needs_https), 400


def _frame_for_platform(step: str) -> None:
    """Let the LMS of this login (or of the login this launch belongs to) show the refusal in its frame."""
    pending = pending_login(tool().store, request.form.get("state", "")) if step == "launch" else None
    if pending and pending.get("registration_id"):
        frame_for(registration_id=int(pending["registration_id"]))
    elif step == "login" and request.values.get("iss"):
        found = tool().tool_conf.registration(request.values["iss"], request.values.get("client_id") or None)
        if found is not None and found.active:
            frame_for(registration_id=found.id)


def _without_cookie(exc: LaunchError):
    """The state cookie did not come back: read the state from platform storage, or restart in a new window."""
    state = request.form.get("state", "")
    pending = pending_login(tool().store, state)
    if pending and pending.get("registration_id"):
        frame_for(registration_id=int(pending["registration_id"]))
    proof = issue_storage_proof(tool().store, state) if pending and pending.get("storage_target") else None
    if proof:
        # the cookie was blocked, but the platform keeps the state for us: read it back (once per state)
        return render_template("lti/storage_launch.html", form=request.form, target=pending["storage_target"],
                               platform_origin=_platform_origin(pending.get("registration_id")), proof=proof)
    if not tool().base_url.startswith("https://"):
        # Over http the cookie is SameSite=Lax, and a cross-site POST never carries one: a new
        # window would fail the same way. Only https helps.
        return _refused(exc, "launch", needs_https=True)
    if not pending or not pending.get("initiation"):
        return _refused(exc, "launch")
    token = continuation.park_restart(pending["initiation"])
    logger.info("LTI launch without state cookie (registration %s): offering a new window",
                pending.get("registration_id"))
    return render_template("lti/cookies_blocked.html", continue_url=url_for("lti.restart", token=token))


def _cookie_options() -> dict:
    """Cookies that survive an LMS iframe: SameSite=None; Secure; Partitioned on https."""
    secure = tool().base_url.startswith("https://")
    return {"secure": secure, "httponly": True, "samesite": "None" if secure else "Lax", "partitioned": secure}


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """Third-party login initiation: answer with the OIDC auth request to the platform."""
    return _login_answer(_lti_request())


@bp.get("/opnieuw/<token>")
def restart(token: str):
    """The same launch again in a new window, from the login initiation's own parameters.

    As harmless as a login initiation (which anyone may send): the platform still decides who
    signs in (the person signed in at the LMS in the opener's browser, not whoever made the
    link), and the new window's state cookie is first-party. Still one-time and short-lived.
    """
    initiation = continuation.claim_restart(token)
    if initiation is None:
        raise NotFoundError(_("Deze link is al gebruikt of verlopen. Open Digitoets opnieuw vanuit je leeromgeving."))
    return _login_answer(LtiRequest(initiation, request.cookies.to_dict(), request.is_secure))


def _login_answer(lti_request: LtiRequest):
    # One transaction: the registration read once, the pending counts in one query, the state,
    # nonce and pending mark written in one INSERT (with a batch of expired rows deleted).
    with current_db().begin() as db_session, tool().request_scope(db_session, purge=True) as lti:
        try:
            redirect_to = oidc_login(lti_request, lti.tool_conf, lti.store, tool().allowed_hosts,
                                     redirect_uri=tool().url(url_for("lti.launch")), limits=tool().pending_limits)
        except LaunchError as exc:
            refusal = exc
        else:
            refusal = None
    if refusal is not None:
        metrics.LAUNCHES.labels(f"login_{refusal.reason_code}").inc()
        return _refused(refusal, "login")
    frame_for(registration_id=redirect_to.registration_id)
    if redirect_to.storage_target:  # the platform offers storage: keep the state there too
        response = current_app.make_response(render_template(
            "lti/storage_login.html", target=redirect_to.storage_target, state=redirect_to.state, url=redirect_to.url,
            platform_origin=_origin(redirect_to.url)))
    else:
        response = redirect(redirect_to.url)
    for cookie in redirect_to.cookies:
        response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, **_cookie_options())
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _platform_origin(registration_id) -> str:
    with current_db().begin() as db_session:
        registration = db_session.get(m.LtiRegistration, registration_id) if registration_id else None
        return _origin(registration.auth_login_url) if registration else ""


@bp.post("/launch")
@csrf.exempt
def launch():
    """The platform posts the signed id_token here; store the launch and open what it asks.

    One transaction for the checks and what the launch records. A refused launch still commits
    what its checks wrote (a spent storage proof, a fetched key set, a refetch mark): those
    must hold whatever the outcome. The nonce is spent by the last check, so a refused token
    stores nothing else.
    """
    with current_db().begin() as db_session, tool().request_scope(db_session) as lti:
        try:
            context = validate_launch(_lti_request(), lti.tool_conf, lti.store, tool().allowed_hosts,
                                      browser_state=_browser_state(), storage_proof=request.form.get("storage_proof"),
                                      key_sets=tool().key_sets)
        except LaunchError as exc:
            refusal = exc
        else:
            refusal = None
            outcome = launches.record_launch(db_session, context, now())
            sign_in(launches.launched_person(db_session, outcome))
            # an Instructor (tool role course_admin) may see the overview of this course, and only this one
            teacher_course = (courses.launched_course_id(db_session, outcome.resource_link_id)
                              if m.ToolRole.COURSE_ADMIN.value in outcome.roles else None)
            token = _park_continuation(context, outcome, teacher_course)  # joins this transaction
    metrics.LAUNCHES.labels("ok" if refusal is None else refusal.reason_code).inc()
    if refusal is not None:
        return _without_cookie(refusal) if refusal.reason_code == "state_cookie_missing" \
            else _refused(refusal, "launch")
    _remember_launch(context, outcome, teacher_course)
    return redirect(url_for("lti.check", t=token))


def _browser_state() -> str | None:
    """The state our storage page read from the platform; only our own pages may post it.

    A browser always sends ``Origin`` with a form POST, and a page on another site cannot
    change it: a login-CSRF page that copies a state into the form is refused here.
    """
    value = request.form.get("browser_state") or None
    if value is not None and request.headers.get("Origin") != _origin(tool().base_url):
        raise LaunchError("storage_foreign_origin", "browser_state posted by another origin")
    return value


def _park_continuation(context, outcome: launches.LaunchOutcome, teacher_course: int | None) -> str:
    """Store where the launch goes, for /check (or a new window when the cookie was blocked); returns the token."""
    return continuation.park({"person": outcome.person_id, "next": _launch_target(outcome, teacher_course),
                              "launch": context.launch_id, "course": teacher_course,
                              "return_url": context.return_url})


def _remember_launch(context, outcome: launches.LaunchOutcome, teacher_course: int | None) -> None:
    """Keep in the browser session what this launch decided: course, placement, return URL, language."""
    session[LAUNCH_KEY] = context.launch_id
    _remember_return_url(context.return_url)
    if teacher_course:
        session[TEACHER_COURSE_KEY] = teacher_course
    if outcome.test_code and outcome.resource_link_id:
        session[LINKS_KEY] = {outcome.test_code: outcome.resource_link_id}
    if context.locale and context.locale[:2].lower() in ("nl", "en"):
        session["lang"] = context.locale[:2].lower()


def _launch_target(outcome: launches.LaunchOutcome, teacher_course: int | None) -> str:
    """What the launch opens: deep linking, the teacher's course, the placement's test, or the test list."""
    if outcome.deep_linking:
        return url_for("lti.deep_linking")
    if teacher_course:
        return url_for("teacher.course", course_id=teacher_course)
    if outcome.test_code:
        return url_for("employee.test_intro", code=outcome.test_code)
    return url_for("employee.tests")


def _remember_return_url(url: str | None) -> None:
    """The course to go back to, for this launch only (a launch without one forgets the last)."""
    if url:
        session[RETURN_KEY] = url
    else:
        session.pop(RETURN_KEY, None)


@bp.get("/check")
def check():
    """Did our cookie survive the LMS frame? If not, offer the same launch in a new window."""
    token = request.args.get("t", "")
    # one transaction: the link read and, when the cookie came back, spent (two statements)
    with current_db().begin() as db_session, tool().request_scope(db_session):
        data = continuation.peek(token)
        if PERSON_KEY in session and data:
            continuation.drop(token)
    if PERSON_KEY in session and data:
        return redirect(data["next"])
    if data is None:
        raise NotFoundError(_("Deze link is verlopen. Open Digitoets opnieuw vanuit je leeromgeving."))
    frame_for(person_id=data["person"])  # the cookie is gone, but the launch knows whose LMS this is
    return render_template("lti/cookies_blocked.html", continue_url=url_for("lti.continue_launch", token=token))


@bp.post("/nieuw-venster")
def new_window():
    """A one-time link that opens ``next`` (a page of ours) signed in, in a window of its own.

    Asked for from inside the LMS frame, where the person's session cookie is partitioned and
    a new window would not have it. Answers ``{"url": ...}``; the link works once, for 60 seconds.
    """
    person_id = session.get(PERSON_KEY)
    next_path = request.form.get("next", "")
    if person_id is None:
        raise ForbiddenError(_("Open Digitoets opnieuw vanuit je leeromgeving."))
    if same_site_path(next_path, "") != next_path or not next_path:
        raise NotFoundError(_("Deze pagina bestaat niet."))
    token = continuation.park({"person": person_id, "next": next_path, "launch": session.get(LAUNCH_KEY),
                               "course": session.get(TEACHER_COURSE_KEY), "return_url": session.get(RETURN_KEY)})
    return jsonify(url=url_for("lti.continue_launch", token=token))


@bp.get("/doorgaan/<token>")
def continue_launch(token: str):
    """The new-window path: a one-time link that signs the person in outside the frame.

    The browser that did the launch goes straight on; any other browser (or one that blocks
    the binding cookie) first sees who it will be and where, and confirms.
    """
    data = continuation.claim(token)
    if data is None:
        raise NotFoundError(_("Deze link is al gebruikt of verlopen. Open Digitoets opnieuw vanuit je leeromgeving."))
    if continuation.from_this_browser(data):
        return _continue_signed_in(data)
    continuation.hold_for_confirmation(data)
    with current_db().begin() as db_session:
        who = launches.continuing_person(db_session, data["person"])
    return render_template("lti/continue_confirm.html", name=who.name, organisation=who.organisation)


@bp.post("/doorgaan")
def confirm_continue():
    """The person confirmed the confirmation page of a one-time link: sign them in."""
    data = continuation.take_confirmed()
    if data is None:
        raise NotFoundError(_("Deze link is al gebruikt of verlopen. Open Digitoets opnieuw vanuit je leeromgeving."))
    return _continue_signed_in(data)


def _continue_signed_in(data: dict):
    with current_db().begin() as db_session:
        sign_in(launches.continuing_person(db_session, data["person"]).person)
    if data.get("launch"):
        session[LAUNCH_KEY] = data["launch"]
    _remember_return_url(data.get("return_url"))
    if data.get("course"):
        session[TEACHER_COURSE_KEY] = data["course"]
    return redirect(data["next"])


@bp.get("/jwks")
def jwks():
    """Our public key set (current and recently retired keys)."""
    response = jsonify(tool().keys.jwks())
    response.cache_control.max_age = 300
    return response


def _deep_linking_launch():
    launch_id = session.get(LAUNCH_KEY)
    context = find_launch(tool().store, launch_id) if launch_id else None
    if context is None or context.deep_linking is None:
        raise NotFoundError(_("Er is geen keuze voor toetsen open. Begin opnieuw vanuit je cursus."))
    with current_db().begin() as db_session:
        person = db_session.get(m.Person, session.get(PERSON_KEY))
        if person is None or not (person.has_role(m.ToolRole.COURSE_ADMIN) or person.has_role(m.ToolRole.ORG_ADMIN)):
            raise ForbiddenError(_("Alleen docenten en beheerders kunnen toetsen in een cursus zetten."))
    return context


@bp.route("/deep-linking", methods=["GET", "POST"])
def deep_linking():
    """A teacher picks one or more digi-toetsen; the LMS gets resource links with a gradebook column."""
    context = _deep_linking_launch()
    with current_db().begin() as db_session:
        tests = catalogue.active_tests(db_session)
        chosen = [t for t in tests if t.code in request.form.getlist("test")] if request.method == "POST" else []
        if request.method == "GET" or not chosen:
            error = _("Kies minstens één toets.") if request.method == "POST" else None
            return render_template("lti/deep_linking.html", tests=tests, multiple=context.deep_linking.accept_multiple,
                                   error=error), (422 if error else 200)
        if not context.deep_linking.accept_multiple:
            chosen = chosen[:1]
        items = [
            ResourceLinkItem(
                title=t.current_version.title,
                url=tool().url(url_for("lti.launch")),
                text=t.current_version.description,
                custom={launches.TEST_PARAMETER: t.code},
                line_item=LineItemSpec(score_maximum=grades.SCORE_MAXIMUM, label=t.current_version.title,
                                       resource_id=t.code, tag=grades.tag_for(t.code)),
            )
            for t in chosen
        ]
    answer = deep_linking_response(context, tool().keys.current(), items)
    return render_template("lti/auto_post.html", action=answer.return_url, fields=answer.form_fields,
                           title=_("Terug naar je leeromgeving"))


@bp.get("/register")
def dynamic_registration():
    """LTI Dynamic Registration through an organisation's registration link; the result waits for its admin.

    The link (``?org=SLUG&link=TOKEN``) is made, and revoked, on /beheer/lti. An unknown
    organisation and a wrong or revoked token get the same answer, and nothing is fetched before
    the link checks out; the platform's URLs then go through ``GuardedSession`` (https and public
    addresses only outside development).
    """
    config_url = request.args.get("openid_configuration")
    # The registering LMS shows this page in its own frame and waits for the close message.
    platform_origin = frame_only_by(config_url)
    with current_db().begin() as db_session:
        organisation = registration_links.organisation_for_link(db_session, request.args.get("org", ""),
                                                                request.args.get("link", ""))
        if organisation is None or not config_url:
            raise NotFoundError(_("Dit registratieadres klopt niet of is ingetrokken. Vraag de beheerder van "
                                  "Digitoets in je organisatie om een nieuw adres."))
        registration_links.check_pending_room(db_session, organisation)
        description = ToolDescription(
            client_name="Digitoets",
            deep_linking_uri=tool().url(url_for("lti.launch")),
            initiate_login_uri=tool().url(url_for("lti.login")),
            redirect_uris=(tool().url(url_for("lti.launch")),),
            jwks_uri=tool().url(url_for("lti.jwks")),
            target_link_uri=tool().url(url_for("lti.launch")),
            custom_parameters={"digitoets_function": "$Person.extension.function"},
        )
        outbound = GuardedSession(allow_internal=current_settings().internal_targets_allowed, timeout=tool().timeout)
        try:
            platform = register(config_url, request.args.get("registration_token"), description, session=outbound)
        except LtiError as exc:
            logger.warning("Dynamic registration for organisation %s failed: %s", organisation.id, type(exc).__name__)
            return render_template("lti/registered.html", ok=False, organisation=organisation,
                                   platform_origin=platform_origin), 400
        finally:
            outbound.close()
        registration = registrations.register_dynamic(db_session, organisation, platform)
        logger.info("Dynamic registration %s (pending) for organisation %s", registration.id, organisation.id)
        return render_template("lti/registered.html", ok=True, organisation=organisation,
                               platform_origin=platform_origin)
