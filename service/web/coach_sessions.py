"""A digicoach logs, corrects and voids coaching sessions (1-op-1, spreekuur or online)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.errors import InvalidInputError
from service.operations import coaching, coaching_sessions
from service.web import current_db
from service.web.auth import now, role_required, signed_in_person
from service.web.coach import COACH_ROLES, LOCAL, REFUSALS, local_input
from service.web.i18n import error_message
from service.web.input_guard import form_id

bp = Blueprint("coach_sessions", __name__, url_prefix="/coach/gesprekken")


def _minutes(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) <= 6 else None


def _input() -> coaching_sessions.SessionInput:
    """The form: one checkbox per person (``attendee``) with a minutes field (``minutes-<id>``)."""
    attendees = {}
    for raw in request.form.getlist("attendee"):
        person_id = form_id(raw)
        if person_id is not None:
            attendees[person_id] = _minutes(request.form.get(f"minutes-{person_id}"))
    return coaching_sessions.SessionInput(
        held_at=local_input(request.form.get("held_at")), form=request.form.get("form", ""), attendees=attendees,
        skills=tuple(request.form.getlist("skill")), applications=tuple(request.form.getlist("application")),
        note=request.form.get("note"),
    )


def _searching() -> bool:
    """The form was posted by its search button: show it again with fewer people, store nothing."""
    return request.form.get("actie") == "zoeken"


def _form_page(session, coach, *, record=None, request_row=None, error=None, errors=None, status=200):
    form = dict(request.form)
    form["attendee"] = request.form.getlist("attendee")
    form["skill"] = request.form.getlist("skill")
    form["application"] = request.form.getlist("application")
    if record is not None and request.method == "GET":
        current = record.current
        form = {"held_at": current.held_at.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
                "form": current.form.value, "note": current.note or "", "skill": current.skills,
                "application": current.applications, "attendee": [str(a.person_id) for a in current.attendances],
                **{f"minutes-{a.person_id}": str(a.minutes) for a in current.attendances}}
    if request_row is not None and request.method == "GET":
        form.update({"attendee": [str(request_row.request.person_id)], "skill": [request_row.skill.code],
                     "form": "on_the_job", "resolve": "yes"})
    # a search keeps what was entered: it posts the whole form, and the ticked people stay listed
    ticked = [person_id for raw in form.get("attendee", []) if (person_id := form_id(raw)) is not None]
    attendable = coaching_sessions.attendable_people(session, coach, request.values.get("zoek", ""), keep=ticked)
    people = attendable.people
    if request_row is not None and request_row.request.person not in people:
        people.insert(0, request_row.request.person)
    page = render_template("coach/session_form.html", record=record, request_row=request_row, form=form,
                           error=error, errors=errors or {}, people=people, more_people=attendable.more,
                           limit=coaching_sessions.PICKER_LIMIT,
                           search=request.values.get("zoek", "")[:coaching_sessions.people.SEARCH_MAX],
                           label=coaching.employee_label,
                           choices=coaching.filter_choices(session, coach),
                           skills=sorted(coaching.all_skills(session), key=lambda s: s.name))
    return page, status


@bp.get("")
@role_required(*COACH_ROLES)
def sessions():
    with current_db().begin() as session:
        coach = signed_in_person(session)
        return render_template("coach/sessions.html", records=coaching_sessions.sessions_of(session, coach),
                               label=coaching.employee_label)


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*COACH_ROLES)
def log():
    request_id = form_id(request.values.get("hulpvraag"))
    if request.method == "POST" and not _searching():
        try:
            with current_db().begin() as session:
                coaching_sessions.log_session(session, signed_in_person(session), _input(), now(),
                                              help_request_id=request_id, resolve=request.form.get("resolve") == "yes")
            flash(_("Het gesprek is vastgelegd."))
            return redirect(url_for("coach_sessions.sessions"))
        except REFUSALS as exc:
            error, errors, status = error_message(exc), getattr(exc, "errors", {}), getattr(exc, "status", 422)
    else:
        error, errors, status = None, {}, 200
    with current_db().begin() as session:
        coach = signed_in_person(session)
        row = coaching.visible_request(session, coach, request_id, now()) if request_id else None
        return _form_page(session, coach, request_row=row, error=error, errors=errors, status=status)


@bp.route("/<int:session_id>/corrigeren", methods=["GET", "POST"])
@role_required(*COACH_ROLES)
def correct(session_id: int):
    error, errors, status = None, {}, 200
    if request.method == "POST" and not _searching():
        try:
            with current_db().begin() as session:
                coaching_sessions.correct_session(session, signed_in_person(session), session_id, _input(), now())
            flash(_("De correctie is opgeslagen. De vorige versie blijft bewaard."))
            return redirect(url_for("coach_sessions.sessions"))
        except REFUSALS as exc:
            error, errors, status = error_message(exc), getattr(exc, "errors", {}), getattr(exc, "status", 422)
    with current_db().begin() as session:
        coach = signed_in_person(session)
        record = coaching_sessions.get_session(session, coach, session_id)
        return _form_page(session, coach, record=record, error=error, errors=errors, status=status)


@bp.post("/<int:session_id>/ongeldig")
@role_required(*COACH_ROLES)
def void(session_id: int):
    try:
        with current_db().begin() as session:
            coaching_sessions.void_session(session, signed_in_person(session), session_id,
                                           request.form.get("reason", ""), now())
    except InvalidInputError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("coach_sessions.sessions"))
    flash(_("Het gesprek telt niet meer mee."))
    return redirect(url_for("coach_sessions.sessions"))
