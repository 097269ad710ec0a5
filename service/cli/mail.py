"""`digitoets mail`: send queued mails, the coaches' daily digest, and what waits."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service import models as m
from service.cli.common import current_database, current_settings, now
from service.cli.scheduled import DAILY, scheduled_job
from service.jobs import coach_digest
from service.jobs import mail as mail_job
from service.operations import outbox

mail_cli = AppGroup("mail", help="E-mail: send what waits in the outbox, the coaches' daily digest.")


def smtp_target() -> mail_job.SmtpTarget | None:
    return mail_job.SmtpTarget.from_settings(current_settings())


@mail_cli.command("send")
@click.option("--batch-size", default=mail_job.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 500))
def send(batch_size: int) -> None:
    """Send the mails that wait in the outbox, once (the `xapi forward --loop` worker sends them too)."""
    target = smtp_target()
    if target is None:
        click.echo("No mail server configured (DIGITOETS_SMTP_HOST): mails wait in the outbox.")
        return
    report = mail_job.send_pending(current_database(), target, batch_size=batch_size)
    click.echo(f"sent {report.delivered}, dead letters {report.rejected}, waiting {report.deferred}")


@mail_cli.command("status")
def status() -> None:
    """Count mails per organisation and state."""
    with current_database().begin() as session:
        counts = outbox.counts_per_organisation(session, m.OutboxKind.MAIL)
    for (slug, state), count in sorted(counts.items()):
        click.echo(f"{slug}\t{state}\t{count}")
    if not counts:
        click.echo("No mails in the outbox.")
    if smtp_target() is None:
        click.echo("No mail server configured (DIGITOETS_SMTP_HOST): mails wait in the outbox.")



@mail_cli.command("dead-letters")
def dead_letters() -> None:
    """List mails the server refused, with its reason."""
    with current_database().begin() as session:
        rows = outbox.dead_letters(session, kind=m.OutboxKind.MAIL)
        for row in rows:
            click.echo(f"{row.id}\t{row.organisation_id}\t{row.last_error}")
    if not rows:
        click.echo("No refused mails.")


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Retry every refused mail.")
def retry(ids: tuple[int, ...], retry_all: bool) -> None:
    """Put refused mails IDS (or --all) back in the outbox after the cause is fixed."""
    if not ids and not retry_all:
        raise click.UsageError("give outbox ids, or --all")
    with current_database().begin() as session:
        count = outbox.retry_dead_letters(session, None if retry_all else list(ids), now(), kind=m.OutboxKind.MAIL)
    click.echo(f"{count} mail(s) will be sent again.")


@mail_cli.command("digest")
@scheduled_job("mail-digest", DAILY)
def digest() -> None:
    """Queue the daily digest for coaches who chose it (once a day; a second run the same day adds nothing)."""
    queued = coach_digest.run(current_database(), now())
    click.echo(f"{queued} digest mail(s) queued")
