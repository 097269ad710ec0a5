"""`digitoets db`: create and migrate the database."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service import migrate
from service.cli.common import current_database

db_cli = AppGroup("db", help="Create and migrate the database.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    db = current_database()
    migrate.upgrade(db.url, revision, engine=db.engine)
    click.echo(f"Database ({db.engine.dialect.name}) is at revision {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    db = current_database()
    migrate.downgrade(db.url, revision, engine=db.engine)
    click.echo(f"Database ({db.engine.dialect.name}) is at revision {revision}.")
