"""`digitoets org`: organisations (tenants)."""

from __future__ import annotations

import re

import click
from flask.cli import AppGroup
from sqlalchemy import select

from service import models as m
from service.cli.common import current_database

org_cli = AppGroup("org", help="Organisations (tenants).")


@org_cli.command("create")
@click.argument("slug")
@click.argument("name")
def create(slug: str, name: str) -> None:
    """Create organisation SLUG (lower-case words joined by '-') called NAME."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise click.BadParameter("use lower-case words joined by '-', e.g. zorggroep-noord", param_hint="SLUG")
    with current_database().begin() as session:
        if session.scalar(select(m.Organisation).where(m.Organisation.slug == slug)) is not None:
            raise click.ClickException(f"organisation {slug!r} exists already")
        session.add(m.Organisation(slug=slug, name=name))
    click.echo(f"Organisation {slug} created. Register its LMS with `digitoets lti register --org {slug} ...`.")
