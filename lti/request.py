"""The request object the lti package reads, and the cookies it asks the caller to set.

The service fills an ``LtiRequest`` from its web framework; pylti1p3's ``FlaskRequest`` works
too (anything with ``get_param``, ``get_cookie`` and ``is_secure``)::

    LtiRequest(params=request.values.to_dict(), cookies=request.cookies.to_dict(),
               secure=request.is_secure)

No Flask session is involved: ``session`` is an empty dict that nothing reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Mapping, Protocol
from urllib.parse import urlsplit

import requests
from pylti1p3.cookie import CookieService
from pylti1p3.request import Request

COOKIE_PREFIX = "lti1p3-"  # what pylti1p3's FlaskCookieService uses, so both can read them
USER_AGENT = "Digitoets-LTI/1.0"


class RequestLike(Protocol):
    """What the lti package reads from a request (pylti1p3's ``FlaskRequest`` fits)."""

    def get_param(self, key: str) -> str | None: ...

    def get_cookie(self, key: str) -> str | None: ...

    def is_secure(self) -> bool: ...


@dataclass(frozen=True)
class LtiRequest(Request):
    """A framework-free pylti1p3 request.

    Attributes:
        params: Form fields of a POST (or query parameters of a GET), first value per name.
        cookies: The request's cookies.
        secure: Whether the request came over HTTPS (behind a proxy: as the proxy says).
    """

    params: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    secure: bool = True

    @property
    def session(self) -> dict:
        """Unused: launch state lives in the ``LaunchStateStore``, not in a session."""
        return {}

    def get_param(self, key: str) -> str | None:
        return self.params.get(key)

    def get_cookie(self, key: str) -> str | None:
        return self.cookies.get(key)

    def is_secure(self) -> bool:
        return self.secure


@dataclass(frozen=True)
class Cookie:
    """A cookie the caller must set on its response.

    Set it ``Secure; HttpOnly; SameSite=None; Partitioned; Path=/`` so it survives the
    cross-site form POST of the launch inside the platform's iframe.
    """

    name: str
    value: str = field(repr=False)
    max_age: int | None


class CookieJar(CookieService):
    """pylti1p3 ``CookieService`` that reads request cookies and collects cookies to set.

    ``prove`` records a value the browser proved another way (LTI platform storage), so
    pylti1p3's state check accepts it without the cookie.
    """

    def __init__(self, request: RequestLike):
        self._request = request
        self._proven: dict[str, str] = {}
        self.to_set: list[Cookie] = []

    def get_cookie(self, name: str) -> str | None:
        return self._proven.get(name) or self._request.get_cookie(COOKIE_PREFIX + name)

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.to_set.append(Cookie(COOKIE_PREFIX + name, str(value), exp))

    def prove(self, name: str, value: str) -> None:
        self._proven[name] = value


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that never waits forever (pylti1p3 passes no timeout)."""

    def __init__(self, timeout: float = 10.0):
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, *args, **kwargs):  # noqa: D102 - requests' signature
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def host_allowed(url: str | None, allowed_hosts: frozenset[str]) -> bool:
    """Return whether ``url`` is http(s) on one of ``allowed_hosts``.

    Hosts compare case-insensitively as ``host`` or ``host:port``; default ports (443, 80)
    are dropped first, so ``digitoets.nl`` matches ``https://digitoets.nl:443/lti/launch``.
    """
    if not url:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return False
    default = 443 if parts.scheme == "https" else 80
    netloc = parts.hostname.lower() if port in (None, default) else f"{parts.hostname.lower()}:{port}"
    return netloc in allowed_hosts


def normalise_hosts(allowed_hosts: Collection[str] | str) -> frozenset[str]:
    """Lower-case a host list; a single string is one host."""
    if isinstance(allowed_hosts, str):
        allowed_hosts = [allowed_hosts]
    result = set()
    for host in allowed_hosts:
        host = host.strip().lower()
        for suffix in (":443", ":80"):
            host = host.removesuffix(suffix)
        result.add(host)
    return frozenset(result)
