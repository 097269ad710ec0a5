"""The accreditation administrator's pages at /accreditatie: overview, exports, reminders, account."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service import models as m
from service.errors import InvalidInputError
from service.operations import accreditation_admin as admin
from service.operations import registration_numbers
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.i18n_markers import N_
from service.web.i18n import error_message

bp = Blueprint("accreditation", __name__, url_prefix="/accreditatie")
ROLE = m.ToolRole.ACCREDITATION


def _admin(session) -> m.Person:
    return signed_in_person(session) or abort(401)


def _day(name: str) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInputError(N_("Vul een datum in als dag-maand-jaar."), {name: [N_("Vul een datum in.")]}) from None


def _export_args(session):
    raw = request.form.get("registry", "")
    registry = session.get(m.AccreditationRegistry, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if registry is None or not registry.active:
        raise InvalidInputError(N_("Kies een register."), {"registry": [N_("Kies een register.")]})
    start, end = _day("van"), _day("tot")
    if start and end and end < start:
        message = N_("De einddatum ligt voor de begindatum.")
        raise InvalidInputError(message, {"tot": [message]})
    return registry, start, end


def _index(session, person, error=None, status=200):
    org = person.organisation
    return render_template(
        "accreditation/admin.html", registries=admin.registries(session), counts=admin.status_counts(session, org.id),
        missing=registration_numbers.missing_numbers(session, org.id), log=admin.export_log(session, org),
        account=admin.account(session, org.id), error=error), status


@bp.get("")
@role_required(ROLE)
def index():
    with current_db().begin() as session:
        return _index(session, _admin(session))


@bp.post("/export")
@role_required(ROLE)
def export():
    try:
        with current_db().begin() as session:
            person = _admin(session)
            registry, start, end = _export_args(session)
            if request.form.get("soort") == "plaklijst":
                lists, without = admin.export_paste_lists(session, person.organisation, person, registry, start, end,
                                                          now())
                return render_template("accreditation/paste.html", registry=registry, lists=lists, without=without,
                                       start=start, end=end)
            result = admin.export_xml(session, person.organisation, person, registry, start, end, now())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            return _index(session, _admin(session), error_message(exc), 422)
    return Response(result.body, mimetype=result.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})


@bp.get("/punten.csv")
@role_required(ROLE)
def records_csv():
    with current_db().begin() as session:
        person = _admin(session)
        body = admin.export_csv(session, person.organisation, person)
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="accreditatiepunten.csv"'})


@bp.post("/herinnering")
@role_required(ROLE)
def remind():
    person_id, registry_id = request.form.get("person", ""), request.form.get("registry", "")
    if not (person_id.isdigit() and registry_id.isdigit() and len(person_id) < 10 and len(registry_id) < 10):
        abort(404)
    with current_db().begin() as session:
        person = _admin(session)
        sent = registration_numbers.send_reminder(session, person.organisation, person, int(person_id),
                                                  int(registry_id), now())
    flash(_("De herinnering is verstuurd.") if sent else _("Deze medewerker heeft geen e-mailadres bij ons."))
    return redirect(url_for("accreditation.index", _anchor="zonder-nummer"))
