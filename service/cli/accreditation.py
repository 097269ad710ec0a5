"""`digitoets accreditation`: points from the hours ledger, exports for PE-online and certificates."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.cli.common import current_database, now
from service.jobs import points as points_job
from service.operations.organisations import all_organisations

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
    from pathlib import Path

    from service.errors import InvalidInputError
    from service.operations import accreditation_admin

    with current_database().begin() as session:
        organisation = next((o for o in all_organisations(session) if o.slug == slug), None)
        if organisation is None:
            raise click.BadParameter(f"no organisation '{slug}'", param_hint="--org")
        registry = next((r for r in accreditation_admin.registries(session) if r.code == code), None)
        if registry is None:
            raise click.BadParameter(f"no active registry '{code}'", param_hint="--registry")
        try:
            result = accreditation_admin.export_xml(session, organisation, None, registry,
                                                    start.date() if start else None, end.date() if end else None, now())
        except InvalidInputError as exc:
            raise click.ClickException(str(exc)) from None
    target = Path(out) / result.filename
    target.write_bytes(result.body)
    click.echo(f"{result.records} records written to {target}; {result.without_number} without a number left out.")
