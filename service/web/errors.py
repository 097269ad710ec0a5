"""The one place that maps exceptions to HTTP.

JSON callers (the autosave script, APIs) get ``{"code", "status", "message", "errors"}``;
people in a browser get a short page with a way back, in their language, for every status
(``service.web.error_texts``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from werkzeug.exceptions import HTTPException

from lti.errors import BusyError
from service.errors import InvalidInputError, ServiceError
from service.log_throttle import OncePerInterval
from service.web.error_texts import status_texts
from service.web.i18n import error_message

logger = logging.getLogger(__name__)

#: seconds a browser or script is asked to wait before trying again while the database is away
DATABASE_RETRY_AFTER = 30
_outages = OncePerInterval(60.0)


def wants_json() -> bool:
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(code: int, message: str | None = None, errors: dict | None = None, *,
                   title: str | None = None, headers: list[tuple[str, str]] | None = None):
    """The error in the JSON shape of STYLE.md or as our page, in the reader's language.

    ``title`` and ``message`` default to the texts of the status (``service.web.error_texts``).
    """
    default_title, default_message = status_texts(code)
    message = message or default_message
    if wants_json():
        body = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), code, headers or []
    page = render_template("error.html", code=code, title=title or default_title, message=message, errors=errors or {})
    return page, code, headers or []


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
        return error_response(400, _("Deze pagina was verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens."),
                              title=_("Pagina verlopen"))

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        if exc.status >= 500:
            logger.exception("Service error on %s", request.path)
        return error_response(exc.status, error_message(exc))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(SqlTimeoutError)
    def _database_unavailable(exc: Exception):
        # The database refuses, hangs (connect or statement timeout) or dropped the connection:
        # nothing was stored half (the transaction rolled back), so "try again in a moment" is
        # true. The page renders without touching the database (no query in the error path nor
        # in the security-header hook); the outage is logged once per minute, not per request.
        g.database_unavailable = True
        log, suppressed = _outages.should_log("database")
        if log:
            cause = getattr(exc, "orig", None) or exc
            logger.error("Database unavailable on %s: %s%s", request.path, type(cause).__name__,
                         f" ({suppressed} more requests failed the same way)" if suppressed else "")
        return error_response(503, _("Digitoets kan nu even niet bij zijn gegevens. Wat je al had opgeslagen, is bewaard. "
                                     "Probeer het over een minuut opnieuw."),
                              title=_("Even niet beschikbaar"), headers=[("Retry-After", str(DATABASE_RETRY_AFTER))])

    @app.errorhandler(BusyError)
    def _busy(exc: BusyError):
        # too many LTI logins wait for their launch (anyone may start one): try again in a minute
        message = _("Er openen nu heel veel mensen tegelijk Digitoets. "
                    "Wacht een minuut en open Digitoets dan opnieuw vanuit je leeromgeving.")
        return error_response(503, message, headers=[("Retry-After", "60")])

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # Every HTTP error werkzeug or a view raises (abort(403), an unknown URL, a too-large form):
        # our text for the status, never werkzeug's English description (which also carries
        # parser details such as "Failed to decode JSON object"). Headers such as Allow (405)
        # and Retry-After (429) are kept.
        code = exc.code or 500
        if code >= 500:
            logger.error("HTTP %s on %s: %s", code, request.path, type(exc).__name__)
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return error_response(code, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("Unexpected error on %s", request.path)
        return error_response(500)
