"""Test campaigns (/hr/oproepen): HR asks a location, team or function to take a test by a date, sees progress, reminds."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from service.errors import ConflictError, InvalidInputError
from service.operations import audit, campaigns, catalogue, hr_exports
from service.operations import compliance as groups
from service.operations import hr_dashboard as board
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.hr import FORMATS, HR_ROLES, ROLES, download, write_table
from service.web.i18n import error_message

bp = Blueprint("hr_campaigns", __name__, url_prefix="/hr/oproepen")


@bp.route("", methods=["GET", "POST"])
@role_required(*ROLES)
def overview():
    """HR: every campaign, a new one, reminders. A manager: the campaigns that ask their teams, and only those teams."""
    error, errors = None, {}
    if request.method == "POST":
        _hr_only()
        form = request.form
        try:
            with current_db().begin() as session:
                viewer = signed_in_person(session)
                campaigns.create(session, viewer.organisation, viewer, title=form.get("title", ""),
                                 test_code=form.get("test", ""), location_id=_id(form.get("location")),
                                 team_id=_id(form.get("team")), profile_id=_id(form.get("function")),
                                 due_on=_day(form.get("due_on", "")), today=now().date())
        except InvalidInputError as exc:
            error, errors = error_message(exc), exc.errors
        else:
            flash(_("De oproep is opgeslagen. De medewerkers zien hem op hun startpagina."))
            return redirect(url_for("hr_campaigns.overview"))
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        organisation = viewer.organisation
        teams = groups.viewer_teams(session, viewer)
        return render_template("hr/campaigns.html", rows=campaigns.overview(session, organisation, now().date(), teams),
                               options=board.choices(session, organisation, None), tests=catalogue.active_tests(session),
                               min_size=organisation.min_group_size, today=now().date(), is_hr=teams is None,
                               person_view=organisation.hr_person_view,
                               form=request.form, error=error, errors=errors), 422 if error else 200


@bp.get("/<int:campaign_id>/herinneringslijst.<fmt>")
@role_required(*ROLES)
def reminder_list(campaign_id: int, fmt: str):
    """Who the campaign asks and has not finished its test (a manager: their teams only), as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    today = now().date()

    def write(out) -> str:
        with current_db().begin() as session:
            viewer = signed_in_person(session)
            organisation = viewer.organisation
            teams = groups.viewer_teams(session, viewer)
            campaign, waiting = campaigns.reminder_list(session, organisation, viewer, campaign_id, today=today,
                                                        teams=teams)
            names = hr_exports.all_names(session, organisation)
            used = [("oproep", campaign.title), ("vóór", campaign.due_on.strftime("%d-%m-%Y")),
                    ("peildatum", today.strftime("%d-%m-%Y")),
                    ("teams", "alle" if teams is None else ", ".join(sorted(names["team"].get(t, "") for t in teams)))]
            write_table(out, fmt, hr_exports.reminder_table(waiting, names), used)
            audit.record(session, organisation, viewer, audit.Action.HR_EXPORTED, f"campaign:{campaign.id}",
                         {"format": fmt, "content": "herinneringslijst", "people": len(waiting)})
            return f"digitoets-herinneren-{campaign.id}-{today.isoformat()}.{fmt}"

    return download(fmt, write)


def _hr_only() -> None:
    """Only HR (and the organisation admin) ask for a test or send a reminder; a manager gets 403."""
    with current_db().begin() as session:
        if groups.viewer_teams(session, signed_in_person(session)) is not None:
            abort(403)


@bp.post("/<int:campaign_id>/herinnering")
@role_required(*HR_ROLES)
def remind(campaign_id: int):
    try:
        with current_db().begin() as session:
            viewer = signed_in_person(session)
            sent = campaigns.remind(session, viewer.organisation, viewer, campaign_id, now())
    except ConflictError as exc:
        flash(error_message(exc), "error")
    else:
        flash(ngettext("Er staat %(num)d herinnering klaar om te versturen.",
                       "Er staan %(num)d herinneringen klaar om te versturen.", sent))
    return redirect(url_for("hr_campaigns.overview"))


def _id(text: str | None) -> int | None:
    """An id from a select; anything else that is not empty becomes -1, which no group has (the operation names it)."""
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else -1


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
