"""Named errors of the service; ``service.web.errors`` maps them to HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error the service raises on purpose.

    The message is a Dutch text, marked with ``N_`` for the catalogue; values for its
    ``%(name)s`` placeholders come as keywords, so the web layer can translate the text
    first and fill in the values after (``service.web.i18n.error_message``).
    """

    status = 500

    def __init__(self, message: str = "", **values):
        self.template = message
        self.values = values
        super().__init__(message % values if values else message)


class ConfigurationError(ServiceError):
    """Raised when a DIGITOETS_* variable is missing or wrong at start-up."""


class NotFoundError(ServiceError):
    """Raised when a requested thing does not exist or is not visible to the caller."""

    status = 404


class ConflictError(ServiceError):
    """Raised when an action does not fit the current state (a closed attempt, say)."""

    status = 409


class InvalidInputError(ServiceError):
    """Raised when input is well-formed but not acceptable; carries per-field messages."""

    status = 422

    def __init__(self, message: str, errors: dict | None = None, **values):
        super().__init__(message, **values)
        self.errors = errors or {}


class ForbiddenError(ServiceError):
    """Raised when the caller is known but may not do this."""

    status = 403
