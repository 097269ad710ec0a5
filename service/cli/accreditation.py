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
