"""The employee's pages: choose a function, take a digi-toets, see the result, ask for help."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask import session as browser_session  # the signed cookie; `session` below is the database's
from flask_babel import gettext as _
from service import metrics
from service import models as m
from service.errors import ConflictError, InvalidInputError, ServiceError
from service.operations import attempts, campaigns, catalogue, coaching, coaching_sessions, people, results
from service.schemas.answers import SaveAnswerArgs, form_answer
from service.web import current_db
from service.web.auth import PERSON_KEY, login_required, now, signed_in_person
from service.web.i18n import LANG_KEY, LOCALES, current_locale, error_message
from service.web.redirects import same_site_path, same_site_referrer

bp = Blueprint("employee", __name__)


def _person(session) -> m.Person:
    person = signed_in_person(session)
    if person is None:
        abort(401)
    return person


def _person_id() -> int:
    """The signed-in person's id from the cookie (``sessions`` checked this request that they exist)."""
    return browser_session[PERSON_KEY]


def _choose_function_first(person: m.Person, then: str):
    """A redirect to the one-time function choice when the person's function is unknown, else None."""
    if people.current_assignment(person, now()) is None:
        return redirect(url_for("employee.choose_function", next=then))
    return None


@bp.get("/")
def home():
    with current_db().begin() as session:
        if signed_in_person(session) is not None:
            return redirect(url_for("employee.tests"))
    return render_template("home.html")


@bp.get("/toetsen")
@login_required
def tests():
    with current_db().begin() as session:
        person = _person(session)
        if (choose := _choose_function_first(person, url_for("employee.tests"))) is not None:
            return choose
        assignment = people.current_assignment(person, now())
        rows = catalogue.active_tests(session)
        mine = [t for t in rows if assignment.profile in t.current_version.profiles]
        other = [t for t in rows if t not in mine]
        latest = catalogue.latest_attempts(session, person)
        invitations = campaigns.for_employee(session, person, now().date())
        return render_template("tests.html", person=person, profile=assignment.profile, mine=mine, other=other, latest=latest,
                               invitations=invitations)


@bp.route("/functie", methods=["GET", "POST"])
@login_required
def choose_function():
    target = same_site_path(request.args.get("next"), url_for("employee.tests"))
    with current_db().begin() as session:
        person = _person(session)
        profiles = people.active_profiles(session)
        error = None
        code, reason = request.form.get("function", ""), request.form.get("reason", "")
        if request.method == "POST":
            try:  # every check runs before anything changes: a refusal stores nothing
                people.choose_own_function(session, person, code, now(), reason)
                return redirect(target)
            except ServiceError as exc:
                error = error_message(exc) if code else _("Kies je functie uit de lijst.")
        current = people.current_assignment(person, now())
        return render_template(
            "function.html", profiles=profiles, current=current, error=error, target=target, chosen=code, reason=reason,
            default=person.organisation.default_function_profile, unknown=people.UNKNOWN, reason_max=people.REASON_MAX,
        ), 422 if error else 200


@bp.get("/toets/<code>")
@login_required
def test_intro(code: str):
    """What a launch from a course placement opens: this one digi-toets, ready to start."""
    with current_db().begin() as session:
        person = _person(session)
        if (choose := _choose_function_first(person, url_for("employee.test_intro", code=code))) is not None:
            return choose
        test = attempts.get_test(session, code)
        latest = catalogue.latest_attempt(session, person, test)
        return render_template("test_intro.html", test=test, latest=latest)


@bp.post("/toetsen/<code>/start")
@login_required
def start(code: str):
    with current_db().begin() as session:
        person = _person(session)
        if (choose := _choose_function_first(person, url_for("employee.test_intro", code=code))) is not None:
            return choose
        link_id = (browser_session.get("lti_links") or {}).get(code)  # launched from a course placement: grade it there
        attempt, created = attempts.start_attempt(session, person, code, now(), resource_link_id=link_id)
        registration = attempt.registration
    if created:
        metrics.ATTEMPTS_STARTED.inc()
    return redirect(url_for("employee.resume", registration=registration))


@bp.get("/poging/<registration>")
@login_required
def resume(registration: str):
    """Go to the first open question, so a reopened page carries on where the employee was."""
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration)
        if attempt.is_finished:
            return redirect(url_for("employee.result", registration=registration))
        version = attempts.version_of(session, attempt)
        answered = set(attempts.answers_of(attempt, version))
        for index, item in enumerate(version.items, start=1):
            if item.code not in answered:
                return redirect(url_for("employee.question", registration=registration, number=index))
        return redirect(url_for("employee.review", registration=registration))


