"""`digitoets accreditation`: points from the hours ledger, exports for PE-online and certificates."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import AppGroup

from service.cli.common import current_database, current_settings, now
from service.cli.scheduled import HOURLY, scheduled_job
from service.errors import InvalidInputError, NotFoundError
from service.jobs import accreditation_exports as exports_job
from service.jobs import pe_online as pe_online_job
from service.jobs import points as points_job
from service.operations import accreditation_admin, certificates, pe_online_delivery
from service.operations.organisations import all_organisations
from service.outbound import check_entered_url
from service.pe_online.client import PeOnlineClient

accreditation_cli = AppGroup("accreditation", help="Accreditation points, PE-online exports and certificates.")


def _organisation_ids(slug: str | None) -> list[int]:
    with current_database().begin() as session:
        organisations = all_organisations(session)
    if slug is None:
        return [o.id for o in organisations]
    found = [o.id for o in organisations if o.slug == slug]
    if not found:
        raise click.BadParameter(f"no organisation '{slug}'", param_hint="--org")
    return found


@accreditation_cli.command("points")
@scheduled_job("accreditation-points", HOURLY)
@click.option("--org", "slug", default=None, help="Only this organisation (its slug).")
@click.option("--everyone", is_flag=True, help="Evaluate every ledger again (after new activities or periods).")
def points_command(slug: str | None, everyone: bool) -> None:
    """Turn new learning hours into points records (run from a timer; safe to run twice)."""
    report = points_job.run(current_database(), _organisation_ids(slug), clock=now, everyone=everyone)
    click.echo(f"{report.organisations} organisations: {report.granted} records granted, {report.reversed} reversed, "
               f"{report.tests_counted} tests counted" + (f", {report.skipped} busy elsewhere" if report.skipped else ""))


@accreditation_cli.command("export")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@click.option("--registry", "code", required=True, help="The registry code, e.g. knmg-gaia.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Completed on or after this day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Completed on or before this day.")
@click.option("--out", type=click.Path(file_okay=False, writable=True), default=".", show_default=True)
def export_command(slug: str, code: str, start, end, out: str) -> None:
    """Write the registry's PE-online XML for a period (validated against the XSD; a ZIP over 1,000 records)."""

    with current_database().begin() as session:
        organisation = next((o for o in all_organisations(session) if o.slug == slug), None)
        if organisation is None:
            raise click.BadParameter(f"no organisation '{slug}'", param_hint="--org")
        registry = next((r for r in accreditation_admin.registries(session) if r.code == code), None)
        if registry is None:
            raise click.BadParameter(f"no active registry '{code}'", param_hint="--registry")
        begin, until = (start.date() if start else None), (end.date() if end else None)
        try:
            total, _without = accreditation_admin.check_exportable(session, organisation, registry, begin, until)
        except InvalidInputError as exc:
            raise click.ClickException(str(exc)) from None
        with click.progressbar(length=total, label="PE-online XML") as bar:
            def progress(done: int, _total: int) -> None:
                bar.update(done - bar.pos)
            result = accreditation_admin.export_xml(session, organisation, None, registry, begin, until, now(),
                                                    Path(out), progress)
    target = Path(out) / result.filename
    result.path.replace(target)
    click.echo(f"{result.records} records written to {target}; {result.without_number} without a number left out.")


@accreditation_cli.command("account")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@click.option("--user-id", required=True, help="The provider's user id in PE-online.")
@click.option("--email", required=True, help="Where PE-online mails its error reports.")
@click.option("--endpoint", default="https://www.pe-online.org", show_default=True, help="PE-online's address.")
def account_command(slug: str, user_id: str, email: str, endpoint: str) -> None:
    """Set the organisation's PE-online account; the key is read from DIGITOETS_PE_ONLINE_KEY or asked for."""

    key = os.environ.get("DIGITOETS_PE_ONLINE_KEY") or click.prompt("PE-online key", hide_input=True)
    settings = current_settings()
    try:
        check_entered_url(endpoint, "endpoint", allow_internal=settings.internal_targets_allowed)
    except InvalidInputError as exc:
        raise click.BadParameter(str(exc), param_hint="--endpoint") from None
    with current_database().begin() as session:
        organisation = next((o for o in all_organisations(session) if o.slug == slug), None)
        if organisation is None:
            raise click.BadParameter(f"no organisation '{slug}'", param_hint="--org")
        try:
            accreditation_admin.save_account(session, organisation, None, user_id, key, email, now(), endpoint)
        except InvalidInputError as exc:
            raise click.ClickException(f"{exc}: {exc.errors}") from None
    click.echo(f"PE-online account set for {slug} (user id {user_id}); the key is stored encrypted.")


@accreditation_cli.command("deliver")
@scheduled_job("accreditation-deliver", HOURLY)
@click.option("--org", "slug", default=None, help="Queue only this organisation's waiting records.")
def deliver_command(slug: str | None) -> None:
    """Queue waiting records for PE-online's web service and send every due call (retries with backoff)."""
    with current_database().begin() as session:
        queued = pe_online_delivery.queue_configured(session, _organisation_ids(slug), now())
    settings = current_settings()
    clients: dict[str, PeOnlineClient] = {}

    def client_for(endpoint: str) -> PeOnlineClient:
        if endpoint not in clients:
            clients[endpoint] = PeOnlineClient(endpoint, allow_internal=settings.internal_targets_allowed)
        return clients[endpoint]

    try:
        report = pe_online_job.deliver(current_database(), client_for, clock=now)
    finally:
        for client in clients.values():
            client.close()
    click.echo(f"{queued} records queued; {report.calls} calls: {report.accepted} accepted, "
               f"{report.rejected} rejected, {report.deferred} to retry later")


@accreditation_cli.command("certificates")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@click.option("--registry", "registry_code", required=True, help="The registry code, e.g. nvvpo.")
@click.option("--activity", "activity_code", required=True, help="The activity code, e.g. digicoaching.")
@click.option("--out", type=click.Path(file_okay=False, writable=True), default=".", show_default=True)
def certificates_command(slug: str, registry_code: str, activity_code: str, out: str) -> None:
    """Write every certificate of one activity into a ZIP, with progress on the terminal."""
    with current_database().begin() as session:
        organisation = next((o for o in all_organisations(session) if o.slug == slug), None)
        if organisation is None:
            raise click.BadParameter(f"no organisation '{slug}'", param_hint="--org")
        try:
            activity = certificates.find_activity(session, registry_code, activity_code)
        except NotFoundError as exc:
            raise click.BadParameter(str(exc), param_hint="--activity") from None
        total = certificates.count_certificates(session, organisation.id, activity.id)
        with click.progressbar(length=total, label="Certificaten") as bar:
            def progress(done: int, _total: int) -> None:
                bar.update(done - bar.pos)
            name, path, count = certificates.activity_zip(session, organisation, None, activity.id,
                                                          current_settings().base_url, Path(out), progress)
    target = Path(out) / name
    path.replace(target)
    click.echo(f"{count} certificates written to {target}")


@accreditation_cli.command("exports")
def exports_command() -> None:
    """Make the exports queued in /accreditatie now, and remove day-old files.

    The worker (`xapi forward --loop`) does this each round; this is for a one-off run. An
    export another worker is making is left to it (its lease), one whose maker stopped is made again.
    """
    settings = current_settings()
    directory = exports_job.exports_dir(settings.instance_path)
    removed = exports_job.purge_files(current_database(), directory, now())
    made = exports_job.run_due(current_database(), settings.base_url, directory, clock=now)
    click.echo(f"{made} exports made; {removed} old files removed")
