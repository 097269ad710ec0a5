"""Named errors of the xapi package.

Every error the package raises is an ``XapiError``, so callers can catch the family. None of the
messages contain statement payloads, credentials or authorization headers: they name ids, paths
and HTTP statuses only.
"""

from __future__ import annotations


class XapiError(Exception):
    """Base class of every error raised by the xapi package."""


class InvalidStatementError(XapiError, ValueError):
    """Raised when a statement (or the event used to build it) breaks our xAPI rules.

    Attributes:
        path: Dotted path of the offending field, e.g. ``result.score.scaled``.
    """

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class LRSError(XapiError):
    """Raised when the LRS answers in a way the client cannot use (unexpected status or body)."""

    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


class LRSUnavailableError(LRSError):
    """Raised when the LRS cannot take statements now (429, 5xx, timeout, refused connection).

    The caller keeps the statements and tries again later, after at least ``retry_after``
    seconds when the LRS said so.

    Attributes:
        retry_after: Seconds the LRS asked us to wait (from ``Retry-After``), or ``None``.
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message, status)


class LRSRejectedError(LRSError):
    """Raised when the LRS refuses a request as is (400, 401, 403, 413): resending won't help."""


class ConflictingStatementError(LRSError):
    """Raised when the LRS already holds a different statement under the same id (409)."""

    def __init__(self, statement_id: str, message: str | None = None):
        self.statement_id = statement_id
        super().__init__(message or f"LRS holds a different statement with id {statement_id}", 409)
