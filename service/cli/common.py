"""Helpers shared by the command groups."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from service.config import Settings
from service.db import EXTENSION, Database
from service.lti_tool import EXTENSION as LTI_EXTENSION
from service.lti_tool import LtiTool


def current_database() -> Database:
    return current_app.extensions[EXTENSION]


def current_settings() -> Settings:
    return current_app.config["DIGITOETS_SETTINGS"]


def current_lti_tool() -> LtiTool:
    """The LTI composition root the app built (keys, AGS and NRPS clients)."""
    return current_app.extensions[LTI_EXTENSION]


def now() -> datetime:
    return datetime.now(UTC)
