"""The one place that maps exceptions to HTTP.

JSON callers (the autosave script, APIs) get ``{"code", "status", "message", "errors"}``;
people in a browser get a short Dutch page with a way back.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.errors import InvalidInputError, ServiceError
from service.web.i18n import error_message

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(code: int, message: str, errors: dict | None = None):
    if wants_json():
        body = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), code
    return render_template("error.html", code=code, message=message, errors=errors or {}), code


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return error_response(422, _("De invoer klopt niet."), exc.normalized_messages())

    @app.errorhandler(InvalidInputError)
    def _invalid(exc: InvalidInputError):
        return error_response(422, error_message(exc), exc.errors)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        logger.info("CSRF check failed on %s: %s", request.path, exc.description)
        return error_response(400, _("Deze pagina was verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens."))

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        if exc.status >= 500:
            logger.exception("Service error on %s", request.path)
        return error_response(exc.status, error_message(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        messages = {
            401: _("Je bent niet (meer) aangemeld. Open Digitoets opnieuw vanuit je leeromgeving."),
            404: _("Deze pagina bestaat niet."),
            405: _("Dit kan zo niet. Ga terug en probeer het opnieuw."),
        }
        return error_response(exc.code or 500, messages.get(exc.code, exc.description or ""))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("Unexpected error on %s", request.path)
        return error_response(500, _("Er ging iets mis aan onze kant. Je antwoorden zijn bewaard. Probeer het later opnieuw."))
