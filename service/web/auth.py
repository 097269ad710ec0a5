"""Who is using the tool in this browser session: set by an LTI launch or the dev login.

The session cookie holds the person's id and two times (signed in, last seen), nothing else
about them: ``service.web.sessions`` reads the roles from the database on every request, so
taking a role away works at once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import wraps

from flask import abort, g, redirect, session, url_for
from sqlalchemy.orm import Session

from service import models as m

PERSON_KEY = "person_id"
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def now() -> datetime:
    return datetime.now(UTC)


def sign_in(person: m.Person) -> None:
    """Start a fresh browser session for ``person``.

    Nothing of a previous person's session stays (course, launch, return URL, CSRF token);
    the chosen language stays only when nobody or the same person was signed in.
    """
    lang = session.get("lang") if session.get(PERSON_KEY) in (None, person.id) else None
    session.clear()
    if lang:
        session["lang"] = lang
    session[PERSON_KEY] = person.id
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(time.time())
    session.permanent = True
    g.person_roles = frozenset(r.role.value for r in person.roles)


def sign_out() -> None:
    """End the browser session (the language stays)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.person_roles = frozenset()


def current_roles() -> frozenset[str]:
    """The signed-in person's tool roles, as the database had them at the start of this request."""
    return g.get("person_roles", frozenset())


def signed_in_person(db_session: Session) -> m.Person | None:
    person_id = session.get(PERSON_KEY)
    return db_session.get(m.Person, person_id) if person_id else None


def login_required(view):
    """Send a visitor who is not signed in to the start page, which says how to open the tool."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if PERSON_KEY not in session:
            return redirect(url_for("employee.home"))
        return view(*args, **kwargs)

    return wrapper


def role_required(*roles: m.ToolRole):
    """Only people holding one of ``roles`` may use the view; others get a 403 page."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if PERSON_KEY not in session:
                return redirect(url_for("employee.home"))
            if not any(role.value in current_roles() for role in roles):  # read from the database this request
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
