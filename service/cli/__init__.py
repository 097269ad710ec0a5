"""The ``digitoets`` command: Flask CLI groups, thin wrappers around operations."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from service.errors import ConfigurationError


def init_app(app: Flask) -> None:
    from service.cli.accreditation import accreditation_cli
    from service.cli.coach import coach_cli
    from service.cli.content import content_cli
    from service.cli.db import db_cli
    from service.cli.demo import demo_cli
    from service.cli.hr import hr_cli
    from service.cli.lti import lti_cli
    from service.cli.mail import mail_cli
    from service.cli.org import org_cli
    from service.cli.retention import retention_cli
    from service.cli.secrets import secrets_cli
    from service.cli.xapi import xapi_cli

    for group in (accreditation_cli, coach_cli, db_cli, content_cli, demo_cli, hr_cli, lti_cli, mail_cli, org_cli,
                  retention_cli, secrets_cli, xapi_cli):
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
