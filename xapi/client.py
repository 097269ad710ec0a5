"""A small, strict client for an LRS's statement resource (xAPI 1.0.3), built on requests.

Why not tincan's ``RemoteLRS``: it opens a connection per call, has no timeout, no retries and
crashes on an empty 204 body. This client keeps one keep-alive ``requests.Session``, always
sends a timeout, turns every failure into an ``xapi.errors`` exception, and never logs or
raises anything that contains the password, the Authorization header or a statement payload.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterator, Sequence
from urllib.parse import urljoin, urlsplit

import requests

from xapi.comparison import same_statement
from xapi.errors import (ConflictingStatementError, LRSError, LRSRejectedError,
                         LRSUnavailableError)

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
MAX_BATCH = 100
_UNAVAILABLE = {408, 425, 429}


@dataclass
class BatchResult:
    """What happened to each statement of a ``post_batch`` call, by statement id.

    Attributes:
        delivered: Stored by the LRS now or earlier with the same content.
        conflicts: The LRS holds a different statement under the same id (alert a person).
        rejected: The LRS refused the statement; the value is the LRS's reason.
    """

    delivered: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every statement was delivered."""
        return not self.conflicts and not self.rejected


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


def backoff_delay(attempt: int, base: float = 1, cap: float = 300,
                  retry_after: float | None = None, rng: Any = random) -> float:
    """Seconds to wait before retry number ``attempt`` (1 = first retry).

    Exponential backoff with full jitter: a uniform draw from ``[0, min(cap, base * 2**(n-1))]``,
    so that many workers do not retry in step. A ``Retry-After`` from the LRS is a floor.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    delay = rng.uniform(0, ceiling)
    return max(delay, retry_after) if retry_after is not None else delay


#: How much of the LRS's own explanation an admin gets to read.
REASON_LENGTH = 240


def _reason(response: requests.Response) -> str:
    """A short reason for the admin: the status and the LRS's JSON message, never a raw body.

    The body of an answer is the other server's text: an HTML page, a stack trace, or (if an
    endpoint points somewhere it should not) another service's data. Only the ``message`` or
    ``warnings`` of an xAPI error object count, as printable text of at most ``REASON_LENGTH``.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    text = ""
    if isinstance(body, dict):
        parts = body.get("warnings") or [body.get("message") or ""]
        if isinstance(parts, list):
            text = "; ".join(str(part) for part in parts if isinstance(part, (str, int, float)) and part)
        text = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:REASON_LENGTH]
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


