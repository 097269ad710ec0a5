"""Development login (``DIGITOETS_DEV_LOGIN=1`` only): pick a demo employee, no LMS needed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from service.operations import demo
from service.web import current_db, current_settings
from service.web.auth import now, sign_in

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.before_request
def _only_when_enabled():
    settings = current_settings()
    if not settings.dev_login or settings.env == "production":
        abort(404)


@bp.route("/login", methods=["GET", "POST"])
def login():
    with current_db().begin() as session:
        demo.ensure_demo_organisation(session, now())
        people = demo.demo_people(session)
        if request.method == "POST":
            chosen = next((p for p in people if p.subject == request.form.get("person")), None)
            if chosen is None:
                return render_template("dev_login.html", people=people, error=True), 422
            sign_in(chosen)
            current_app.logger.info("Dev login as person %s", chosen.id)
            return redirect(url_for("employee.tests"))
        return render_template("dev_login.html", people=people, error=False)
