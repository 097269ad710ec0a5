"""One-time links that carry a launch out of the LMS frame into a window of its own.

A link that signs someone in is worth stealing: whoever opens it first becomes that person. So
each link lives ``CONTINUE_TTL`` seconds and works once, and it is bound to the browser that did
the launch where the browser allows: a random value in a cookie of its own (not partitioned, so
a new top-level window of the same browser sends it), of which the link keeps only a hash. When
that cookie does not come back (a browser that blocks third-party cookies, or another browser
altogether), the person first sees who they will be and where, and confirms with a POST.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from flask import after_this_request, request, session

from service.web import tool

#: Seconds a one-time link (``/lti/doorgaan/...``, ``/lti/opnieuw/...``) can be opened.
CONTINUE_TTL = 60
#: Seconds the confirmation page waits for its "Doorgaan".
CONFIRM_TTL = 300
BROWSER_COOKIE = "digitoets_browser"
PENDING_KEY = "lti_pending_continue"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _bind_browser() -> str:
    """Set a fresh random value in this browser's binding cookie; returns its hash."""
    value = secrets.token_urlsafe(24)
    secure = tool().base_url.startswith("https://")

    @after_this_request
    def _set(response):
        # SameSite=None so the cookie set inside the LMS frame is sent by a new window too;
        # not Partitioned, since a partitioned cookie stays with the LMS's site.
        response.set_cookie(BROWSER_COOKIE, value, max_age=CONTINUE_TTL, httponly=True, secure=secure,
                            samesite="None" if secure else "Lax")
        return response

    return _digest(value)


def park(data: dict) -> str:
    """Keep ``data`` (person, next page, launch) behind a one-time token bound to this browser."""
    token = secrets.token_urlsafe(24)
    tool().store.set(f"continue:{token}", json.dumps({**data, "browser": _bind_browser()}), CONTINUE_TTL)
    return token


def peek(token: str) -> dict | None:
    """The data behind ``token`` without spending it (the cookie check in the same browser)."""
    raw = tool().store.get(f"continue:{token}") if token else None
    return None if raw is None else json.loads(raw)


def claim(token: str) -> dict | None:
    """Spend ``token``: its data for the first caller within the lifetime, else ``None``."""
    raw = tool().store.get(f"continue:{token}")
    if raw is None or not tool().store.add_once(f"continue-used:{token}", CONTINUE_TTL):
        return None
    tool().store.delete(f"continue:{token}")
    return json.loads(raw)


def drop(token: str) -> None:
    tool().store.delete(f"continue:{token}")


def from_this_browser(data: dict) -> bool:
    """Did this request come from the browser that did the launch (its binding cookie came back)?"""
    value = request.cookies.get(BROWSER_COOKIE)
    return bool(value and data.get("browser")) and hmac.compare_digest(_digest(value), data["browser"])


def hold_for_confirmation(data: dict) -> None:
    """Keep a claimed link's data in this browser's session until the person confirms."""
    session[PENDING_KEY] = {**data, "until": time.time() + CONFIRM_TTL}


def take_confirmed() -> dict | None:
    """The data this browser was asked to confirm, once, within ``CONFIRM_TTL``."""
    pending = session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    return pending


def park_restart(initiation: dict) -> str:
    """A one-time link that runs the same login initiation again in a new window."""
    token = secrets.token_urlsafe(24)
    tool().store.set(f"restart:{token}", json.dumps(initiation), CONTINUE_TTL)
    return token


def claim_restart(token: str) -> dict | None:
    raw = tool().store.get(f"restart:{token}")
    if raw is None or not tool().store.add_once(f"restart-used:{token}", CONTINUE_TTL):
        return None
    tool().store.delete(f"restart:{token}")
    return json.loads(raw)
