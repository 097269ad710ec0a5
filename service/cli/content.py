"""`digitoets content`: validate and load the content files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from mappings.errors import ContentError
from mappings.loader import STARTER_CONTENT, load_folder
from service.cli.common import current_database, current_settings
from service.operations.content import load_content

content_cli = AppGroup("content", help="Validate and load content files (skills, profiles, tests).")


def _read(path: Path):
    try:
        bundle = load_folder(path)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}; nothing was loaded.", err=True)
        sys.exit(1)
    for warning in bundle.warnings:  # guidance, not format: the content still loads
        click.echo(f"warning: {warning}", err=True)
    return bundle


def _default_content() -> Path:
    return current_settings().resolved_content_path


@content_cli.command("validate", with_appcontext=False)
@click.argument("path", type=click.Path(path_type=Path), required=False)
def content_validate(path: Path | None) -> None:
    """Check the content folder PATH (default: the starter content); list every problem."""
    path = path or STARTER_CONTENT
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
    with current_database().begin() as session:
        summary = load_content(session, bundle)
    if not summary.changed:
        click.echo(f"{path}: nothing changed.")
        return
    for bucket in ("created", "updated", "deactivated"):
        for kind, codes in getattr(summary, bucket).items():
            click.echo(f"{bucket} {kind}: {len(set(codes))}")
    for version in summary.new_test_versions:
        click.echo(f"new test version: {version}")


