"""Privacy pages: an employee's own data (JSON and a page to print), the audit log, erasure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from service import models as m
from service.operations import audit, privacy
from service.web import current_db
from service.web.auth import PERSON_KEY, login_required, now, role_required, signed_in_person

bp = Blueprint("privacy", __name__)


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    """Everything stored about the signed-in person, as a page that prints well."""
    with current_db().begin() as db_session:
        data = privacy.export_own_data(db_session, session[PERSON_KEY], "html", now())
        return render_template("privacy/my_data.html", data=data, label=audit.label)


@bp.get("/mijn-gegevens.json")
@login_required
def my_data_json():
    """The same, as a JSON file to download."""
    with current_db().begin() as db_session:
        data = privacy.export_own_data(db_session, session[PERSON_KEY], "json", now())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="mijn-gegevens-digitoets.json"'})


def _day(name: str) -> tuple[date | None, str | None]:
    value = request.args.get(name, "").strip()
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2999:
        return None, _("Vul een datum in als jjjj-mm-dd, bijvoorbeeld 2026-01-31.")
    return day, None


@bp.get("/beheer/audit")
@role_required(m.ToolRole.ORG_ADMIN)
def audit_log():
    """Who looked at or changed what in this organisation, newest first, 50 per page."""
    errors = {}
    action = request.args.get("actie") or None
    if action is not None and action not in {a.value for a in audit.Action}:
        errors["actie"], action = _("Kies een handeling uit de lijst."), None
    since, errors["van"] = _day("van")
    until, errors["tot"] = _day("tot")
    errors = {k: v for k, v in errors.items() if v}
    page = request.args.get("pagina", "1")
    page = int(page) if page.isdigit() and len(page) < 7 else 1
    with current_db().begin() as db_session:
        org = signed_in_person(db_session).organisation
        result = audit.events(
            db_session, org, action=audit.Action(action) if action else None,
            since=datetime.combine(since, datetime.min.time(), UTC) if since else None,
            until=datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC) if until else None,
            page=page,
        )
        return render_template("admin/audit.html", result=result, actions=list(audit.Action), label=audit.label,
                               errors=errors, chosen=request.args), (422 if errors else 200)


@bp.route("/beheer/personen/<int:person_id>/wissen", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def erase(person_id: int):
    """Erase a person after a confirmation; the accreditation ledger stays without a name."""
    with current_db().begin() as db_session:
        admin = signed_in_person(db_session)
        if request.method == "POST" and request.form.get("bevestig") == "ja":
            privacy.erase_person(db_session, admin.organisation, person_id, admin, now())
            flash(_("De gegevens van deze persoon zijn gewist."))
            return redirect(url_for("admin.roles"))
        preview = privacy.erasure_preview(db_session, admin.organisation, person_id, admin)
        error = _("Zet een vinkje om te bevestigen dat je de gegevens wilt wissen.") if request.method == "POST" else None
        return render_template("admin/erase.html", preview=preview, error=error), (422 if error else 200)
