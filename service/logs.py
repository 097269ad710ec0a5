"""Logging, configured once at start-up: JSON lines in production, readable lines in development.

Every record carries the request id (taken from a proxy's ``X-Request-ID`` when it is a plain
token, else made here, and sent back in the response). Each request writes one access line:
request id, tenant (the organisation's id), route (the URL rule, never the path with its ids or
tokens), method, status and duration. No names, e-mail addresses or answers are ever logged.

Handlers sit on the root logger only, installed before Flask first touches ``app.logger``, so
records go to one place from the first line on (Flask adds its own handler to a logger without one).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from service.config import Settings

#: our handler on the root logger, so a second configure() (another app in the same process) replaces it
_HANDLER_NAME = "digitoets"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_logger = logging.getLogger("service.access")


class RequestContext(logging.Filter):
    """Adds ``request_id`` and ``tenant`` (or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.tenant = g.get("log_tenant", "-")
        else:
            record.request_id = getattr(record, "request_id", "-")
            record.tenant = getattr(record, "tenant", "-")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback is one field, so one failure is one line."""

    FIELDS = ("route", "method", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "tenant": getattr(record, "tenant", "-"),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = "".join(traceback.format_exception(*record.exc_info)).strip()
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is written (as logging's last resort does)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure(settings: Settings) -> None:
    """Install the one handler (stderr) on the root logger, in the settings' format and level."""
    use_json = (settings.log_format or ("json" if settings.env == "production" else "text")) == "json"
    handler = StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestContext())
    handler.setFormatter(JsonFormatter() if use_json else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)  # other libraries: warnings and worse
    logging.getLogger("service").setLevel(settings.log_level)


def init_app(app: Flask) -> None:
    """Request ids and the one access line per request."""

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _access(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        started = g.get("request_started")
        if started is not None:
            access_logger.info(
                "%s %s %s", request.method, request.url_rule.rule if request.url_rule else "(no route)", response.status_code,
                extra={"route": request.url_rule.rule if request.url_rule else None, "method": request.method,
                       "status": response.status_code, "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )
        return response
