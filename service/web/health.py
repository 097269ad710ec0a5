"""``/healthz``: is the service up and can it reach its database?"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from service import models as m
from service.web import current_db

bp = Blueprint("health", __name__)
logger = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 with the database dialect and content counts, or 503 when the database is down."""
    db = current_db()
    try:
        with db.begin() as session:
            session.execute(text("SELECT 1"))
            pending = session.scalar(
                select(func.count()).select_from(m.OutboxItem).where(m.OutboxItem.status == m.OutboxStatus.PENDING)
            )
            tests = session.scalar(select(func.count()).select_from(m.DigiTest).where(m.DigiTest.active))
    except SQLAlchemyError as exc:
        logger.error("Health check: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="error", database={"ok": False, "dialect": db.engine.dialect.name}), 503
    return jsonify(
        status="ok",
        database={"ok": True, "dialect": db.engine.dialect.name},
        content={"tests": tests},
        outbox={"pending": pending},
    )

