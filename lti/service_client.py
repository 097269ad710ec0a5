"""OAuth2 client-credentials access to a platform's services (1EdTech Security Framework 1.0).

A client assertion (a JWT signed with the tool's current key; ``aud`` is the registration's
``auth_audience`` or its token URL) is exchanged for an access token, which is cached until
shortly before it expires. ``ServiceClient`` is the base of the AGS and NRPS clients.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, Callable, Sequence
from urllib.parse import urljoin

import jwt
import requests

from lti.errors import ServiceError
from lti.keys import signing_key
from lti.registration import Registration, ToolKey
from lti.request import TimeoutSession
from lti.tool_conf import KeyRing

logger = logging.getLogger(__name__)

MAX_PAGES = 1000
TOKEN_MARGIN = 30


class TokenCache:
    """Access tokens by (token URL, client id, scopes) until shortly before they expire.

    Share one per process between clients; it is thread-safe.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            token, until = self._tokens.get(key, ("", 0.0))
            return token if token and self._clock() < until else None

    def put(self, key: tuple[str, str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, self._clock() + max(0.0, expires_in - TOKEN_MARGIN))

    def drop(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


class ServiceClient:
    """OAuth2 client-credentials access to one registration's services (LTI Security 1.0).

    Args:
        registration: The platform registration.
        key: The tool key (or key ring: its current key signs) for client assertions.
        session: A ``requests.Session``; default one with a timeout.
        timeout: Seconds per request.
        token_cache: Shared ``TokenCache``; default one per client.
    """

    error = ServiceError

    def __init__(self, registration: Registration, key: ToolKey | KeyRing, *,
                 session: requests.Session | None = None, timeout: float = 10.0,
                 token_cache: TokenCache | None = None):
        self.registration = registration
        self._key = key
        self._session = session or TimeoutSession(timeout)
        self._timeout = timeout
        self._tokens = token_cache or TokenCache()

    def access_token(self, scopes: Sequence[str]) -> str:
        """Return a cached or new access token for ``scopes``."""
        cache_key = self._cache_key(scopes)
        token = self._tokens.get(cache_key)
        if token:
            return token
        key = self._key.current() if hasattr(self._key, "current") else self._key
        reg = self.registration
        now = int(time.time())
        assertion = jwt.encode(
            {"iss": reg.client_id, "sub": reg.client_id, "aud": reg.token_audience,
             "iat": now - 5, "exp": now + 60, "jti": uuid.uuid4().hex},
            signing_key(key), algorithm="RS256", headers={"kid": key.kid})
        data = {"grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion, "scope": " ".join(sorted(scopes))}
        response = self._send("POST", reg.auth_token_url, data=data,
                              headers={"Accept": "application/json"}, what="token endpoint")
        try:
            body = response.json()
            token, expires_in = body["access_token"], float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise self.error("token endpoint answered without access_token", response.status_code) from exc
        self._tokens.put(cache_key, token, expires_in)
        logger.info("Access token for registration %s (%s scopes)", reg.id, len(scopes))
        return token

    def _cache_key(self, scopes: Sequence[str]) -> tuple[str, str, str]:
        return (self.registration.auth_token_url, self.registration.client_id,
                " ".join(sorted(set(scopes))))

    def _call(self, method: str, url: str, scopes: Sequence[str], *, what: str,
              **kwargs: Any) -> requests.Response:
        """Send an authorised request; a 401 with a cached token gets one fresh-token retry."""
        headers = dict(kwargs.pop("headers", {}))
        for attempt in (1, 2):
            headers["Authorization"] = "Bearer " + self.access_token(scopes)
            response = self._send(method, url, headers=headers, what=what, check=False, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._tokens.drop(self._cache_key(scopes))
                continue
            break
        if not response.ok:
            raise self._status_error(response.status_code, what)
        return response

    def _status_error(self, status: int, what: str) -> ServiceError:
        return self.error(f"{what} answered {status}", status)

    def _send(self, method: str, url: str, *, what: str, check: bool = True,
              **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        try:
            response = self._session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise self.error(f"{what} unreachable: {type(exc).__name__}") from exc
        if check and not response.ok:
            raise self.error(f"{what} answered {response.status_code}", response.status_code)
        return response

    def _pages(self, url: str | None, scopes: list[str], accept: str, what: str):
        seen: set[str] = set()
        while url and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            response = self._call("GET", url, scopes, what=what, headers={"Accept": accept})
            try:
                body = response.json()
            except ValueError as exc:
                raise self.error(f"{what} answered no JSON", response.status_code) from exc
            yield body
            url = next_page_url(response, body)


def next_page_url(response: requests.Response, body: Any) -> str | None:
    """The next page: ``rel=next`` in the Link header (case kept), else ``next`` in the body."""
    for link in requests.utils.parse_header_links(response.headers.get("Link", "")):
        if "next" in link.get("rel", "").lower().split() and link.get("url"):
            return urljoin(response.url, link["url"])
    if isinstance(body, dict) and isinstance(body.get("next"), str) and body["next"]:
        return urljoin(response.url, body["next"])
    return None
