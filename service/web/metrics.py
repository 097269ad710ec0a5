"""``/metrics`` for Prometheus: not public.

With ``DIGITOETS_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <token>``.
Without it, only a direct request from this machine (loopback, no ``X-Forwarded-For`` or
``Forwarded`` header, so not through the reverse proxy) gets the figures. Everyone else: 404,
as if there were nothing here. Every request is counted by route, method and status.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, abort, g, request

from service import metrics
from service.web import current_db, current_settings

bp = Blueprint("metrics", __name__)


def _allowed() -> bool:
    token = current_settings().metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def scrape():
    if not _allowed():
        abort(404)
    body, content_type = metrics.exposition(current_db())
    return Response(body, content_type=content_type)


def init_app(app: Flask) -> None:
    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "(no route)"
        metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            metrics.REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
