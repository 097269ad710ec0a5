"""The digicoach's queue at /coach: see the open help requests of the scope, claim, plan, close."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from service import models as m
from service.errors import ConflictError, ForbiddenError, InvalidInputError
from service.operations import coach_requests, coaching, coaching_sessions, help_request_mail
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.i18n import error_message
from service.web.input_guard import form_id

bp = Blueprint("coach", __name__, url_prefix="/coach")
COACH_ROLES = (m.ToolRole.COACH, m.ToolRole.COACH_COORDINATOR)
#: coaches and employees plan in Dutch time; the database keeps UTC
LOCAL = ZoneInfo("Europe/Amsterdam")
REFUSALS = (InvalidInputError, ConflictError, ForbiddenError)


#: Dutch words for the coach pages, in one place; lazy, so each is translated where a page shows it
NAMES = {
    "coach_status_names": {"new": _l("nieuw"), "claimed": _l("opgepakt"), "planned": _l("gepland"),
                           "resolved": _l("afgerond"), "closed": _l("gesloten"), "cancelled": _l("ingetrokken")},
    "contact_names": {"in_person": _l("langskomen op de afdeling"), "phone": _l("bellen"), "email": _l("e-mail"),
                      "teams": _l("Teams")},
    "place_names": {"ward": _l("op de afdeling"), "drop_in": _l("op het spreekuur"), "online": _l("online")},
    "close_reason_names": {"referred_ict": _l("doorgezet naar ICT"),
                           "referred_training": _l("doorverwezen naar een training"),
                           "no_response": _l("geen reactie na een paar pogingen"),
                           "withdrawn": _l("de medewerker wil geen hulp meer")},
    "session_form_names": {"on_the_job": _l("1-op-1 op de werkplek"), "drop_in": _l("spreekuur of groep"),
                           "online": _l("online")},
}


@bp.app_context_processor
def _names():
    """The coach pages' words, for every page (the coaching session pages use them too); built once:
    all 23 were translated on every page the service rendered."""
    return NAMES


@bp.app_template_filter("moment")
def moment_filter(value: datetime | None) -> str:
    """A moment in Dutch time: "di 01-12-2026 14:30"."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL)
    days = [_("ma"), _("di"), _("wo"), _("do"), _("vr"), _("za"), _("zo")]
    return f"{days[local.weekday()]} {local:%d-%m-%Y %H:%M}"


@bp.app_template_filter("clock")
def clock_filter(value: datetime | None) -> str:
    return value.astimezone(LOCAL).strftime("%H:%M") if value else ""


def local_input(value: str | None) -> datetime | None:
    """A ``datetime-local`` or ``date`` field in Dutch time as an aware UTC moment; None when it is no date."""
    text = (value or "").strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=LOCAL).astimezone(UTC)
        except ValueError:
            continue
    return None


def _filters() -> coaching.Filters:
    args = request.args
    return coaching.Filters(
        location_id=form_id(args.get("locatie")), team_id=form_id(args.get("team")),
        theme=args.get("thema") or None, application=args.get("toepassing") or None,
        status=args.get("status") or None, min_age_days=form_id(args.get("ouder")),
        sort=args.get("sorteer") if args.get("sorteer") in coaching.SORTS else "oudste",
        mine=args.get("mijn") == "1",
    )


@bp.get("")
@role_required(*COACH_ROLES)
def queue():
    with current_db().begin() as session:
        coach = signed_in_person(session)
        filters = _filters()
        rows = coaching.queue(session, coach, filters, now())
        return render_template("coach/queue.html", rows=rows, filters=filters, coach=coach,
                               choices=coaching.filter_choices(session, coach),
                               scope=coaching.scope_of(session, coach))


def _detail(session, coach, request_id: int, error: str | None = None, errors: dict | None = None,
            form: dict | None = None, status: int = 200):
    row = coaching.view_request(session, coach, request_id, now())
    page = render_template(
        "coach/request.html", row=row, coach=coach, error=error, errors=errors or {}, form=form or {},
        items=coaching.shared_items(session, row.request), coaches=coaching.coaches(session, coach.organisation_id),
        level_after=coaching.level_after(session, row.request),
    )
    return page, status


@bp.get("/hulpvragen/<int:request_id>")
@role_required(*COACH_ROLES)
def detail(request_id: int):
    with current_db().begin() as session:
        return _detail(session, signed_in_person(session), request_id)


