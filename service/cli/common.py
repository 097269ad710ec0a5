"""Helpers shared by the command groups."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from service.config import Settings
from service.db import Database
from service.lti_tool import LtiTool


def current_database() -> Database:
    from service.web import current_db

    return current_db()


def current_settings() -> Settings:
    from service.web import current_settings as settings

    return settings()


def current_lti_tool() -> LtiTool:
    """The LTI composition root the app built (keys, AGS and NRPS clients)."""
    return current_app.extensions["digitoets.lti"]


def now() -> datetime:
    return datetime.now(UTC)
