"""Where a ``next`` parameter (or our own Referer) may send the browser: a path on this site only.

Every view that redirects to a target it got from the request goes through ``same_site_path``,
so an attacker's link cannot bounce an employee from our pages to a look-alike site.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def same_site_path(value: object, default: str) -> str:
    """Return ``value`` when it is a path on this site, else ``default``.

    Refused: anything not starting with one ``/`` (``//host`` is another site), backslashes
    (browsers read ``/\\host`` as ``//host``), whitespace and control characters (browsers drop a
    tab or newline, so ``/<TAB>/host`` becomes ``//host``), and anything with a scheme or host.
    """
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(c.isspace() or not c.isprintable() for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def same_site_referrer(referrer: str | None, host_url: str, default: str) -> str:
    """The path of ``referrer`` when it is one of our own pages (``host_url`` is ``http(s)://host/``)."""
    if not referrer or not referrer.startswith(host_url):
        return default
    return same_site_path("/" + referrer[len(host_url):], default)
