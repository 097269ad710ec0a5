"""Named errors of the service; ``service.web.errors`` maps them to HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500


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

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.errors = errors or {}


class ForbiddenError(ServiceError):
    """Raised when the caller is known but may not do this."""

    status = 403
