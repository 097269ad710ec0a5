"""``/healthz``: is the service up? ``/readyz``: can it serve? Details only for an organisation admin.

An anonymous caller (a load balancer, a monitor, anyone) learns ``ok`` or ``error`` and no
more: the database dialect and the outbox backlog tell an attacker what runs and how busy it
is. ``/readyz`` is for the load balancer and the deploy: 503 with a short reason
(``database``, ``migrations``, ``signing_key``) while the tool cannot do its work.
``/beheer/status`` gives an organisation admin the details, as JSON, for their organisation.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from lti.errors import KeyStoreError
from service import models as m
from service.operations import health
from service.web import current_db, tool
from service.web.auth import role_required, signed_in_person

bp = Blueprint("health", __name__)
logger = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok"}``, or 503 ``{"status": "error"}`` when the database is down."""
    try:
        with current_db().begin() as session:
            health.database_answers(session)
    except SQLAlchemyError as exc:
        logger.error("Health check: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="error"), 503
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 ``{"status": "ready"}`` when the database answers at the newest migration and a key signs.

    Otherwise 503 ``{"status": "not_ready", "reason": ...}`` with the first thing missing.
    """
    try:
        with current_db().begin() as session:
            at_head = health.migrations_at_head(session)
    except SQLAlchemyError as exc:
        logger.error("Readiness: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="not_ready", reason="database"), 503
    if not at_head:
        logger.error("Readiness: the database is not at the newest migration (run `digitoets db upgrade`)")
        return jsonify(status="not_ready", reason="migrations"), 503
    try:
        tool().keys.current()
    except KeyStoreError as exc:
        logger.error("Readiness: the tool cannot sign LTI messages (%s)", exc)
        return jsonify(status="not_ready", reason="signing_key"), 503
    return jsonify(status="ready")


@bp.get("/beheer/status")
@role_required(m.ToolRole.ORG_ADMIN)
def admin_status():
    """The details for an organisation admin: the database, the content, their outbox."""
    db = current_db()
    with db.begin() as session:
        health.database_answers(session)
        details = health.status_details(session, signed_in_person(session).organisation_id)
    return jsonify(status="ok", database={"ok": True, "dialect": db.engine.dialect.name}, **details)
