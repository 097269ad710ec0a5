"""The employee's registries: their registration number with consent, and their points per registry."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.errors import InvalidInputError
from service.operations import certificates, pe_online_delivery, registration_numbers
from service.pe_online.explain import BY_CODE, UNKNOWN
from service.web import current_db, current_settings
from service.web.auth import login_required, now, signed_in_person
from service.web.i18n import error_message

bp = Blueprint("my_accreditation", __name__)


def _page(session, person, errors=None, values=None, status=200):
    rows = registration_numbers.my_registries(session, person)
    rejected = pe_online_delivery.rejected_records(session, person.organisation_id, person.id)
    return render_template("accreditation/mine.html", rows=rows, errors=errors or {}, values=values or {},
                           rejected=[(r, BY_CODE.get(r.status_code, UNKNOWN)) for r, _name in rejected],
                           certificates=certificates.my_certificates(session, person)), status


@bp.get("/mijn-overzicht/registers")
@login_required
def registries():
    with current_db().begin() as session:
        person = signed_in_person(session) or abort(401)
        return _page(session, person)


@bp.post("/mijn-overzicht/registers/<int:registry_id>")
@login_required
def save(registry_id: int):
    number, consent = request.form.get("number", ""), request.form.get("consent") == "ja"
    try:
        with current_db().begin() as session:
            person = signed_in_person(session) or abort(401)
            registration_numbers.save_number(session, person, registry_id, number[:64], consent, now())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            person = signed_in_person(session) or abort(401)
            errors = {registry_id: {field: [_(m) for m in messages] for field, messages in exc.errors.items()}}
            errors[registry_id].setdefault("summary", [error_message(exc)])
            return _page(session, person, errors, {registry_id: {"number": number[:64], "consent": consent}}, 422)
    flash(_("Je nummer is opgeslagen."))
    return redirect(url_for("my_accreditation.registries", _anchor=f"register-{registry_id}"))


@bp.post("/mijn-overzicht/registers/<int:registry_id>/intrekken")
@login_required
def withdraw(registry_id: int):
    with current_db().begin() as session:
        person = signed_in_person(session) or abort(401)
        registration_numbers.withdraw(session, person, registry_id, now())
    flash(_("Je toestemming is ingetrokken. We hebben je nummer gewist en geven niets meer door aan dit register."))
    return redirect(url_for("my_accreditation.registries", _anchor=f"register-{registry_id}"))


def _pdf(name: str, body: bytes) -> Response:
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/mijn-overzicht/certificaten/<record_uuid>.pdf")
@login_required
def certificate(record_uuid: str):
    with current_db().begin() as session:
        person = signed_in_person(session) or abort(401)
        name, body = certificates.my_certificate(session, person, record_uuid[:40], current_settings().base_url)
    return _pdf(name, body)


@bp.get("/mijn-overzicht/jaaroverzicht/<int:year>.pdf")
@login_required
def year_overview(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    with current_db().begin() as session:
        person = signed_in_person(session) or abort(401)
        body = certificates.year_overview(session, person, year)
    return _pdf(f"jaaroverzicht-accreditatie-{year}.pdf", body)
