"""Pages for an organisation admin: privacy settings, the LRS and what waits in the outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service import models as m
from service.operations import organisations, outbox
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.forms import OrganisationSettingsForm

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.route("/instellingen", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def settings():
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        form = OrganisationSettingsForm(obj=org) if request.method == "GET" else OrganisationSettingsForm()
        if request.method == "GET":
            form.result_visibility.data = org.result_visibility.value
            form.help_request_mode.data = org.help_request_mode.value
            form.lrs_password.data = ""
        if form.validate_on_submit():
            values = dict(form.data)
            values["result_visibility"] = m.ResultVisibility(values["result_visibility"])
            values["help_request_mode"] = m.HelpRequestMode(values["help_request_mode"])
            organisations.update_settings(session, org, values)
            flash(_("De instellingen zijn opgeslagen."))
            return redirect(url_for("admin.settings"))
        status = 422 if form.errors else 200
        return render_template("admin/settings.html", form=form, organisation=org), status


@bp.get("/xapi")
@role_required(m.ToolRole.ORG_ADMIN)
def xapi_status():
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        counts = {state: n for (slug, state), n in outbox.outbox_counts(session).items() if slug == org.slug}
        dead = outbox.dead_letters(session, org.id)
        return render_template("admin/xapi.html", organisation=org, counts=counts, dead=dead)


@bp.post("/xapi/opnieuw")
@role_required(m.ToolRole.ORG_ADMIN)
def xapi_retry():
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        ids = [row.id for row in outbox.dead_letters(session, org.id)]
        chosen = request.form.get("id")
        if chosen:
            ids = [i for i in ids if str(i) == chosen]
        count = outbox.retry_dead_letters(session, ids, now())
    flash(_("%(n)s berichten worden opnieuw verstuurd.", n=count))
    return redirect(url_for("admin.xapi_status"))
