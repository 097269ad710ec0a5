"""Alembic wiring: ``digitoets db upgrade`` and the model/migration agreement test use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` with our migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(step, url: str, revision: str, engine: Engine | None) -> None:
    """Run an Alembic command, on ``engine``'s connection in one transaction when given."""
    config = alembic_config(url)
    if engine is None:
        step(config, revision)
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def upgrade(url: str, revision: str = "head", engine: Engine | None = None) -> None:
    _run(command.upgrade, url, revision, engine)


def downgrade(url: str, revision: str, engine: Engine | None = None) -> None:
    _run(command.downgrade, url, revision, engine)
