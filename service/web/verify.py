"""The public certificate check at /verify/<code>: name, activity, date and points, nothing more."""

from __future__ import annotations

from flask import Blueprint, render_template

from service.errors import NotFoundError
from service.operations import certificates
from service.web import current_db

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
def verify(code: str):
    with current_db().begin() as session:
        try:
            found = certificates.verify(session, code[:40])
        except NotFoundError:
            return render_template("accreditation/verify.html", found=None), 404
        return render_template("accreditation/verify.html", found=found, code=code.strip().upper())
