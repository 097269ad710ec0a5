"""`digitoets xapi`: forward the outbox to the LRS, look at and retry dead letters."""

from __future__ import annotations

import signal

import click
import prometheus_client
from flask.cli import AppGroup

from service.cli.common import current_database, current_lti_tool, current_settings, now
from service.cli.scheduled import DAILY, scheduled_job
from service.jobs import accreditation_exports as exports_job
from service.jobs import forward as forward_job
from service.jobs import grades as grades_job
from service.jobs import hr_dashboard as hr_figures_job
from service.jobs import ingest as ingest_job
from service.jobs import mail as mail_job
from service.jobs import worker
from service.operations import outbox
from service.operations.organisations import all_organisations
from service.outbound import GuardedSession
from xapi.client import LRSClient

xapi_cli = AppGroup("xapi", help="Send xAPI statements to the LRS and read them back.")


def default_target() -> forward_job.LrsTarget | None:
    settings = current_settings()
    if not settings.lrs_endpoint:
        return None
    return forward_job.LrsTarget(settings.lrs_endpoint, settings.lrs_username, settings.lrs_password)


class ClientPool:
    """One keep-alive client per LRS target, reused across batches."""

    def __init__(self, timeout: float, allow_internal: bool = False, default: forward_job.LrsTarget | None = None):
        self.timeout = timeout
        self.allow_internal = allow_internal
        self.default = default
        self.clients: dict[forward_job.LrsTarget, LRSClient] = {}
        self.sessions: list[GuardedSession] = []

    def __call__(self, target: forward_job.LrsTarget) -> LRSClient:
        if target not in self.clients:
            # An organisation's own LRS was typed in by its admin: every request is checked (https,
            # a public address) right before it goes out. The operator's default LRS is trusted.
            session = None if target == self.default else GuardedSession(
                allow_internal=self.allow_internal, timeout=(3.05, self.timeout))
            if session is not None:
                self.sessions.append(session)
            self.clients[target] = LRSClient(
                target.endpoint, target.username, target.password, timeout=(3.05, self.timeout), session=session
            )
        return self.clients[target]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        for session in self.sessions:
            session.close()


@xapi_cli.command("forward")
@click.option("--loop", is_flag=True, help="Keep running; stop cleanly on SIGTERM or Ctrl-C.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--batch-size", default=forward_job.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 1000))
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Serve this worker's Prometheus metrics (forward latency) on this port at /metrics.")
@click.option("--metrics-address", default="127.0.0.1", show_default=True,
              help="Address for --metrics-port (0.0.0.0 in a container, where Prometheus scrapes the pod).")
