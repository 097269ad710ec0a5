"""Requests the service makes to addresses that people typed in or that a platform sent us.

The LRS endpoint of an organisation and the URLs of dynamic registration come from outside. Left
alone, they let anyone make the server call into its own network (server-side request forgery):
the database, a metadata service at 169.254.169.254, an admin port on loopback. Outside
development every such request goes through ``check_target``: https only, and every address the
host name resolves to must be a public one. ``GuardedSession`` checks each request it sends,
redirects included, right before sending.

What remains: a host whose DNS answer changes between our check and the connection (DNS
rebinding) could still slip through; the check runs per request, just before the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests

from service.errors import InvalidInputError
from service.i18n_markers import N_


class UnsafeTargetError(requests.RequestException):
    """Raised when an outbound URL is not https, does not resolve, or resolves to a non-public address.

    A ``requests`` exception, so code that already handles failed requests handles this one too.

    Attributes:
        reason: ``not_https``, ``no_host``, ``unresolvable`` or ``internal_address``.
    """

    def __init__(self, reason: str, url: str):
        self.reason = reason
        super().__init__(f"{reason}: {urlsplit(url).hostname or '-'}")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for private, loopback, link-local, shared (100.64/10), reserved and unspecified
    return ip.is_global and not ip.is_multicast


def check_target(url: str, *, allow_internal: bool) -> None:
    """Refuse ``url`` unless it is https on a host whose every address is public.

    With ``allow_internal`` (development, tests, or an operator's explicit setting) http and
    internal addresses are allowed, but the URL must still be http(s) with a host.

    Raises:
        UnsafeTargetError: with the reason.
    """
    parts = urlsplit(url)
    if parts.scheme not in (("http", "https") if allow_internal else ("https",)):
        raise UnsafeTargetError("not_https", url)
    if not parts.hostname:
        raise UnsafeTargetError("no_host", url)
    if allow_internal:
        return
    try:
        answers = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeTargetError("unresolvable", url) from None
    if not answers or not all(_public(answer[4][0]) for answer in answers):
        raise UnsafeTargetError("internal_address", url)


def check_entered_url(url: str, field: str, *, allow_internal: bool) -> None:
    """``check_target`` for an address an admin typed in: a Dutch refusal that names the field.

    Raises:
        InvalidInputError: when the address is not https or points into an internal network.
    """
    try:
        check_target(url, allow_internal=allow_internal)
    except UnsafeTargetError as exc:
        if exc.reason == "not_https":
            raise InvalidInputError(N_("Dit adres moet met https:// beginnen."), {field: ["geen https"]}) from None
        if exc.reason == "unresolvable":
            raise InvalidInputError(N_("Dit adres bestaat niet: de naam van de server is onbekend."),
                                    {field: ["onbekende server"]}) from None
        raise InvalidInputError(N_("Dit adres wijst naar een intern netwerk. Dat mag niet: gebruik een openbaar adres."),
                                {field: ["intern adres"]}) from None


class GuardedSession(requests.Session):
    """A ``requests`` session that checks every URL it sends to (each redirect too) and has a timeout."""

    def __init__(self, *, allow_internal: bool, timeout: float | tuple[float, float] = 10.0):
        super().__init__()
        self.allow_internal = allow_internal
        self.timeout = timeout
        self.max_redirects = 3

    def send(self, request, **kwargs):
        check_target(request.url, allow_internal=self.allow_internal)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)
