"""Who is using the tool in this browser session: set by an LTI launch or the dev login."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

from flask import abort, redirect, session, url_for
from sqlalchemy.orm import Session

from service import models as m
from service.web import current_db

PERSON_KEY = "person_id"
ROLES_KEY = "roles"


def now() -> datetime:
    return datetime.now(UTC)


def sign_in(person: m.Person) -> None:
    """Start a fresh browser session for ``person``, keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[PERSON_KEY] = person.id
    # For the menu only; every protected view checks the roles in the database again.
    session[ROLES_KEY] = sorted(r.role.value for r in person.roles)
    session.permanent = True


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
            with current_db().begin() as db_session:
                person = signed_in_person(db_session)
                if person is None or not any(person.has_role(role) for role in roles):
                    abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
