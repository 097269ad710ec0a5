"""The browser session on every request: idle timeout, absolute lifetime, roles from the database.

On a shared ward computer the next person must not be the previous one: a session ends after
``DIGITOETS_SESSION_IDLE_MINUTES`` without a request and after ``DIGITOETS_SESSION_MAX_HOURS``
in any case, and "Afmelden" ends it at once. The cookie keeps only the person's id and the two
times; one query per request reads the person's roles, so a role taken away counts at once.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, Flask, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from service.operations import domain, people
from service.web import current_db, current_settings
from service.web.auth import PERSON_KEY, SEEN_AT, SIGNED_IN_AT, sign_out

bp = Blueprint("sessions", __name__)

#: Endpoints that start a new session: the LTI login and launch (the idle and absolute limits
#: still end the old one first; its roles are not read from the database)
FRESH_SESSION_ENDPOINTS = frozenset({"lti.login", "lti.launch"})
#: Endpoints that show nothing of the person and need no roles: the cookie check right after a
#: launch only redirects to the page the launch chose (which reads the roles) or offers a new window
ROLELESS_ENDPOINTS = FRESH_SESSION_ENDPOINTS | {"lti.check"}
#: Write "last seen" back to the cookie at most this often (every request would resend it).
SEEN_RESOLUTION = 30


@bp.post("/afmelden")
def sign_out_view():
    """Sign out (the header's "Afmelden"); CSRF-checked like every POST."""
    sign_out()
    flash(_("Je bent afgemeld. Sluit het venster als je klaar bent."))
    return redirect(url_for("employee.home"))


def _check_session() -> None:
    g.person_roles = frozenset()
    person_id = session.get(PERSON_KEY)
    if person_id is None:
        return
    settings = current_settings()
    now = int(time.time())
    if SIGNED_IN_AT not in session:
        # signed in by a path that predates the two times (or a test helper): they start now
        session[SIGNED_IN_AT] = session[SEEN_AT] = now
    signed_in, seen = session[SIGNED_IN_AT], session.get(SEEN_AT, 0)
    if now - signed_in > settings.session_max_hours * 3600 or now - seen > settings.session_idle_minutes * 60:
        sign_out()
        flash(_("Je was een tijd niet actief. Daarom ben je afgemeld. Open Digitoets opnieuw vanuit je leeromgeving."))
        return
    if request.endpoint in ROLELESS_ENDPOINTS:
        # the login, launch and cookie check read no roles (and show nothing of the person): a
        # launch replaces the session, a refused one leaves it for the next request to check, and
        # the check only leads on to a page that reads them
        return
    database = current_db()
    with database.read() as db_session:  # one statement, no transaction of its own
        facts = people.signed_in(db_session, person_id)
    roles = facts.roles
    if facts.release_key is not None:  # the request's sessions need not ask for it again
        domain.use_release_key(str(database.engine.url), facts.release_key)
    if roles is None:  # erased, or removed with their organisation: signed out; the start page says why
        sign_out()
        flash(_("Je bent niet (meer) aangemeld. Open Digitoets opnieuw vanuit je leeromgeving."))
        return
    g.person_roles = roles
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_AT] = now


def init_app(app: Flask) -> None:
    settings = app.config["DIGITOETS_SETTINGS"]
    # the cookie itself expires with the session's absolute lifetime (Flask's default is 31 days)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings.session_max_hours)
    app.before_request(_check_session)
    app.teardown_request(lambda _error: domain.use_release_key(None))
    app.register_blueprint(bp)