def forward(loop: bool, interval: float, batch_size: int, metrics_port: int | None, metrics_address: str) -> None:
    """Send pending statements to each organisation's LRS, scores to the gradebooks and mails (once, or as a worker with --loop).

    Statements, scores and mails wait in the same outbox; with --loop one worker delivers them
    all, so no one has to run `lti send-scores` or `mail send` (which stay for one-off runs).
    Each round also makes the accreditation exports queued in the web pages (several workers
    share them through a lease) and removes day-old export files, and recomputes the HR
    dashboard's stored figures of organisations where something changed.
    """
    stopping = {"flag": False}

    def stop(_signum, _frame):
        stopping["flag"] = True

    if metrics_port is not None:
        # the worker is not a web process: its own small HTTP server, as prometheus_client offers
        prometheus_client.start_http_server(metrics_port, addr=metrics_address)
    previous = signal.signal(signal.SIGTERM, stop), signal.signal(signal.SIGINT, stop)
    pool = ClientPool(current_settings().lrs_timeout, current_settings().internal_targets_allowed, default_target())
    total, graded, mailed = forward_job.ForwardReport(), forward_job.ForwardReport(), forward_job.ForwardReport()
    smtp = mail_job.SmtpTarget.from_settings(current_settings())
    # background accreditation exports queued in the web pages (beside the rounds with --loop)
    # (the folder is made when the first export is: a worker without exports never writes there)
    exports = exports_job.WorkerStep(current_database(), current_settings().base_url,
                                     current_settings().instance_path / "exports", background=loop,
                                     should_stop=lambda: stopping["flag"], clock=now)
    # the HR dashboard's stored figures, recomputed when something changed (beside the rounds with --loop)
    hr_figures = hr_figures_job.RefreshStep(current_database(), every_minutes=current_settings().hr_figures_minutes,
                                            background=loop, should_stop=lambda: stopping["flag"], clock=now)

    def one_round() -> None:
        total.add(forward_job.forward(current_database(), default_target(), pool, batch_size=batch_size,
                                      should_stop=lambda: stopping["flag"]))
        graded.add(grades_job.send_scores(current_database(), current_lti_tool().ags, should_stop=lambda: stopping["flag"]))
        mailed.add(mail_job.send_pending(current_database(), smtp, should_stop=lambda: stopping["flag"]))
        exports()
        hr_figures()

    # on PostgreSQL new outbox rows end the pause between rounds (at most a round a second):
    # statements, scores and mails go out within about a second, not only after --interval
    listener = forward_job.new_rows_listener(current_database()) if loop else None
    try:
        # a database or LRS outage is waited out with backoff inside the loop (service.jobs.worker)
        worker.run_rounds(one_round, loop=loop, interval=interval, should_stop=lambda: stopping["flag"],
                          wake=listener.wait if listener is not None else None)
    finally:
        if listener is not None:
            listener.close()
        exports.close()
        hr_figures.close()
        pool.close()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    click.echo(
        f"delivered {total.delivered}, rejected {total.rejected}, conflicts {total.conflicts}, "
        f"waiting {total.deferred} (in {total.batches} batches)"
        + f"; scores delivered {graded.delivered}, not gradable {graded.rejected}, waiting {graded.deferred}"
        + f"; mails sent {mailed.delivered}, dead letters {mailed.rejected}, waiting {mailed.deferred}"
        + f"; accreditation exports made {exports.made}"
        + f"; HR figures refreshed for {hr_figures.refreshed} organisation(s)"
    )


@xapi_cli.command("status")
def status() -> None:
    """Count statements per organisation and state (pending ones wait for an LRS)."""
    with current_database().begin() as session:
        counts = outbox.outbox_counts(session)
    if not counts:
        click.echo("The outbox is empty.")
    for (slug, state), count in sorted(counts.items()):
        click.echo(f"{slug}\t{state}\t{count}")
    if default_target() is None:
        click.echo("No default LRS configured (DIGITOETS_LRS_ENDPOINT): statements of organisations "
                   "without their own LRS wait in the outbox.")


@xapi_cli.command("dead-letters")
def dead_letters() -> None:
    """List statements the LRS refused (with its reason) or holds differently."""
    with current_database().begin() as session:
        rows = outbox.dead_letters(session)
        for row in rows:
            click.echo(f"{row.id}\t{row.status.value}\t{row.dedupe_key}\t{row.last_error}")
    if not rows:
        click.echo("No dead letters.")


@xapi_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Retry every dead letter.")
def retry(ids: tuple[int, ...], retry_all: bool) -> None:
    """Put dead letters IDS (or --all) back in the outbox after the cause is fixed."""
    if not ids and not retry_all:
        raise click.UsageError("give outbox ids, or --all")
    with current_database().begin() as session:
        count = outbox.retry_dead_letters(session, None if retry_all else list(ids), now())
    click.echo(f"{count} statement(s) will be sent again.")


@xapi_cli.command("ingest")
@scheduled_job("xapi-ingest", DAILY)
def ingest() -> None:
    """Read statements from each organisation's LRS since the last run; e-learning becomes hours."""
    settings = current_settings()
    with current_database().begin() as session:
        organisations = all_organisations(session)
    for organisation in organisations:
        target = forward_job.target_for(organisation, default_target())
        if target is None:
            continue
        with LRSClient(target.endpoint, target.username, target.password, timeout=(3.05, settings.lrs_timeout)) as client:
            report = ingest_job.ingest(current_database(), organisation.id, client, settings.base_url)
        click.echo(
            f"{organisation.slug}: read {report.read}, added {report.added} learning activities, "
            f"{report.already_known} already known, {report.unknown_person} of unknown people, "
            f"{report.ours} of our own, {report.too_short} under half a minute"
        )