def _question_page(session, attempt, number: int, error: str | None = None, status: int = 200):
    version = attempts.version_of(session, attempt)
    items = version.items
    if not 1 <= number <= len(items):
        abort(404)
    item = items[number - 1]
    shown = attempts.present(attempt, item, current_locale(), version)
    answer = attempts.answers_of(attempt, version).get(item.code)
    return (
        render_template(
            "question.html", attempt=attempt, version=version, item=shown, answer=answer, error=error,
            answered=len(attempt.responses), now=now(),
        ),
        status,
    )


@bp.get("/poging/<registration>/vraag/<int:number>")
@login_required
def question(registration: str, number: int):
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration)
        if attempt.is_finished:
            return redirect(url_for("employee.result", registration=registration))
        return _question_page(session, attempt, number)


@bp.post("/poging/<registration>/vraag/<int:number>")
@login_required
def answer(registration: str, number: int):
    """Save the answer on this page, then go where the button said (next, previous, hand in)."""
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration)
        if attempt.is_finished:
            flash(_(attempts.CLOSED_MESSAGE))
            return redirect(url_for("employee.result", registration=registration))
        count = len(attempts.version_of(session, attempt).items)
        try:
            _save_from_form(session, attempt, number)
        except InvalidInputError as exc:
            return _question_page(session, attempt, number, error=error_message(exc), status=422)
        except ConflictError as exc:
            flash(error_message(exc))
            return redirect(url_for("employee.review", registration=registration))
    return redirect(_page_after(registration, number, count, request.form.get("go", "next")))


def _save_from_form(session, attempt: m.Attempt, number: int) -> None:
    """Save question ``number``'s answer from the posted form (an empty form saves nothing)."""
    version = attempts.version_of(session, attempt)
    items = version.items
    if not 1 <= number <= len(items):
        abort(404)
    shown = attempts.present(attempt, items[number - 1], version=version)
    value = form_answer(shown, request.form)
    if value is not None:
        attempts.save_answer(session, attempt, shown.code, value, now())


def _page_after(registration: str, number: int, count: int, go: str) -> str:
    """Where the pressed button leads: the previous or next question, else the hand-in page."""
    if go == "previous" and number > 1:
        return url_for("employee.question", registration=registration, number=number - 1)
    if go == "next" and number < count:
        return url_for("employee.question", registration=registration, number=number + 1)
    return url_for("employee.review", registration=registration)


@bp.post("/poging/<registration>/antwoord")
@login_required
def autosave(registration: str):
    """Save one answer as it is given (the page's script calls this on every change)."""
    args = SaveAnswerArgs().load(request.get_json(silent=True) or {})
    with current_db().begin() as session:
        saved_at = attempts.save_answer_to(session, _person_id(), registration, args["item"], args["value"], now())
        return jsonify(item=args["item"], saved_at=saved_at.isoformat()), 200


@bp.get("/poging/<registration>/inleveren")
@login_required
def review(registration: str):
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration)
        if attempt.is_finished:
            return redirect(url_for("employee.result", registration=registration))
        version = attempts.version_of(session, attempt)
        answered = attempts.answers_of(attempt, version)
        open_numbers = [i for i, item in enumerate(version.items, 1) if item.code not in answered]
        return render_template("review.html", attempt=attempt, total=len(version.items), open_numbers=open_numbers)


@bp.post("/poging/<registration>/inleveren")
@login_required
def submit(registration: str):
    """Hand in; store first, score in a second transaction (a scoring failure loses no answer)."""
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration)
        attempts.submit_attempt(session, attempt, now())
    with current_db().begin() as session:
        attempt = attempts.get_attempt(session, _person_id(), registration, with_person=True)
        scored = attempts.score_attempt(session, attempt, now())
    if scored:  # scored by this request (a repeated hand-in scores nothing)
        metrics.ATTEMPTS_SUBMITTED.inc()
    return redirect(url_for("employee.result", registration=registration))


@bp.get("/poging/<registration>/resultaat")
@login_required
def result(registration: str):
    with current_db().begin() as session:
        person = _person(session)
        attempt = attempts.get_attempt(session, person, registration)
        if not attempt.is_finished:
            return redirect(url_for("employee.resume", registration=registration))
        if attempt.status is m.AttemptStatus.SUBMITTED:  # scoring did not finish earlier: do it now
            attempts.score_attempt(session, attempt, now())
        outcome = results.attempt_result(session, attempt, now(), current_locale())
        return render_template("result.html", result=outcome, organisation=person.organisation,
                               drop_ins=coaching_sessions.next_drop_ins(session, person, now()))


@bp.get("/mijn-overzicht")
@login_required
def overview():
    with current_db().begin() as session:
        person = _person(session)
        data = results.person_overview(session, person, now(), current_locale())
        return render_template("overview.html", overview=data, person=person,
                               help_details=coaching.employee_details(session, data.help_requests))


@bp.get("/taal/<code>")
def language(code: str):
    if code in LOCALES:
        browser_session[LANG_KEY] = code
    target = same_site_referrer(request.referrer, request.host_url, url_for("employee.home"))
    return redirect(target)
