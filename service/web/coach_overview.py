"""The coach overview (/coach/overzicht), the coordinator's page, and the admin's digicoach settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service import models as m
from service.errors import InvalidInputError
from service.operations import coach_requests, coach_scopes, coaching, coaching_overview
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.coach import COACH_ROLES, REFUSALS
from service.web.i18n import error_message
from service.web.input_guard import form_id

bp = Blueprint("coach_overview", __name__)


@bp.get("/coach/overzicht")
@role_required(*COACH_ROLES)
def overview():
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        data = coaching_overview.overview(session, viewer, now())
        return render_template("coach/overview.html", data=data, label=coaching.employee_label,
                               advice_ratio=coaching_overview.ADVICE_EMPLOYEES_PER_COACH,
                               advice_hours=coaching_overview.ADVICE_HOURS_PER_WEEK)


@bp.route("/coach/coordinator", methods=["GET", "POST"])
@role_required(m.ToolRole.COACH_COORDINATOR)
def coordinator():
    error, status = None, 200
    if request.method == "POST":
        request_id, coach_id = form_id(request.form.get("request")) or 0, form_id(request.form.get("coach")) or 0
        try:
            with current_db().begin() as session:
                coach_requests.assign(session, signed_in_person(session), request_id, coach_id, now())
            flash(_("De hulpvraag is toegewezen."))
            return redirect(url_for("coach_overview.coordinator"))
        except REFUSALS as exc:
            error, status = error_message(exc), getattr(exc, "status", 422)
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        new = coaching.queue(session, viewer, coaching.Filters(status="new"), now())
        return render_template("coach/coordinator.html", overdue=[r for r in new if r.overdue],
                               waiting=[r for r in new if not r.overdue], error=error, errors={},
                               coaches=coaching.coaches(session, viewer.organisation_id)), status


@bp.route("/beheer/coaches", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def coach_admin():
    error, errors, status = None, {}, 200
    if request.method == "POST":
        try:
            with current_db().begin() as session:
                admin = signed_in_person(session)
                if request.form.get("what") == "target":
                    coach_scopes.set_pickup_days(session, admin, form_id(request.form.get("pickup_days")))
                else:
                    ids = {v for v in map(form_id, request.form.getlist("location")) if v}
                    teams = {v for v in map(form_id, request.form.getlist("team")) if v}
                    coach_scopes.set_scope(session, admin, form_id(request.form.get("coach")) or 0, ids, teams)
            flash(_("Opgeslagen."))
            return redirect(url_for("coach_overview.coach_admin"))
        except InvalidInputError as exc:
            error, errors, status = error_message(exc), exc.errors, 422
    with current_db().begin() as session:
        admin = signed_in_person(session)
        org = admin.organisation
        return render_template("coach/admin.html", organisation=org, coaches=coach_scopes.coaches(session, org),
                               scopes=coach_scopes.scopes(session, org), choices=coaching.filter_choices(session, admin),
                               label=coaching.employee_label, error=error, errors=errors), status
