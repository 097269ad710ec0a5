"""The employee asks a digicoach for help, withdraws a request, or says it is no longer needed."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import attempts, coaching_sessions, help_requests, results
from service.web import current_db
from service.web.auth import login_required, now
from service.web.employee import _person
from service.web.i18n import error_message
from service.web.redirects import same_site_path

bp = Blueprint("help", __name__)


def consent_text() -> str:
    return _("Ik geef toestemming dat een digicoach mijn resultaat voor de gekozen vaardigheden ziet en contact met mij opneemt.")


@bp.post("/poging/<registration>/hulp")
@login_required
def ask(registration: str):
    """One request for the skills ticked, with one consent and one help text."""
    skills, message = request.form.getlist("skill"), request.form.get("message", "")
    contact = help_requests.Contact(request.form.get("contact", "in_person"), request.form.get("contact_detail", ""),
                                    request.form.get("share_items") == "yes")
    try:
        with current_db().begin() as session:  # all or nothing: a refusal rolls every chosen skill back
            person = _person(session)
            attempt = attempts.get_attempt(session, person, registration)
            if request.form.get("consent") != "yes":
                raise InvalidInputError(N_("Zet een vinkje bij toestemming. Dan kan een digicoach je helpen."))
            made = help_requests.request_help_for_skills(session, person, attempt, skills, consent_text(), now(), message,
                                                         contact)
    except InvalidInputError as exc:
        with current_db().begin() as session:
            person = _person(session)
            outcome = results.attempt_result(session, attempts.get_attempt(session, person, registration), now())
            form = {"skills": set(skills), "message": message, "consent": request.form.get("consent") == "yes",
                    "contact": contact.method, "contact_detail": contact.detail, "share_items": contact.share_items}
            return render_template("result.html", result=outcome, organisation=person.organisation,
                                   help_error=error_message(exc), help_form=form,
                                   drop_ins=coaching_sessions.next_drop_ins(session, person, now())), 422
    flash(_("Je hulpvraag is verstuurd. Een digicoach neemt contact met je op.") if made
          else _("Je had hier al om hulp gevraagd. Een digicoach neemt contact met je op."))
    return redirect(url_for("employee.result", registration=registration, _anchor="hulp"))


@bp.route("/hulpvragen/<int:request_id>/intrekken", methods=["GET", "POST"])
@login_required
def withdraw(request_id: int):
    """GET asks "weet je het zeker?" (works without script); POST withdraws."""
    with current_db().begin() as session:
        person = _person(session)
        if request.method == "GET":
            help_request = help_requests.own_request(session, person, request_id)
            return render_template("withdraw_help.html", help_request=help_request)
        help_requests.cancel_help_request(session, person, request_id, now())
    flash(_("Je hulpvraag is ingetrokken."))
    return redirect(url_for("employee.overview"))


@bp.post("/hulpvragen/<int:request_id>/niet-meer-nodig")
@login_required
def no_longer_needed(request_id: int):
    """The skill is on level now and the employee says so: close the open request."""
    back = same_site_path(request.form.get("next"), url_for("employee.overview"))
    with current_db().begin() as session:
        help_requests.cancel_help_request(
            session, _person(session), request_id, now(), note=help_requests.NO_LONGER_NEEDED
        )
    flash(_("Je hulpvraag is gesloten. Fijn dat het nu lukt!"))
    return redirect(back)
