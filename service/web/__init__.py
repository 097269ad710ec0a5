"""Blueprints and thin views; the only place that knows HTTP."""

from __future__ import annotations

from flask import current_app

from service.config import Settings
from service.db import Database


def current_db() -> Database:
    from service import EXTENSION

    return current_app.extensions[EXTENSION]


def current_settings() -> Settings:
    return current_app.config["DIGITOETS_SETTINGS"]
