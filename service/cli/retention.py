"""`digitoets retention`: remove what the organisations promised not to keep."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.cli.common import current_database
from service.cli.scheduled import DAILY, scheduled_job
from service.errors import NotFoundError
from service.jobs import purge, retention

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


@retention_cli.command("compact-outbox")
@scheduled_job("outbox-compact", DAILY)
@click.option("--days", type=click.IntRange(1, 3650), default=purge.OUTBOX_PAYLOAD_DAYS, show_default=True,
              envvar="DIGITOETS_OUTBOX_PAYLOAD_DAYS", show_envvar=True,
              help="Keep a delivered message's payload this many days.")
@click.option("--dry-run", is_flag=True, help="Only count what would be compacted; change nothing.")
def compact_outbox_command(days: int, dry_run: bool) -> None:
    """Remove the payload of statements, mails and scores delivered more than --days ago.

    The row, its statement id and its status stay, so it is never sent again; a score keeps its score.
    """
    counts = purge.compact_outbox(current_database(), days=days, dry_run=dry_run)
    click.echo(f"would compact (dry run, nothing changed), delivered over {days} days ago:" if dry_run
               else f"compacted, delivered over {days} days ago:")
    click.echo("kind\tcount")
    for kind in sorted(counts):
        click.echo(f"{kind}\t{counts[kind]}")
