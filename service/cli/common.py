"""Helpers shared by the command groups."""

from __future__ import annotations

from datetime import UTC, datetime

from service.config import Settings
from service.db import Database


def current_database() -> Database:
    from service.web import current_db

    return current_db()


def current_settings() -> Settings:
    from service.web import current_settings as settings

    return settings()


def now() -> datetime:
    return datetime.now(UTC)
