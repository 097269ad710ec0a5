"""The ``digitoets`` command: Flask CLI groups, thin wrappers around operations."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from mappings.errors import ContentError
from mappings.loader import load_folder
from service import migrate
from service.errors import ConfigurationError
from service.operations.content import load_content

db_cli = AppGroup("db", help="Create and migrate the database.")
content_cli = AppGroup("content", help="Validate and load content files (skills, profiles, tests).")


def _db():
    from service.web import current_db

    return current_db()


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    db = _db()
    migrate.upgrade(db.url, revision, engine=db.engine)
    click.echo(f"Database ({db.engine.dialect.name}) is at revision {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    db = _db()
    migrate.downgrade(db.url, revision, engine=db.engine)
    click.echo(f"Database ({db.engine.dialect.name}) is at revision {revision}.")


def _read(path: Path):
    try:
        return load_folder(path)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}; nothing was loaded.", err=True)
        sys.exit(1)


def _default_content() -> Path:
    return current_app.config["DIGITOETS_SETTINGS"].resolved_content_path


@content_cli.command("validate", with_appcontext=False)
@click.argument("path", type=click.Path(path_type=Path), required=False)
def content_validate(path: Path | None) -> None:
    """Check the content folder PATH (default: the starter content); list every problem."""
    path = path or Path(__file__).resolve().parent.parent / "mappings" / "content"
    bundle = _read(path)
    click.echo(
        f"{path}: valid: {len(bundle.themes)} themes, {len(bundle.skills)} skills, {len(bundle.profiles)} "
        f"function profiles, {len(bundle.tests)} tests, {len(bundle.resources)} resources, "
        f"{len(bundle.help_rules)} help rules, {len(bundle.registries)} registries."
    )


@content_cli.command("load")
@click.argument("path", type=click.Path(path_type=Path), required=False)
def content_load(path: Path | None) -> None:
    """Load the content folder PATH (default: configured content) into the database, all or nothing."""
    path = path or _default_content()
    bundle = _read(path)
    with _db().begin() as session:
        summary = load_content(session, bundle)
    if not summary.changed:
        click.echo(f"{path}: nothing changed.")
        return
    for bucket in ("created", "updated", "deactivated"):
        for kind, codes in getattr(summary, bucket).items():
            click.echo(f"{bucket} {kind}: {len(set(codes))}")
    for version in summary.new_test_versions:
        click.echo(f"new test version: {version}")


def init_app(app: Flask) -> None:
    for group in (db_cli, content_cli):
        app.cli.add_command(group)


def _create_app():
    from service import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``digitoets`` console script."""
    try:
        cli = FlaskGroup(create_app=_create_app, help="Digitoets: digital skills tests for Dutch care, as an LTI tool.")
        cli.main(prog_name="digitoets")
    except ConfigurationError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)
