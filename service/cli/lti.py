"""`digitoets lti`: register LMSs, rotate keys, and the background jobs (scores, rosters)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti.keys import rotate
from service import crypto
from service import models as m
from service.cli.common import current_database, current_lti_tool, current_settings
from service.cli.scheduled import DAILY, HOURLY, scheduled_job
from service.errors import NotFoundError, ServiceError
from service.jobs import grades, purge, roster
from service.operations import organisations, registrations

lti_cli = AppGroup("lti", help="LTI 1.3: LMS registrations, keys, gradebook scores and rosters.")


def _organisation(session, slug: str) -> m.Organisation:
    org = organisations.find_organisation(session, slug)
    if org is None:
        raise click.UsageError(f"no organisation with slug {slug!r} (create it with `digitoets org create`)")
    return org


@lti_cli.command("register")
@click.option("--org", "slug", required=True, help="Organisation slug.")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True)
@click.option("--auth-login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--auth-token-url", required=True)
@click.option("--key-set-url", required=True, help="The platform's JWKS URL.")
@click.option("--auth-audience", default=None, help="Token audience, when it differs from the token URL.")
@click.option("--name", default="")
@click.option("--extra-host", "extra_hosts", multiple=True,
              help="Another host name of the LMS where its return URLs point (Canvas: school.instructure.com); "
                   "repeatable.")
@click.option("--function-parameter", default="digitoets_function", show_default=True,
              help="Custom parameter that carries the function code.")
@click.option("--role-parameter", default="digitoets_roles", show_default=True,
              help="Custom parameter that grants hr, coach or accreditation.")
def register_command(slug, issuer, client_id, deployment_ids, auth_login_url, auth_token_url, key_set_url,
                     auth_audience, name, extra_hosts, function_parameter, role_parameter) -> None:
    """Register an LMS (issuer + client id) for an organisation; it is active at once."""
    try:
        with current_database().begin() as session:
            registration = registrations.register_platform(
                session, _organisation(session, slug), issuer=issuer, client_id=client_id,
                auth_login_url=auth_login_url, auth_token_url=auth_token_url, key_set_url=key_set_url,
                deployment_ids=deployment_ids, auth_audience=auth_audience, name=name,
                function_parameter=function_parameter, role_parameter=role_parameter, extra_hosts=extra_hosts,
            )
            click.echo(f"Registration {registration.id} for {slug}: {issuer} (client {client_id}).")
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    base = current_settings().base_url.rstrip("/")
    click.echo(f"Tool URLs for the LMS: login {base}/lti/login, launch {base}/lti/launch, keys {base}/lti/jwks")


@lti_cli.command("list")
@click.option("--org", "slug", default=None, help="Only this organisation's registrations.")
def list_command(slug: str | None) -> None:
    """Show the LMS registrations with their ids and status (pending ones wait for `lti activate ID`)."""
    with current_database().begin() as session:
        rows = registrations.registrations(session, _organisation(session, slug) if slug else None)
        if not rows:
            click.echo("no LMS registrations yet (`digitoets lti register`, or dynamic registration)")
            return
        click.echo(f"{'ID':>4}  {'STATUS':<8}  {'ORGANISATION':<16}  NAME / ISSUER / CLIENT ID / DEPLOYMENTS")
        for row in rows:
            deployments = ", ".join(d.deployment_id for d in row.deployments) or "-"
            click.echo(f"{row.id:>4}  {row.status.value:<8}  {row.organisation.slug:<16}  {row.name}\n"
                       f"{'':>34}{row.issuer}  client {row.client_id}  deployments {deployments}")
            if row.extra_hosts:
                click.echo(f"{'':>34}extra hosts {', '.join(row.extra_hosts)}")


@lti_cli.command("activate")
@click.argument("registration_id", type=int)
def activate(registration_id: int) -> None:
    """Activate a pending (dynamically registered) or disabled registration."""
    try:
        with current_database().begin() as session:
            registrations.activate_registration(session, registration_id)
    except NotFoundError:
        raise click.ClickException(f"no registration {registration_id}") from None
    click.echo(f"Registration {registration_id} is active.")


@lti_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Make a new signing key; the old one stays in the key set until it expires."""
    key = rotate(current_settings().resolved_lti_key_path, cipher=crypto.box())
    click.echo(f"New signing key {key.kid}; the previous key is still published until it expires.")


@lti_cli.command("send-scores")
def send_scores() -> None:
    """Send waiting scores to the LMS gradebooks (AGS)."""
    report = grades.send_scores(current_database(), current_lti_tool().ags)
    click.echo(f"scores delivered {report.delivered}, not gradable {report.rejected}, waiting {report.deferred}")


@lti_cli.command("sync-roster")
@scheduled_job("lti-sync-roster", DAILY)
def sync_roster() -> None:
    """Read the members of every known course (NRPS), so HR sees who has not tested yet."""
    report = roster.sync_roster(current_database(), current_lti_tool().nrps)
    click.echo(f"courses {report.courses}, members {report.members}, new people {report.new_people}, "
               f"failed {report.failed_courses}")


@lti_cli.command("purge")
@scheduled_job("lti-purge", HOURLY)
def purge_command() -> None:
    """Remove expired launch state (it holds id_token bodies with names for up to 6 hours)."""
    removed = purge.purge_launch_state(current_database())
    click.echo(f"removed {removed} expired launch state entries")
