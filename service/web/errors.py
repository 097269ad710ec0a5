"""The one place that maps exceptions to HTTP; every JSON error has the same shape."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.errors import InvalidInputError, ServiceError

logger = logging.getLogger(__name__)


def error_body(code: int, message: str, errors: dict | None = None):
    body = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), code


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return error_body(422, "De invoer klopt niet.", exc.normalized_messages())

    @app.errorhandler(InvalidInputError)
    def _invalid(exc: InvalidInputError):
        return error_body(422, str(exc), exc.errors)

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        if exc.status >= 500:
            logger.exception("Service error on %s", request.path)
        return error_body(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_body(exc.code or 500, exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("Unexpected error on %s", request.path)
        return error_body(500, "Er ging iets mis aan onze kant. Probeer het later opnieuw.")
