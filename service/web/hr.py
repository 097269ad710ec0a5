"""The HR dashboard (/hr) and its exports: organisation -> location -> team -> function.

HR advisers and organisation admins see the whole organisation, a manager only the teams the
HR data names them for (:func:`service.operations.compliance.viewer_teams`). Every figure
comes from the compliance operations, which never show a group under the organisation's
minimum; the filters are checked first (:mod:`service.operations.hr_dashboard`).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from service import models as m
from service.operations import audit, hr_exports, tabular
from service.operations import compliance as groups
from service.operations import hr_dashboard as board
from service.operations import hr_dashboard_cache as stored
from service.web import current_db, current_settings
from service.web.auth import now, role_required, signed_in_person

bp = Blueprint("hr", __name__, url_prefix="/hr")
ROLES = (m.ToolRole.HR, m.ToolRole.ORG_ADMIN, m.ToolRole.MANAGER)
HR_ROLES = (m.ToolRole.HR, m.ToolRole.ORG_ADMIN)
FORMATS = {"csv": tabular.CSV_TYPE, "xlsx": tabular.XLSX_TYPE}
KINDS = ("groepen", "personen")
VIEW_ARGS = ("niveau", "locatie", "team", "functie", "periode")


def asked() -> board.Asked:
    args = request.args
    return board.Asked(args.get("niveau", ""), args.get("locatie", ""), args.get("team", ""),
                       args.get("functie", ""), args.get("periode", ""))


def view_args() -> dict[str, str]:
    """The view's own arguments (filters), for links to its exports; anything else in the URL is left out."""
    return {name: value for name, value in request.args.items() if name in VIEW_ARGS}


def view_of(session, viewer: m.Person):
    """The viewer's scope, filter choices, level and filters (InvalidInputError for a wrong filter)."""
    teams = groups.viewer_teams(session, viewer)
    options = board.choices(session, viewer.organisation, teams)
    level, filters = board.check(asked(), options, now().date())
    return teams, options, level, filters


@bp.get("")
@role_required(*ROLES)
def dashboard():
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        teams, options, level, filters = view_of(session, viewer)
        # the default views come from the figures the worker stored; filtered and scoped views are computed now
        cached = stored.read(session, viewer.organisation, level=level, filters=filters, teams=teams, now=now())
        figures = cached.figures if cached else groups.dashboard(session, viewer.organisation, today=now().date(),
                                                                 level=level, filters=filters, teams=teams)
        return render_template("hr/dashboard.html", figures=figures, options=options, asked=asked(), level=level,
                               cached=cached, refresh_minutes=current_settings().hr_figures_minutes,
                               is_hr=any(viewer.has_role(r) for r in HR_ROLES), manager_scope=teams is not None,
                               person_view=viewer.organisation.hr_person_view, view_args=view_args(),
                               drill=hr_exports.drill_args, level_names=hr_exports.LEVEL_NAMES,
                               splits=hr_exports.SPLITS, names=hr_exports.all_names(session, viewer.organisation),
                               parents=hr_exports.key_names)


@bp.get("/export.<fmt>")
@role_required(*ROLES)
def export(fmt: str):
    """The current view as CSV or XLSX: group figures (the works-council version) or, where allowed, per person."""
    kind = request.args.get("inhoud", "groepen")
    if fmt not in FORMATS or kind not in KINDS:
        abort(404)
    today = now().date()
    return download(fmt, lambda out: f"digitoets-{kind}-{_write_export(out, fmt, kind, today).isoformat()}.{fmt}")


def download(fmt: str, write) -> Response:
    """Spool a file that ``write(out)`` writes (returning the file's name) and send it in chunks."""
    out = tabular.spool()
    try:
        name = write(out)
    except BaseException:
        out.close()
        raise
    return Response(tabular.chunks(out), mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def write_table(out, fmt: str, table: hr_exports.Table, used) -> None:
    if fmt == "csv":
        tabular.write_csv(out, table.header, table.rows, used)
    else:
        tabular.write_xlsx(out, table.title, table.header, table.rows, used)


@bp.get("/niet-getoetst.<fmt>")
@role_required(*ROLES)
def not_tested(fmt: str):
    """Who in the current view never took a test for one requirement (?vaardigheid=code): a list to remind them."""
    if fmt not in FORMATS:
        abort(404)
    skill = request.args.get("vaardigheid", "")[:100]
    today = now().date()

    def write(out) -> str:
        with current_db().begin() as session:
            viewer = signed_in_person(session)
            organisation = viewer.organisation
            teams, options, level, filters = view_of(session, viewer)
            day = filters.as_of or today
            table = hr_exports.not_tested_table(session, organisation, viewer, skill, today=today, filters=filters,
                                                teams=teams, names=hr_exports.all_names(session, organisation))
            used = [*board.described(filters, options, level, day), ("vaardigheid", skill)]
            write_table(out, fmt, table, used)
            audit.record(session, organisation, viewer, audit.Action.HR_EXPORTED, f"organisation:{organisation.id}",
                         {"format": fmt, "content": "niet-getoetst", "people": len(table.rows), **dict(used)})
            return f"digitoets-niet-getoetst-{day.isoformat()}.{fmt}"

    return download(fmt, write)


def _write_export(out, fmt: str, kind: str, today):
    """Write the export into ``out`` and its audit row, in one transaction; returns the day it stands on."""
    with current_db().begin() as session:
        viewer = signed_in_person(session)
        organisation = viewer.organisation
        teams, options, level, filters = view_of(session, viewer)
        day = filters.as_of or today
        used = board.described(filters, options, level, day)
        names = hr_exports.all_names(session, organisation)
        if kind == "personen":
            table = hr_exports.person_table(session, organisation, viewer, today=today, filters=filters, teams=teams,
                                             names=names)
        else:
            figures = groups.dashboard(session, organisation, today=today, level=level, filters=filters, teams=teams)
            table = hr_exports.group_table(figures, names)
        write_table(out, fmt, table, used)
        audit.record(session, organisation, viewer, audit.Action.HR_EXPORTED, f"organisation:{organisation.id}",
                     {"format": fmt, "content": kind, **dict(used)})
    return day