def _act(request_id: int, action, done: str):
    """Run one state change; a refusal shows the request again with the Dutch reason and changes nothing."""
    try:
        with current_db().begin() as session:
            action(session, signed_in_person(session))
    except REFUSALS as exc:
        with current_db().begin() as session:
            status = 422 if isinstance(exc, InvalidInputError) else exc.status
            return _detail(session, signed_in_person(session), request_id, error_message(exc),
                           getattr(exc, "errors", {}), dict(request.form), status)
    flash(done)
    return redirect(url_for("coach.detail", request_id=request_id))


@bp.post("/hulpvragen/<int:request_id>/oppakken")
@role_required(*COACH_ROLES)
def claim(request_id: int):
    return _act(request_id, lambda s, c: coach_requests.claim(s, c, request_id, now()),
                _("Je hebt de hulpvraag opgepakt. Neem contact op zoals de medewerker vroeg."))


@bp.post("/hulpvragen/<int:request_id>/loslaten")
@role_required(*COACH_ROLES)
def unclaim(request_id: int):
    return _act(request_id, lambda s, c: coach_requests.unclaim(s, c, request_id, now()),
                _("De hulpvraag staat weer open voor alle digicoaches."))


@bp.post("/hulpvragen/<int:request_id>/overdragen")
@role_required(*COACH_ROLES)
def hand_over(request_id: int):
    to = form_id(request.form.get("coach")) or 0
    return _act(request_id, lambda s, c: coach_requests.hand_over(s, c, request_id, to, now()),
                _("De hulpvraag is overgedragen."))


@bp.post("/hulpvragen/<int:request_id>/plannen")
@role_required(*COACH_ROLES)
def plan(request_id: int):
    when = local_input(request.form.get("when"))
    kind, place = request.form.get("place_kind", ""), request.form.get("place", "")
    return _act(request_id, lambda s, c: coach_requests.plan(s, c, request_id, when, kind, place, now()),
                _("De afspraak is gepland. De medewerker ziet hem in Mijn overzicht."))


@bp.post("/hulpvragen/<int:request_id>/afronden")
@role_required(*COACH_ROLES)
def resolve(request_id: int):
    note = request.form.get("note")
    return _act(request_id, lambda s, c: coach_requests.resolve(s, c, request_id, now(), note),
                _("De hulpvraag is afgerond. De medewerker krijgt een uitnodiging om de toets opnieuw te maken."))


@bp.post("/hulpvragen/<int:request_id>/sluiten")
@role_required(*COACH_ROLES)
def close(request_id: int):
    reason, note = request.form.get("reason", ""), request.form.get("note")
    return _act(request_id, lambda s, c: coach_requests.close(s, c, request_id, reason, now(), note),
                _("De hulpvraag is gesloten."))


@bp.route("/spreekuren", methods=["GET", "POST"])
@role_required(*COACH_ROLES)
def drop_ins():
    error, errors, status = None, {}, 200
    if request.method == "POST":
        day = request.form.get("day", "")
        starts = local_input(f"{day}T{request.form.get('start', '')}")
        ends = local_input(f"{day}T{request.form.get('end', '')}")
        try:
            with current_db().begin() as session:
                coaching_sessions.publish_drop_in(session, signed_in_person(session),
                                                  form_id(request.form.get("location")), starts, ends,
                                                  request.form.get("place", ""), now())
            flash(_("Het spreekuur staat erop. Medewerkers van die locatie zien het bij hun uitslag."))
            return redirect(url_for("coach.drop_ins"))
        except InvalidInputError as exc:
            error, errors, status = error_message(exc), exc.errors, 422
    with current_db().begin() as session:
        coach = signed_in_person(session)
        return render_template("coach/drop_ins.html", error=error, errors=errors, form=dict(request.form),
                               choices=coaching.filter_choices(session, coach),
                               hours=coaching_sessions.upcoming_drop_ins(session, coach, now())), status


@bp.route("/mail", methods=["GET", "POST"])
@role_required(*COACH_ROLES)
def mail_choice():
    """The coach's own choice: a mail per new help request, or one mail a day (issue 11)."""
    error, status = None, 200
    if request.method == "POST":
        try:
            with current_db().begin() as session:
                help_request_mail.set_coach_mail(session, signed_in_person(session), request.form.get("coach_mail", ""))
            flash(_("Je keuze is bewaard."))
            return redirect(url_for("coach.mail_choice"))
        except InvalidInputError as exc:  # the message says what to choose; the field is marked
            error, status = error_message(exc), 422
    with current_db().begin() as session:
        return render_template("coach/mail.html", error=error, errors={},
                               choice=signed_in_person(session).coach_mail.value), status
