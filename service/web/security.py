"""Security headers, CSRF and framing: pages work inside the LMS iframe and in a new window.

``frame-ancestors`` lists the origins of the registered LMSs instead of a blanket deny, so an
LMS can embed the tool and a stranger's site cannot.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFProtect
from service.operations import registrations
from service.web import current_db

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


def lms_origins(session) -> list[str]:
    """Origins of every active LMS registration (issuer and login URL may differ)."""
    rows = registrations.active_endpoints(session)
    origins = {o for row in rows for o in map(_origin, row) if o}
    return sorted(origins)


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
            if origins is None:
                with current_db().begin() as session:
                    origins = lms_origins(session)
            response.headers["Content-Security-Policy"] = content_security_policy(origins)
        return response
