"""`digitoets retention`: remove what the organisations promised not to keep."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.cli.common import current_database
from service.cli.scheduled import DAILY, scheduled_job
from service.errors import NotFoundError
from service.jobs import retention

retention_cli = AppGroup("retention", help="Retention: item answers, people who left, expired launch state.")


@retention_cli.command("purge")
@scheduled_job("retention-purge", DAILY)
@click.option("--dry-run", is_flag=True, help="Only print what would be removed; change nothing.")
@click.option("--org", "slug", default=None, help="Only this organisation (by slug).")
def purge_command(dry_run: bool, slug: str | None) -> None:
    """Remove old item answers, pseudonymise people who left, drop expired launch state."""
    try:
        report = retention.run(current_database(), dry_run=dry_run, org_slug=slug)
    except NotFoundError as exc:
        raise click.UsageError(f"no organisation with slug {slug!r}") from exc
    click.echo(("would remove (dry run, nothing changed):" if dry_run else "removed:"))
    click.echo("organisation\tkind\tcount")
    for line in report.lines():
        click.echo(line)
