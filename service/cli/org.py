"""`digitoets org`: organisations (tenants)."""

from __future__ import annotations

import re

import click
from flask.cli import AppGroup
from service.cli.common import current_database
from service.errors import ConflictError
from service.operations import organisations

org_cli = AppGroup("org", help="Organisations (tenants).")


@org_cli.command("create")
@click.argument("slug")
@click.argument("name")
def create(slug: str, name: str) -> None:
    """Create organisation SLUG (lower-case words joined by '-') called NAME."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise click.BadParameter("use lower-case words joined by '-', e.g. zorggroep-noord", param_hint="SLUG")
    try:
        with current_database().begin() as session:
            organisations.create_organisation(session, slug, name)
    except ConflictError:
        raise click.ClickException(f"organisation {slug!r} exists already") from None
    click.echo(f"Organisation {slug} created. Register its LMS with `digitoets lti register --org {slug} ...`.")
