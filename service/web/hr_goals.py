"""Targets and trend (/hr/doelen): the organisation's targets, % met per month per level, and progress per skill."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mappings import compliance as rules
from service.errors import InvalidInputError
from service.operations import compliance_trend as trends
from service.operations import hr_exports, hr_goals
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.hr import HR_ROLES
from service.web.i18n import error_message

bp = Blueprint("hr_goals", __name__, url_prefix="/hr")


@bp.route("/doelen", methods=["GET", "POST"])
@role_required(*HR_ROLES)
def goals():
    level = request.args.get("niveau", "organisation")
    if level not in rules.LEVELS:
        level = "organisation"
    error, errors = None, {}
    if request.method == "POST":
        try:
            with current_db().begin() as session:
                viewer = signed_in_person(session)
                hr_goals.add_target(session, viewer.organisation, viewer, request.form.get("name", ""),
                                    request.form.get("level", ""), _number(request.form.get("percent", "")),
                                    _day(request.form.get("due_on", "")))
        except InvalidInputError as exc:
            error, errors = error_message(exc), exc.errors
        else:
            flash(_("Het doel is opgeslagen."))
            return redirect(url_for("hr_goals.goals", niveau=request.form.get("level")))
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        organisation = viewer.organisation
        names = hr_exports.all_names(session, organisation)
        choices = hr_goals.trend_groups(session, organisation, level, names) if level != "organisation" else []
        key = request.args.get("groep", "")
        if level != "organisation" and key not in {k for k, _label in choices}:
            key = choices[0][0] if choices else ""
        trend = trends.trend(session, organisation, level=level, key=key)
        return render_template("hr/goals.html", level=level, key=key, choices=choices, trend=trend,
                               chart=hr_goals.chart(trend), progress=trends.progress(session, organisation,
                                                                                       today=now().date()),
                               label=hr_goals.key_label(key, names), level_names=hr_exports.LEVEL_NAMES,
                               is_hr=True, form=request.form, error=error, errors=errors), 422 if error else 200


def _number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 6 else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
