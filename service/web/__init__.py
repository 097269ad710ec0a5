"""Blueprints and thin views; the only place that knows HTTP."""

from __future__ import annotations

from flask import current_app

from service.config import Settings
from service.db import EXTENSION, Database
from service.lti_tool import EXTENSION as LTI_EXTENSION
from service.lti_tool import LtiTool


def current_db() -> Database:
    return current_app.extensions[EXTENSION]


def tool() -> LtiTool:
    """The LTI composition root ``create_app`` built: keys, ToolConf, stores, AGS and NRPS clients."""
    return current_app.extensions[LTI_EXTENSION]


def current_settings() -> Settings:
    return current_app.config["DIGITOETS_SETTINGS"]
