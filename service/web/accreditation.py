"""The accreditation administrator's pages at /accreditatie: overview, exports, reminders, account."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.jobs import accreditation_exports as exports_job
from service.operations import accreditation_admin as admin
from service.operations import certificates, pe_online_delivery, registration_numbers
from service.pe_online.explain import BY_CODE, UNKNOWN
from service.web import current_db, current_settings
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


def _index(session, person, error=None, status=200, errors=None):
    org = person.organisation
    return render_template(
        "accreditation/admin.html", registries=admin.registries(session), counts=admin.status_counts(session, org.id),
        missing=registration_numbers.missing_numbers(session, org.id), log=admin.export_log(session, org),
        account=admin.account(session, org.id), error=error, errors=errors or {},
        activities=admin.activities_with_certificates(session, org.id), sync_certificates=admin.SYNC_CERTIFICATES,
        exports=admin.recent_exports(session, org, now() - exports_job.KEEP_FILES),
        rejected=[(r, name, BY_CODE.get(r.status_code, UNKNOWN))
                  for r, name in pe_online_delivery.rejected_records(session, org.id)]
    ), status


@bp.get("")
@role_required(ROLE)
def index():
    with current_db().begin() as session:
        return _index(session, _admin(session))


def _exports_dir() -> Path:
    return exports_job.exports_dir(current_settings().instance_path)


def _send(path: Path, filename: str, mimetype: str, remove: bool) -> Response:
    """A file as a download, read from disk in blocks (never the whole file in memory)."""

    def blocks():
        try:
            with path.open("rb") as handle:
                while block := handle.read(64 * 1024):
                    yield block
        finally:
            if remove:
                path.unlink(missing_ok=True)

    return Response(blocks(), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Length": str(path.stat().st_size),
        "Cache-Control": "no-store"})


def _started(export_id: int, export_uuid) -> Response:
    """Send the administrator to the progress page of a queued export (a worker makes it, on any host)."""
    return redirect(url_for("accreditation.export_progress", export_uuid=export_uuid), 303)


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
            total, _without = admin.check_exportable(session, person.organisation, registry, start, end)
            queued = result = None
            if total > admin.SYNC_RECORDS:
                queued = admin.queue_export(session, person.organisation, person, "xml", {
                    "registry_id": registry.id, "from": start.isoformat() if start else None,
                    "to": end.isoformat() if end else None}, total, now())
                queued = (queued.id, queued.uuid)
            else:
                result = admin.export_xml(session, person.organisation, person, registry, start, end, now(),
                                          _exports_dir())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            return _index(session, _admin(session), error_message(exc), 422)
    if queued:
        return _started(*queued)
    return _send(result.path, result.filename, result.mimetype, remove=True)


def _own_export(session, export_uuid: str) -> m.AccreditationExport:
    """An export of the signed-in administrator's organisation, or 404 (another's never shows)."""
    try:
        return admin.find_export(session, _admin(session).organisation, export_uuid[:64])
    except NotFoundError:
        abort(404)


@bp.get("/exports/<export_uuid>")
@role_required(ROLE)
def export_progress(export_uuid: str):
    """How far a background export is; refreshes itself (no JavaScript needed) until it is ready."""
    with current_db().begin() as session:
        row = _own_export(session, export_uuid)
        # a maker that stopped left its lease: the next worker starts it again, so it waits (not failed)
        stale = row.status is m.ExportStatus.RUNNING and row.leased_until is not None and row.leased_until < now()
        busy = row.status in (m.ExportStatus.WAITING, m.ExportStatus.RUNNING)
        body = render_template("accreditation/progress.html", export=row, stale=stale,
                               percent=int(100 * row.done / row.total) if row.total and not stale else 0)
    # the browser asks again in a few seconds (the Refresh header: no JavaScript needed); the page has a link too
    return Response(body, headers={"Refresh": "3", "Cache-Control": "no-store"} if busy else {})


@bp.get("/exports/<export_uuid>/bestand")
@role_required(ROLE)
def export_download(export_uuid: str):
    with current_db().begin() as session:
        row = _own_export(session, export_uuid)
        if row.status is not m.ExportStatus.DONE or not row.filename:
            abort(404)
        path, filename, mimetype = exports_job.export_file(_exports_dir(), row.uuid), row.filename, row.mimetype
    if not path.exists():
        abort(404)
    return _send(path, filename, mimetype, remove=False)


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


@bp.post("/account")
@role_required(ROLE)
def save_account():
    form = request.form
    try:
        with current_db().begin() as session:
            person = _admin(session)
            admin.save_account(session, person.organisation, person, form.get("user_id", "")[:100],
                               form.get("user_key", "")[:150], form.get("email", "")[:320], now())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            errors = {field: [_(message) for message in messages] for field, messages in exc.errors.items()}
            return _index(session, _admin(session), error_message(exc), 422, errors)
    flash(_("Het PE-online-account is opgeslagen."))
    return redirect(url_for("accreditation.index", _anchor="pe-online"))


@bp.post("/versturen")
@role_required(ROLE)
def deliver():
    try:
        with current_db().begin() as session:
            person = _admin(session)
            count = pe_online_delivery.queue(session, person.organisation, person, now())
    except InvalidInputError as exc:
        with current_db().begin() as session:
            return _index(session, _admin(session), error_message(exc), 422)
    flash(ngettext("%(num)d punt staat klaar. Het gaat binnen een paar minuten naar PE-online.",
                   "%(num)d punten staan klaar. Ze gaan binnen een paar minuten naar PE-online.", count))
    return redirect(url_for("accreditation.index", _anchor="pe-online"))


@bp.post("/opnieuw")
@role_required(ROLE)
def resend():
    with current_db().begin() as session:
        person = _admin(session)
        count = pe_online_delivery.resend_rejected(session, person.organisation, person, now())
    flash(ngettext("%(num)d geweigerde regel wacht weer op versturen.", "%(num)d geweigerde regels wachten weer op versturen.",
                   count))
    return redirect(url_for("accreditation.index", _anchor="geweigerd"))


@bp.get("/certificaten/<int:activity_id>.zip")
@role_required(ROLE)
def certificates_zip(activity_id: int):
    """A small activity's certificates at once, written to a file and sent from disk."""
    with current_db().begin() as session:
        person = _admin(session)
        name, path, _count = certificates.activity_zip(session, person.organisation, person, activity_id,
                                                       current_settings().base_url, _exports_dir())
    return _send(path, name, "application/zip", remove=True)


@bp.post("/certificaten/<int:activity_id>")
@role_required(ROLE)
def certificates_background(activity_id: int):
    """Many certificates: made in the background, with progress in the page."""
    with current_db().begin() as session:
        person = _admin(session)
        if session.get(m.AccreditedActivity, activity_id) is None:
            abort(404)
        total = certificates.count_certificates(session, person.organisation.id, activity_id)
        if not total:
            abort(404)
        row = admin.queue_export(session, person.organisation, person, "certificates", {"activity_id": activity_id},
                                 total, now())
        queued = (row.id, row.uuid)
    return _started(*queued)
