"""Privacy pages: the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from service import models as m
from service.operations import audit
from service.web import current_db
from service.web.auth import role_required, signed_in_person

bp = Blueprint("privacy", __name__)


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
