"""`digitoets demo`: the demo organisation for the development login and the demo LMS."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.cli.common import current_database, now
from service.operations.demo import demo_people, ensure_demo_organisation
from service.operations.demo_population import ensure_population

demo_cli = AppGroup("demo", help="Demo organisation and employees for development.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo organisation, teams and employees (idempotent)."""
    with current_database().begin() as session:
        org = ensure_demo_organisation(session, now())
        people = demo_people(session)
        click.echo(f"Demo organisation '{org.slug}' with {len(people)} people.")
    with current_database().begin() as session:
        org = ensure_demo_organisation(session, now())
        added = ensure_population(session, org, now())
        if added:
            click.echo(f"Added {added} employees with a year of results and monthly figures for the HR pages.")
