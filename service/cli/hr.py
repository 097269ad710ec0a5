"""`digitoets hr import FILE --org SLUG [--dry-run]`: the nightly HR file, with the same report as the web."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from service.cli.common import current_database, now
from service.cli.scheduled import DAILY, scheduled_job
from service.errors import InvalidInputError, NotFoundError
from service.jobs import snapshot
from service.operations import organisations
from service.operations.hr_import import fields as hr_fields
from service.operations.hr_import import uploads
from service.operations.hr_import.files import MAX_BYTES, HrFileError, read_hr_file, too_large
from service.operations.hr_import.plan import HrImportRefused, Report, apply, preview

hr_cli = AppGroup("hr", help="HR data: import the organisation's HR export; monthly compliance snapshots.")

#: problems printed one by one; the rest is counted
SHOWN = 50


def print_report(report: Report) -> None:
    """The report of an import, as the web's preview page shows it (problem texts in Dutch)."""
    click.echo(f"{report.file_name}: {report.rows_read} rows read")
    if report.problems:
        click.echo(f"REFUSED, nothing stored: {len(report.problems)} problem(s)")
        for problem in report.problems[:SHOWN]:
            click.echo(f"  - {problem.message()}")
        if len(report.problems) > SHOWN:
            click.echo(f"  ... and {len(report.problems) - SHOWN} more")
        return
    click.echo(f"  add: {len(report.added)}  change: {len(report.changed)}  end: {len(report.ended)}  "
               f"unchanged: {report.unchanged}  unmatched (no LMS person yet): {len(report.unmatched)}")
    for row, changed in report.changed[:SHOWN]:
        click.echo(f"  change {row.personnel_number} (row {row.row}): {', '.join(changed)}")
    for number, reason in report.ended[:SHOWN]:
        click.echo(f"  end {number}: {'end of employment passed' if reason == 'end_date' else 'not in the file'}")


def _progress(done: int, total: int | None) -> None:
    click.echo(f"\rRows read: {done} of {total or '?'}", nl=False)
    if total is not None and done >= total:
        click.echo("")


@hr_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "slug", required=True, help="Organisation slug.")
@click.option("--dry-run", is_flag=True, help="Only show what the import would do; store nothing.")
@click.option("--allow-many-leavers", is_flag=True,
              help="Apply even though many current employees are missing from the file (they are marked as left).")
def import_command(file: Path, slug: str, dry_run: bool, allow_many_leavers: bool) -> None:
    """Import FILE (CSV or XLSX): every row or, when anything is wrong, none."""
    progress = _progress if sys.stdout.isatty() else None
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:  # never read a huge file into memory just to refuse it
            raise too_large(size)
        data = file.read_bytes()
        parsed = read_hr_file(data, file.name, progress=progress)
    except HrFileError as exc:
        click.echo(f"{file.name}: REFUSED, nothing stored: {exc}")
        sys.exit(1)
    with current_database().begin() as session:
        org = organisations.find_organisation(session, slug)
        if org is None:
            raise click.UsageError(f"no organisation with slug {slug!r}")
        mapping, remembered = uploads.mapping_for(session, org, parsed.headers)
        if not remembered:
            click.echo("Columns mapped from their names (remembered after the first import):")
            for name, header in mapping.items():
                click.echo(f"  {hr_fields.FIELDS[name]}: {header}")
        if dry_run:
            print_report(preview(session, org, parsed, file.name, mapping, now())[0])
            click.echo("Dry run: nothing stored.")
            return
        try:
            report = apply(session, org, parsed, file.name, uploads.sha256(data), mapping, now(), via="cli",
                           confirm_leavers=allow_many_leavers)
        except HrImportRefused as refused:
            print_report(refused.report)
            if refused.report.ok:  # only the many-leavers check
                click.echo(f"REFUSED, nothing stored: {refused.report.missing} of {refused.report.current} current "
                           "employees are not in the file. Is the file complete? If they really left, run again "
                           "with --allow-many-leavers.")
            sys.exit(1)
        uploads.save_mapping(session, org, parsed.headers, mapping, None, now())
    print_report(report)
    click.echo(f"Stored as import {report.run_id}.")


@hr_cli.command("snapshot")
@scheduled_job("hr-snapshot", DAILY)
@click.option("--org", "slug", default=None, help="Only this organisation (by slug); default: every organisation.")
@click.option("--month", default=None, metavar="YYYY-MM", help="The month to take (default: the previous month).")
def snapshot_command(slug: str | None, month: str | None) -> None:
    """Store the compliance figures of a finished month for the trend; a month is taken once."""
    try:
        wanted = datetime.strptime(month, "%Y-%m").date() if month else None
    except ValueError as exc:
        raise click.BadParameter(f"{month!r} is not a month like 2026-10", param_hint="--month") from exc
    try:
        report = snapshot.take_snapshots(current_database(), org_slug=slug, month=wanted, clock=now)
    except NotFoundError as exc:
        raise click.UsageError(f"no organisation with slug {slug!r}") from exc
    except InvalidInputError as exc:
        raise click.BadParameter(f"{month} has not ended yet", param_hint="--month") from exc
    click.echo("organisation\tmonth\tresult\tgroups")
    for line in report.lines():
        click.echo(line)
