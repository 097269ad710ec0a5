"""Security headers, CSRF and framing: pages work inside the LMS iframe and in a new window.

``frame-ancestors`` (and ``form-action``) list the origins of the LMSs of the signed-in person's
own organisation, or before sign-in of the registration that is launching, instead of a blanket
deny: that LMS can embed the tool, and no other organisation's LMS (nor a stranger's site) can.

The origins are cached per organisation and per registration in each process (``OriginCache``),
so an HTML response does not query the database; a registration change made through the admin
pages clears the organisation's entry at once, other workers see it within ``ORIGINS_TTL``.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from service.operations import people, registrations
from service.web import current_db
from service.web.auth import PERSON_KEY

CACHE_EXTENSION = "digitoets.frame_origins"

csrf = CSRFProtect()

#: Endpoints whose responses are the same for everyone and may be cached: our own static files,
#: the tool's public key set and the xAPI profile. Every other response gets ``no-store``, so a
#: personal page, an admin page or an export never stays in a shared browser's or proxy's cache.
PUBLIC_ENDPOINTS = frozenset({"static", "lti.jwks", "xapi_profile.definition", "demo_lms.jwks"})
#: One year; sent only in production, where the base URL is https (Settings.validate).
HSTS = "max-age=31536000; includeSubDomains"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


#: Seconds an organisation's (or registration's) LMS origins stay cached in one process.
ORIGINS_TTL = 60.0


class OriginCache:
    """LMS origins per organisation or registration, and the organisation of a person, per process."""

    def __init__(self, ttl: float = ORIGINS_TTL, size: int = 4096):
        self.ttl, self.size = ttl, size
        self._origins: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._person_org: dict[int, int | None] = {}  # a person never moves to another organisation
        self._lock = threading.Lock()

    def origins(self, kind: str, key: int, *, cached_only: bool = False) -> list[str]:
        """Origins of an ``organisation`` or a ``registration`` (by id): from the cache or the database.

        ``cached_only``: never the database; an expired entry still answers, and a missing one is ``[]``.
        """
        now = time.monotonic()
        with self._lock:
            hit = self._origins.get((kind, key))
        if hit is not None and (hit[0] > now or cached_only):
            return hit[1]
        if cached_only:
            return []
        with current_db().begin() as session:
            rows = registrations.active_endpoints(session, **{f"{kind}_id": key})
        value = sorted({o for row in rows for o in map(_origin, row) if o})
        with self._lock:
            if len(self._origins) >= self.size:
                self._origins.clear()
            self._origins[(kind, key)] = (now + self.ttl, value)
        return value

    def organisation_of(self, person_id: int, *, cached_only: bool = False) -> int | None:
        with self._lock:
            if person_id in self._person_org or cached_only:
                return self._person_org.get(person_id)
        with current_db().begin() as session:
            organisation_id = people.organisation_id_of(session, person_id)
        with self._lock:
            if len(self._person_org) >= self.size:
                self._person_org.clear()
            if organisation_id is not None:
                self._person_org[person_id] = organisation_id
        return organisation_id

    def forget(self, organisation_id: int) -> None:
        """Drop an organisation's origins and every registration's (their status may have changed)."""
        with self._lock:
            self._origins = {k: v for k, v in self._origins.items()
                             if k != ("organisation", organisation_id) and k[0] != "registration"}


def _cache() -> OriginCache:
    return current_app.extensions[CACHE_EXTENSION]


def forget_origins(organisation_id: int) -> None:
    """Call after an organisation's registrations changed (added, switched on or off)."""
    _cache().forget(organisation_id)


def frame_for(*, registration_id: int | None = None, person_id: int | None = None,
              organisation_id: int | None = None) -> None:
    """Whose LMSs may frame the page this request renders, when the session does not say it yet.

    The LTI views call it before sign-in: the login knows its registration, the launch the
    registration its login started, the cookie check the person the launch signed in.
    """
    if registration_id is not None:
        g.frame_registration_id = registration_id
    if person_id is not None:
        g.frame_person_id = person_id
    if organisation_id is not None:
        g.frame_organisation_id = organisation_id
    g.frame_ancestors = lms_origins()  # read now, inside the view: the header hook never queries


def lms_origins(*, cached_only: bool = False) -> list[str]:
    """Origins that may frame this response: the organisation's LMSs, the launching registration's, or none."""
    cache = _cache()
    if g.get("frame_registration_id") is not None:
        return cache.origins("registration", g.frame_registration_id, cached_only=cached_only)
    organisation_id = g.get("frame_organisation_id")
    person_id = g.get("frame_person_id") or session.get(PERSON_KEY)
    if organisation_id is None and person_id is not None:
        organisation_id = cache.organisation_of(person_id, cached_only=cached_only)
    if organisation_id is not None:
        g.log_tenant = organisation_id  # the access log's tenant (an id, never a name)
    return cache.origins("organisation", organisation_id, cached_only=cached_only) if organisation_id is not None else []


def _read_frame_origins() -> None:
    """Before a page's view: whose LMSs may frame it (the signed-in person's organisation's).

    Read here, where a database failure is the request's failure (our 503 page), and not in the
    header hook, which also runs after an error page and must not query. JSON requests (autosave)
    render no page and skip it.
    """
    if not request.is_json and session.get(PERSON_KEY) is not None:
        g.frame_ancestors = lms_origins()


def frame_only_by(url: str | None) -> str | None:
    """Let only ``url``'s origin (besides ourselves) frame the page this request renders.

    For the dynamic registration page: the LMS that is registering opens it in its own frame
    before it is an active registration, so the usual list of LMS origins does not hold it yet.
    Returns the origin, or ``None`` (and changes nothing) when ``url`` is not http(s).
    """
    origin = _origin(url)
    if origin is not None:
        g.frame_ancestors = [origin]
    return origin


def content_security_policy(origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"form-action {ancestors}; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
    )


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.extensions[CACHE_EXTENSION] = OriginCache()

    app.before_request(_read_frame_origins)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint not in PUBLIC_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        if current_app.config["DIGITOETS_SETTINGS"].env == "production":
            response.headers["Strict-Transport-Security"] = HSTS
        if response.mimetype == "text/html":
            origins = g.get("frame_ancestors")
            if origins is None:  # a page no view framed (a redirect after sign-in): what this process knows
                origins = lms_origins(cached_only=True)
            response.headers["Content-Security-Policy"] = content_security_policy(origins)
        return response
