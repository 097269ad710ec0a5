"""HR import pages (HR adviser or organisation admin): upload -> columns -> preview -> apply.

The uploaded file's rows wait in the database under a random token (not in the cookie); every
step looks the token up within the signed-in person's organisation only.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from service import models as m
from service.errors import InvalidInputError
from service.operations.hr_import import fields as hr_fields
from service.operations.hr_import import uploads
from service.operations.hr_import.files import HrFileError
from service.operations.hr_import.plan import HrImportRefused
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.forms import HrMappingForm, HrUploadForm

bp = Blueprint("hr_import", __name__, url_prefix="/hr/import")
ROLES = (m.ToolRole.HR, m.ToolRole.ORG_ADMIN)
#: the largest upload we accept at all; up to here the page says how large the file is and what fits
UPLOAD_CAP = 40 * 1024 * 1024


@bp.url_value_preprocessor
def allow_large_upload(endpoint, values):
    """An HR export is larger than the app's 1 MiB body limit; only the upload may be (runs before any form is read)."""
    if endpoint == "hr_import.upload" and request.method == "POST":
        request.max_content_length = UPLOAD_CAP


@bp.route("", methods=["GET", "POST"])
@role_required(*ROLES)
def upload():
    form = HrUploadForm()
    error = None
    with current_db().begin() as session:
        person = signed_in_person(session)
        if form.validate_on_submit():
            upload_file = form.file.data
            with upload_file.stream:  # a large upload is a temporary file: close it at once
                data = upload_file.read()
            try:
                pending = uploads.create_pending(session, person.organisation, person, upload_file.filename or "",
                                                 data, now())
            except HrFileError as exc:
                error = exc.problem.message(_)
            else:
                mapping, remembered = uploads.mapping_for(session, person.organisation, pending.headers)
                target = "hr_import.preview" if remembered else "hr_import.columns"
                return redirect(url_for(target, token=pending.token))
        runs = uploads.recent_runs(session, person.organisation)
        status = 422 if error or form.errors else 200
        return render_template("hr/import_upload.html", form=form, error=error, runs=runs), status


@bp.route("/<token>/kolommen", methods=["GET", "POST"])
@role_required(*ROLES)
def columns(token: str):
    form = HrMappingForm()
    error = None
    with current_db().begin() as session:
        person = signed_in_person(session)
        pending = uploads.get_pending(session, person.organisation, token, now())
        mapping, remembered = uploads.mapping_for(session, person.organisation, pending.headers)
        if form.validate_on_submit():
            chosen = {name: request.form.get(f"field-{name}", "") for name in hr_fields.FIELDS}
            try:
                uploads.save_mapping(session, person.organisation, pending.headers, chosen, person, now())
            except InvalidInputError as exc:
                error, mapping = _(exc.template) % exc.values, chosen
            else:
                return redirect(url_for("hr_import.preview", token=token))
        return render_template("hr/import_columns.html", form=form, pending=pending, mapping=mapping,
                               fields=hr_fields.FIELDS, required=hr_fields.REQUIRED, error=error), 422 if error else 200


@bp.get("/<token>")
@role_required(*ROLES)
def preview(token: str):
    with current_db().begin() as session:
        person = signed_in_person(session)
        pending, mapping, remembered, report = uploads.preview_pending(session, person.organisation, token, now())
        return render_template("hr/import_preview.html", form=HrMappingForm(), pending=pending, mapping=mapping,
                               remembered=remembered, report=report, fields=hr_fields.FIELDS,
                               message=lambda problem: problem.message(_))


@bp.post("/<token>/toepassen")
@role_required(*ROLES)
def apply(token: str):
    form = HrMappingForm()
    if not form.validate_on_submit():
        return redirect(url_for("hr_import.preview", token=token))
    try:
        with current_db().begin() as session:
            person = signed_in_person(session)
            report = uploads.apply_pending(session, person.organisation, person, token, now(),
                                           confirm_leavers=request.form.get("confirm_leavers") == "1")
    except HrImportRefused as refused:
        flash(_("Zet eerst het vinkje als deze medewerkers echt uit dienst zijn. Er is niets opgeslagen.")
              if refused.report.ok else _("Het bestand heeft fouten. Er is niets opgeslagen."))
        return redirect(url_for("hr_import.preview", token=token))
    flash(ngettext("Het HR-bestand is ingelezen: %(num)d medewerker nieuw.",
                   "Het HR-bestand is ingelezen: %(num)d medewerkers nieuw.", len(report.added)))
    return redirect(url_for("hr_import.upload"))