class LRSClient:
    """Client of one LRS endpoint, e.g. ``http://127.0.0.1:8081/xAPI/``.

    Args:
        endpoint: Base URL of the xAPI resources (``statements`` and ``about`` live under it).
        username: Basic auth user name (the LRS client key), or None for no auth.
        password: Basic auth password (the LRS client secret).
        timeout: ``(connect, read)`` seconds for every request.
        session: A ``requests.Session`` to use; by default the client makes and owns one.
        max_batch: Statements per POST; longer lists are sent in chunks.

    Raises:
        ValueError: If the endpoint is not an http(s) URL or carries credentials in it.
    """

    def __init__(self, endpoint: str, username: str | None = None, password: str | None = None,
                 timeout: float | tuple[float, float] = (3.05, 10),
                 session: requests.Session | None = None, max_batch: int = MAX_BATCH):
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("LRS endpoint must be an http(s) URL")
        if parts.username or parts.password:
            raise ValueError("put LRS credentials in username/password, not in the endpoint URL")
        self.endpoint = endpoint.rstrip("/") + "/"
        self.statements_url = urljoin(self.endpoint, "statements")
        self.timeout = timeout
        self.max_batch = max_batch
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._auth = (username, password or "") if username is not None else None
        self._headers = {"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json"}

    def __repr__(self) -> str:
        return f"LRSClient({self.endpoint!r})"  # never the credentials

    def close(self) -> None:
        """Close the session if the client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> LRSClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------
    def _request(self, method: str, url: str, extra_headers: dict[str, str] | None = None,
                 **kwargs: Any) -> requests.Response:
        """Send one request; raise LRSUnavailableError for anything worth retrying later."""
        headers = {**self._headers, **extra_headers} if extra_headers else self._headers
        try:
            response = self._session.request(method, url, headers=headers,
                                              auth=self._auth, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise LRSUnavailableError(f"LRS did not answer {method} within {self.timeout} s") \
                from None
        except requests.ConnectionError:
            raise LRSUnavailableError(f"cannot connect to the LRS at {self.endpoint}") from None
        except requests.RequestException as exc:
            raise LRSError(f"{method} to the LRS failed: {type(exc).__name__}") from None
        status = response.status_code
        if status in _UNAVAILABLE or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise LRSUnavailableError(f"LRS answered {method} with {status}", status, retry_after)
        if status in (401, 403):
            raise LRSRejectedError(f"LRS refused the credentials ({status})", status)
        return response

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise LRSError(f"LRS answered {response.status_code} without JSON",
                           response.status_code) from None

    # --- reading -----------------------------------------------------------------------------
    def about(self) -> dict[str, Any]:
        """The LRS's ``/about`` document (its xAPI versions)."""
        response = self._request("GET", urljoin(self.endpoint, "about"))
        if response.status_code != 200:
            raise LRSError(f"GET about answered {response.status_code}", response.status_code)
        return self._json(response)

    def get_statement(self, statement_id: str) -> dict[str, Any] | None:
        """The stored statement with this id, voided or not; None if the LRS has none."""
        for param in ("statementId", "voidedStatementId"):
            response = self._request("GET", self.statements_url, params={param: statement_id})
            if response.status_code == 200:
                return self._json(response)
            if response.status_code != 404:
                raise LRSError(f"GET statement {statement_id} answered {response.status_code}",
                               response.status_code)
        return None

    def fetch_statements(self, since: datetime | str | None = None,
                         params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Yield statements matching ``params``, page by page, following ``more`` links.

        Args:
            since: Only statements stored after this moment (aware datetime or ISO string).
            params: Further query parameters (``verb``, ``activity``, ``limit``, ``ascending``...).

        Raises:
            LRSError: On an unexpected answer or a ``more`` link that loops.
        """
        query = dict(params or {})
        if since is not None:
            query["since"] = since.isoformat() if isinstance(since, datetime) else since
        url, seen = self.statements_url, set()
        while url:
            response = self._request("GET", url, params=query if not seen else None)
            if response.status_code != 200:
                raise LRSError(f"GET statements answered {response.status_code}",
                               response.status_code)
            page = self._json(response)
            yield from page.get("statements", [])
            seen.add(url)
            more = page.get("more") or ""
            url = urljoin(self.endpoint, more) if more else ""
            if url in seen:
                raise LRSError("LRS returned a 'more' link that was already followed")

    # --- writing -----------------------------------------------------------------------------
    def put_statement(self, statement: dict[str, Any]) -> None:
        """Store one statement with ``PUT ?statementId=`` (idempotent).

        Raises:
            ConflictingStatementError: The LRS holds a different statement under this id.
            LRSRejectedError: The LRS refused the statement (the reason is in the message).
            LRSUnavailableError: Try again later.
        """
        statement_id = statement["id"]
        response = self._request("PUT", self.statements_url, params={"statementId": statement_id},
                                 json=statement)
        if response.status_code in (200, 204):
            return
        if response.status_code == 409:
            stored = self.get_statement(statement_id)
            if stored is not None and same_statement(statement, stored):
                return
            raise ConflictingStatementError(statement_id)
        if response.status_code in (400, 413):
            raise LRSRejectedError(f"LRS rejected statement {statement_id}: {_reason(response)}",
                                   response.status_code)
        raise LRSError(f"PUT statement answered {response.status_code}", response.status_code)

    def post_batch(self, statements: Sequence[dict[str, Any]]) -> BatchResult:
        """POST statements (chunks of ``max_batch``) and account for each one.

        200 means all delivered. On 409 each statement is fetched and compared: equal ones are
        delivered, different ones are conflicts, and the rest are sent again. On 400/413 the
        batch is split in halves until every refused statement is isolated with its reason.

        Raises:
            ValueError: If a statement has no id (ours always do: ids must be deterministic).
            LRSUnavailableError: On 429, 5xx, timeouts and refused connections; statements
                delivered before the error stay delivered, so resend the whole list later.
            LRSRejectedError: If the LRS refuses our credentials.
        """
        result, unique, by_id = BatchResult(), [], {}
        for statement in statements:
            statement_id = statement.get("id")
            if not statement_id:
                raise ValueError("every statement needs an id before it is sent")
            if statement_id in by_id:
                if not same_statement(by_id[statement_id], statement):
                    result.conflicts.append(statement_id)  # two versions of one event
                continue
            by_id[statement_id] = statement
            unique.append(statement)
        for start in range(0, len(unique), self.max_batch):
            self._post(unique[start:start + self.max_batch], result)
        logger.info("LRS batch of %d: %d delivered, %d conflicts, %d rejected", len(unique),
                    len(result.delivered), len(result.conflicts), len(result.rejected))
        return result

    def post_serialized(self, statements: Sequence[tuple[str, str]]) -> BatchResult:
        """POST statements already stored as JSON text, as ``(id, json)`` pairs, without parsing them.

        The common case (200) costs no JSON work at all; anything else (409, 400, 413) falls
        back to ``post_batch``, which parses them and sorts each statement out. The LRS stores
        nothing of a batch it answers 409 or 400 to, so sending that batch again is safe.

        Raises:
            LRSUnavailableError, LRSRejectedError: As ``post_batch``.
        """
        result = BatchResult()
        for start in range(0, len(statements), self.max_batch):
            chunk = statements[start:start + self.max_batch]
            body = ("[" + ",".join(text for _, text in chunk) + "]").encode("utf-8")
            response = self._request("POST", self.statements_url, data=body,
                                     extra_headers={"Content-Type": "application/json"})
            if response.status_code == 200:
                result.delivered.extend(statement_id for statement_id, _ in chunk)
                continue
            fallback = self.post_batch([json.loads(text) for _, text in chunk])
            result.delivered += fallback.delivered
            result.conflicts += fallback.conflicts
            result.rejected.update(fallback.rejected)
        return result

    def _post(self, chunk: list[dict[str, Any]], result: BatchResult) -> None:
        response = self._request("POST", self.statements_url, json=chunk)
        status = response.status_code
        if status == 200:
            result.delivered.extend(statement["id"] for statement in chunk)
        elif status == 409:
            self._settle_conflict(chunk, result)
        elif status in (400, 413):
            if len(chunk) == 1:
                statement_id = chunk[0]["id"]
                result.rejected[statement_id] = _reason(response)
                logger.warning("LRS rejected statement %s (%s)", statement_id, status)
            else:
                middle = len(chunk) // 2
                self._post(chunk[:middle], result)
                self._post(chunk[middle:], result)
        else:
            raise LRSError(f"POST statements answered {status}", status)

    def _settle_conflict(self, chunk: list[dict[str, Any]], result: BatchResult) -> None:
        """After a 409 (the LRS stores nothing of such a batch), sort out each statement."""
        unsent = []
        for statement in chunk:
            stored = self.get_statement(statement["id"])
            if stored is None:
                unsent.append(statement)
            elif same_statement(statement, stored):
                result.delivered.append(statement["id"])
            else:
                result.conflicts.append(statement["id"])
                logger.error("LRS holds a different statement with id %s", statement["id"])
        if not unsent:
            return
        if len(unsent) < len(chunk):
            self._post(unsent, result)
        elif len(unsent) == 1:
            # 409 again, yet the LRS cannot show the statement: report it rather than loop.
            result.conflicts.append(unsent[0]["id"])
            logger.error("LRS reports a conflict for %s but does not return it", unsent[0]["id"])
        else:
            middle = len(unsent) // 2
            self._post(unsent[:middle], result)
            self._post(unsent[middle:], result)
