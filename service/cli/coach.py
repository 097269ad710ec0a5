"""`digitoets coach`: reminders for help requests nobody picked up in time."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.cli.common import current_database, now
from service.cli.scheduled import HOURLY, scheduled_job
from service.jobs import coach_reminders

coach_cli = AppGroup("coach", help="Digicoaches: remind them of help requests past the pick-up target.")


@coach_cli.command("remind")
@scheduled_job("coach-remind", HOURLY)
def remind() -> None:
    """Mail the coaches of the scope about requests past the pick-up target (once each; run it hourly)."""
    count = coach_reminders.run(current_database(), now())
    click.echo(f"reminded coaches of {count} late help request(s)")
