"""Rate limits on the anonymous entry points: LTI login, launch and registration, the development login.

Flask-Limiter counts per client address (behind a reverse proxy, from its X-Forwarded-For, with
``DIGITOETS_PROXY_HOPS``) in ``DIGITOETS_RATELIMIT_STORAGE_URI``, storage shared by all
workers (Redis in production; each worker counting on its own would multiply the limit). If
that storage is down, counting falls back to each worker's memory rather than refusing every
login. A refused request gets our Dutch 429 page (``service.web.errors``) with Retry-After.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: endpoint -> limit per client address; a real person needs a handful of these a minute, a script
#: thousands. A care location's employees often share one address (NAT): a ward starting its
#: digi-toetsen together at the start of a shift must fit.
LIMITS = {
    "lti.login": "120 per minute",
    "lti.restart": "120 per minute",
    "lti.launch": "120 per minute",
    "lti.dynamic_registration": "10 per hour",
    "dev.login": "30 per minute",
}


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered: the limits wrap the views by endpoint."""
    settings = app.config["DIGITOETS_SETTINGS"]
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.resolved_ratelimit_storage_uri,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    # one Limiter per app, so two apps in one process (tests, workers) never share counters in memory
    limiter = Limiter(key_func=get_remote_address, app=app)
    for endpoint, limit in LIMITS.items():
        if endpoint in app.view_functions:  # dev.login only with DIGITOETS_DEV_LOGIN=1
            app.view_functions[endpoint] = limiter.limit(limit)(app.view_functions[endpoint])
