"""The skills matrix per team (/hr/matrix), what lies behind a cell (/hr/medewerker/<key>) and exemptions.

Requirements x people where the organisation allows person-level views, else requirements x
teams. Every person-level page is audit-logged by the operations it calls.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import compliance as groups
from service.operations import compliance_people, hr_exports, hr_people
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.hr import HR_ROLES, ROLES, view_of
from service.web.i18n import error_message

bp = Blueprint("hr_people", __name__, url_prefix="/hr")
NOT_A_DAY = N_("Dit is geen datum. Kies een dag in de kalender, bijvoorbeeld 2027-06-30.")


@bp.get("/matrix")
@role_required(*ROLES)
def matrix():
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        organisation = viewer.organisation
        teams, options, _level, filters = view_of(session, viewer)
        today = now().date()
        by_person = None
        if organisation.hr_person_view and filters.team_ids:
            by_person = hr_people.team_people(session, organisation, viewer, today=today, filters=filters,
                                              teams=teams)
        by_team = compliance_people.team_matrix(session, organisation, today=today, filters=filters, teams=teams)
        return render_template("hr/matrix.html", by_person=by_person, by_team=by_team, options=options,
                               filters=filters, asked=request.args, labels=hr_exports.STATUS_LABELS,
                               person_view=organisation.hr_person_view, names=hr_exports.all_names(session, organisation),
                               parents=hr_exports.key_names, is_hr=_is_hr(viewer))


@bp.get("/medewerker/<int(signed=True, min=None):key>")
@role_required(*ROLES)
def person(key: int):
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        organisation = viewer.organisation
        teams = groups.viewer_teams(session, viewer)
        row = hr_people.one_person(session, organisation, viewer, key, today=now().date(), teams=teams)
        granted = hr_people.exemptions(session, organisation, key)
        return render_template("hr/person.html", row=row, labels=hr_exports.STATUS_LABELS, granted=granted,
                               names=hr_exports.all_names(session, organisation), is_hr=_is_hr(viewer),
                               can_exempt=_is_hr(viewer), form=request.form, errors={})


@bp.post("/medewerker/<int(signed=True, min=None):key>/vrijstelling")
@role_required(*HR_ROLES)
def exempt(key: int):
    until = _day(request.form.get("until", ""))
    try:
        if until is None and request.form.get("until", "").strip():
            raise InvalidInputError(NOT_A_DAY, {"until": [NOT_A_DAY]})
        with current_db().begin() as session:
            viewer = signed_in_person(session)
            teams = groups.viewer_teams(session, viewer)
            hr_people.one_person(session, viewer.organisation, viewer, key, today=now().date(), teams=teams)
            compliance_people.grant_exemption(session, viewer.organisation, viewer, key, request.form.get("skill", ""),
                                              request.form.get("reason", ""), until, now().date())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            viewer = signed_in_person(session)
            teams = groups.viewer_teams(session, viewer)
            row = hr_people.one_person(session, viewer.organisation, viewer, key, today=now().date(), teams=teams)
            return render_template("hr/person.html", row=row, labels=hr_exports.STATUS_LABELS,
                                   granted=hr_people.exemptions(session, viewer.organisation, key),
                                   names=hr_exports.all_names(session, viewer.organisation), is_hr=True,
                                   can_exempt=True, form=request.form, errors=exc.errors,
                                   error=error_message(exc)), 422
    flash(_("De vrijstelling is opgeslagen."))
    return redirect(url_for("hr_people.person", key=key))


def _is_hr(viewer: m.Person) -> bool:
    return any(viewer.has_role(role) for role in HR_ROLES)


def _day(text: str) -> date | None:
    """A date from the form's date field (JJJJ-MM-DD); None when empty or not a date (the operation names it)."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
