"""Every route, for every kind of person, of our organisation and of another one: the expected status.

The routes come from ``app.url_map`` (the development login and demo LMS included, as the app
registers them with ``DIGITOETS_DEV_LOGIN=1``), so a new route without an entry in ``MATRIX``
fails ``test_every_route_is_in_the_matrix``. Each request runs as one person of organisation A
(``A``) or of organisation B (``B``), against A's objects: A's attempt, help request, course,
LMS registration and person. A person of B must never reach them.

Reading the table: one line per route and method, the statuses in the order of ``ACTORS``:
signed out, then employee, HR, coach, accreditation administrator and organisation admin of A,
then the same five of B. ``302`` for a protected page is the way to the start page. A blueprint
line (``"admin.*"``) gives the default for its routes; a route's own line overrides it. Every
request runs in a savepoint that is rolled back, so one cell never changes another. CSRF is
switched off: it has its own tests; here only who may do what counts.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from service import create_app
from service import models as m
from service.config import Settings
from service.operations.campaigns import create as create_campaign
from service.operations.people import grant_role
from service.operations.registrations import register_platform
from tests.conftest import FIXTURE_CONTENT
from tests.support.web import Browser

ROLES = ("employee", "hr", "coach", "accreditation", "org_admin")
ACTORS = ("anonymous", *(f"A:{r}" for r in ROLES), *(f"B:{r}" for r in ROLES))


def own(ok: int) -> str:
    """A's own object (attempt, help request): only A's employee gets ``ok``; everyone else a plain 404."""
    return f"302 | {ok} 404 404 404 404 | 404 404 404 404 404"


def everyone(status: int) -> str:
    return " ".join([str(status)] * len(ACTORS))


#: signed out | employee, HR, coach, accreditation, admin of A | the same five of B ("same": as for A)
SIGNED_IN = "302 | 200 200 200 200 200 | same"
ADMIN = "302 | 403 403 403 403 200 | same"
HR = "302 | 403 200 403 403 200 | same"
COACH = "302 | 403 403 200 403 403 | same"
ACCREDITATION = "302 | 403 403 403 200 403 | same"

#: per blueprint: its default, and every route of it (``None``: the default; a POST without a
#: form gives 422 and a redirect after an action 302). Statuses for A's objects are those of A's
#: employee's attempt and help request, A's course, LMS registration and person.
MATRIX: dict[str, tuple[str, dict[str, str | None]]] = {
    "employee": (SIGNED_IN, {
        "GET employee.home": "200 | 302 302 302 302 302 | same",
        "GET employee.overview": None, "GET employee.tests": None, "GET employee.test_intro": None,
        "GET employee.choose_function": None,
        "POST employee.choose_function": "302 | 422 422 422 422 422 | same",
        "GET employee.language": everyone(302),
        "POST employee.start": "302 | 302 302 302 302 302 | same",
        "GET employee.resume": own(302), "GET employee.question": own(200), "POST employee.answer": own(302),
        "GET employee.review": own(200), "POST employee.submit": own(302), "GET employee.result": own(302),
        # the body is checked before the attempt: an empty autosave is 422 for anyone signed in
        "POST employee.autosave": "302 | 422 422 422 422 422 | same",
    }),
    "help": (own(302), {
        "GET help.withdraw": own(200), "POST help.withdraw": None, "POST help.no_longer_needed": None,
        "POST help.ask": own(422),
    }),
    "privacy": (SIGNED_IN, {
        "GET privacy.my_data": None, "GET privacy.my_data_json": None,
        "GET privacy.audit_log": ADMIN,
        "GET privacy.erase": "302 | 403 403 403 403 200 | 403 403 403 403 404",
        "POST privacy.erase": "302 | 403 403 403 403 422 | 403 403 403 403 404",
    }),
    "admin": (ADMIN, {
        "GET admin.home": None, "GET admin.settings": None, "GET admin.lti_registrations": None,
        "GET admin.function_codes": None, "GET admin.roles": None, "GET admin.xapi_status": None,
        "GET admin.messages": None,
        "POST admin.settings": "302 | 403 403 403 403 422 | same",
        "POST admin.lti_registrations": "302 | 403 403 403 403 422 | same",
        "POST admin.function_codes": "302 | 403 403 403 403 422 | same",
        "POST admin.roles": "302 | 403 403 403 403 404 | same",  # no person chosen
        "POST admin.xapi_retry": "302 | 403 403 403 403 302 | same",
        "POST admin.messages_retry": "302 | 403 403 403 403 302 | same",
        # A's registration: B's admin must not switch it off or rename it
        "POST admin.lti_status": "302 | 403 403 403 403 302 | 403 403 403 403 404",
        "POST admin.lti_rename": "302 | 403 403 403 403 422 | 403 403 403 403 404",
        "POST admin.lti_extra_hosts": "302 | 403 403 403 403 302 | 403 403 403 403 404",  # empty list: saved
        "POST admin.lti_new_link": None,
        "POST admin.lti_revoke_link": "302 | 403 403 403 403 404 | same",
    }),
    "health": (everyone(200), {
        "GET health.healthz": None, "GET health.readyz": None, "GET health.admin_status": ADMIN,
    }),
    # /metrics is for Prometheus only, whoever is signed in (these requests come from a spread of
    # addresses, not loopback); a direct loopback scrape or the token gets it (test_metrics.py)
    "metrics": (everyone(404), {"GET metrics.scrape": None}),
    "teacher": ("302 | 403 403 403 403 403 | same", {"GET teacher.course": None}),  # no one here teaches course A
    "hr": (HR, {"GET hr.dashboard": None, "GET hr.export": "302 | 403 404 403 403 404 | same",
                "GET hr.not_tested": "302 | 403 404 403 403 404 | same"}),  # "1" is no file format
    "hr_people": (HR, {
        "GET hr_people.matrix": None,
        # A's employee: A's HR and admin see no single person while results are the employee's own
        # (the organisation's default); B's never find them
        "GET hr_people.person": "302 | 403 403 403 403 403 | 403 404 403 403 404",
        "POST hr_people.exempt": "302 | 403 403 403 403 403 | 403 404 403 403 404",
    }),
    "hr_goals": (HR, {
        "GET hr_goals.goals": None,
        "POST hr_goals.goals": "302 | 403 422 403 403 422 | same",  # no name, level or percent
    }),
    "hr_campaigns": (HR, {
        "GET hr_campaigns.overview": None,
        "POST hr_campaigns.overview": "302 | 403 422 403 403 422 | same",  # no title, test, group or date
        # A's campaign: A's HR and admin queue its reminder; B's never find it
        "POST hr_campaigns.remind": "302 | 403 302 403 403 302 | 403 404 403 403 404",
        "GET hr_campaigns.reminder_list": "302 | 403 404 403 403 404 | same",  # "1" is no file format
    }),
    "hr_import": ("302 | 403 404 403 403 404 | same", {  # an unknown upload token
        "GET hr_import.upload": HR, "POST hr_import.upload": "302 | 403 422 403 403 422 | same",
        "GET hr_import.preview": None, "GET hr_import.columns": None, "POST hr_import.columns": None,
        "POST hr_import.apply": None,
    }),
    "coach": ("302 | 403 403 404 403 403 | same", {  # A's request is not in any coach's queue yet
        "GET coach.queue": COACH, "GET coach.drop_ins": COACH, "POST coach.drop_ins": "302 | 403 403 422 403 403 | same",
        # a coach's own mail choice; a POST without a choice is refused with 422
        "GET coach.mail_choice": COACH, "POST coach.mail_choice": "302 | 403 403 422 403 403 | same",
        "GET coach.detail": None, "POST coach.claim": None, "POST coach.unclaim": None, "POST coach.plan": None,
        "POST coach.resolve": None, "POST coach.close": None, "POST coach.hand_over": None,
    }),
    "coach_sessions": (COACH, {
        "GET coach_sessions.sessions": None, "GET coach_sessions.log": None,
        "POST coach_sessions.log": "302 | 403 403 422 403 403 | same",
        "GET coach_sessions.correct": "302 | 403 403 404 403 403 | same",
        "POST coach_sessions.correct": "302 | 403 403 404 403 403 | same",
        "POST coach_sessions.void": "302 | 403 403 302 403 403 | same",
    }),
    "coach_overview": (COACH, {
        "GET coach_overview.overview": None,
        "GET coach_overview.coach_admin": ADMIN, "POST coach_overview.coach_admin": "302 | 403 403 403 403 404 | same",
        # the coordinator is a coach the admin names: none is named here
        "GET coach_overview.coordinator": "302 | 403 403 403 403 403 | same",
        "POST coach_overview.coordinator": "302 | 403 403 403 403 403 | same",
    }),
    "accreditation": (ACCREDITATION, {
        "GET accreditation.index": None, "GET accreditation.records_csv": None,
        "POST accreditation.save_account": "302 | 403 403 403 422 403 | same",
        "POST accreditation.export": "302 | 403 403 403 422 403 | same",
        "POST accreditation.deliver": "302 | 403 403 403 422 403 | same",
        "POST accreditation.resend": "302 | 403 403 403 302 403 | same",
        "POST accreditation.remind": "302 | 403 403 403 404 403 | same",
        "GET accreditation.certificates_zip": "302 | 403 403 403 404 403 | same",
        "POST accreditation.certificates_background": "302 | 403 403 403 404 403 | same",
        "GET accreditation.export_progress": "302 | 403 403 403 404 403 | same",
        "GET accreditation.export_download": "302 | 403 403 403 404 403 | same",
    }),
    "my_accreditation": (SIGNED_IN, {
        "GET my_accreditation.registries": None,
        "POST my_accreditation.save": "302 | 422 422 422 422 422 | same",
        "POST my_accreditation.withdraw": "302 | 302 302 302 302 302 | same",
        "GET my_accreditation.certificate": "302 | 404 404 404 404 404 | same",
        "GET my_accreditation.year_overview": "302 | 404 404 404 404 404 | same",
    }),
    "verify": (everyone(404), {"GET verify.verify": None}),  # an unknown certificate code
    "sessions": (everyone(302), {"POST sessions.sign_out_view": None}),
    "lti": (everyone(404), {  # without a launch: unknown tokens and states
        "GET lti.jwks": everyone(200), "GET lti.login": everyone(400), "POST lti.login": everyone(400),
        "POST lti.launch": everyone(400), "GET lti.check": None, "GET lti.deep_linking": None,
        "POST lti.deep_linking": None, "GET lti.continue_launch": None, "POST lti.confirm_continue": None,
        "GET lti.restart": None, "GET lti.dynamic_registration": None,
        "POST lti.new_window": "403 | 404 404 404 404 404 | same",
    }),
    "static": (everyone(200), {"GET static": None}),
    "xapi_profile": (everyone(404), {"GET xapi_profile.definition": None}),
    "dev": (everyone(200), {"GET dev.login": None, "POST dev.login": everyone(422)}),
    "demo_lms": (everyone(401), {  # the demo LMS answers everyone alike; its services want a token
        "GET demo_lms.course": everyone(200), "GET demo_lms.course_slash": everyone(302),
        "GET demo_lms.jwks": everyone(200), "GET demo_lms.lineitems": None, "POST demo_lms.lineitems": None,
        "GET demo_lms.lineitem": None, "POST demo_lms.scores": None, "GET demo_lms.auth": everyone(400),
        "POST demo_lms.auth": everyone(400), "POST demo_lms.deep_linking_return": everyone(400),
        "POST demo_lms.token": everyone(400),
    }),
}


def expected(key: str) -> list[int] | None:
    """The expected statuses of ``key`` ("POST admin.roles") in the order of ``ACTORS``, or None."""
    blueprint = key.split(" ", 1)[1].split(".")[0]
    if blueprint not in MATRIX or key not in MATRIX[blueprint][1]:
        return None
    line = MATRIX[blueprint][1][key] or MATRIX[blueprint][0]
    parts = [part.split() for part in line.split("|")]
    if len(parts) == 3 and parts[2] == ["same"]:
        parts[2] = parts[1]
    statuses = [int(s) for part in parts for s in part]
    assert len(statuses) == len(ACTORS), f"{key}: {len(statuses)} statuses for {len(ACTORS)} actors"
    return statuses


@pytest.fixture
def matrix_app(tmp_path, database_url, database, content):
    settings = Settings(
        env="testing", instance_path=tmp_path / "instance", database_url=database_url, dev_login=True,
        secret_key="test-secret-key-that-is-long-enough-0123456789", content_path=FIXTURE_CONTENT,
    )
    app = create_app(settings, database=database)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def world(matrix_app, database, make_person):
    """The people of A and B, and A's objects every route's parameters point at."""
    people = {}
    for org in ("A", "B"):
        for role in ROLES:
            person_id = make_person(f"{org}-{role}", org_slug=f"zorg-{org.lower()}")
            if role != "employee":
                with database.begin() as session:
                    grant_role(session, session.get(m.Person, person_id), m.ToolRole(role), granted_by="test")
            people[f"{org}:{role}"] = person_id
    owner = people["A:employee"]
    started = Browser(matrix_app.test_client()).sign_in(owner).client.post("/toetsen/ecd-rapportage/start")
    registration = started.location.split("/poging/")[1].split("/")[0]
    with database.begin() as session:
        org = session.get(m.Person, owner).organisation
        lms = register_platform(session, org, issuer="https://lms-a.example", client_id="a", deployment_ids=["1"],
                                auth_login_url="https://lms-a.example/auth", auth_token_url="https://lms-a.example/token",
                                key_set_url="https://lms-a.example/jwks")
        course = m.LtiContext(registration_id=lms.id, context_id="course-a", deployment_id="1", title="Cursus A")
        skill = session.scalars(select(m.Skill)).first()
        help_request = m.HelpRequest(organisation_id=org.id, person_id=owner, skill_id=skill.id)
        profile = session.scalars(select(m.FunctionProfile)).first()
        campaign = create_campaign(session, org, session.get(m.Person, people["A:hr"]), title="Oproep A",
                                   test_code="ecd-rapportage", location_id=None, team_id=None, profile_id=profile.id,
                                   due_on=date.today() + timedelta(days=365), today=date.today())
        session.add_all([course, help_request])
        session.flush()
        registry = session.scalars(select(m.AccreditationRegistry.id).order_by(m.AccreditationRegistry.id)).first()
        values = {
            "registration": registration, "number": "1", "code": "ecd-rapportage", "person_id": str(owner),
            "registration_id": str(lms.id), "course_id": str(course.id), "request_id": str(help_request.id),
            "action": "uitzetten", "token": "onbekend", "key": str(owner), "session_id": "1", "registry_id": str(registry),
            "campaign_id": str(campaign.id),
            "rest": "activities/digitoets", "filename": "digitoets.css",
        }
    return people, values


def _key(rule, method: str) -> str:
    return f"{method} {rule.endpoint}"


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _status(app, database, rule, method, values, actor, person_id) -> int:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?" + arg + ">", values.get(arg, "1"), url)
    client = app.test_client()
    # one address per person, as in a ward: the rate limit of the LTI and registration routes
    # counts per address, and one request per route and person stays far below it
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{ACTORS.index(actor) + 1}"
    if person_id is not None:
        Browser(client).sign_in(person_id)
    connection = database.sessionmaker.kw["bind"]
    savepoint = connection.begin_nested()
    try:
        response = client.open(url, method=method, data={} if method != "GET" else None)
        response.close()
        return response.status_code
    finally:
        savepoint.rollback()


def test_every_route_is_in_the_matrix(matrix_app):
    missing = [_key(rule, method) for rule, method in _routes(matrix_app) if expected(_key(rule, method)) is None]
    assert not missing, "add these routes to MATRIX in this file: " + ", ".join(missing)
    listed = {key for _, routes in MATRIX.values() for key in routes}
    gone = listed - {_key(rule, method) for rule, method in _routes(matrix_app)}
    assert not gone, "these routes are gone from the app; remove them from MATRIX: " + ", ".join(sorted(gone))


def test_every_route_answers_every_person_as_the_matrix_says(matrix_app, database, world):
    people, values = world
    wrong = []
    for rule, method in _routes(matrix_app):
        key = _key(rule, method)
        want = expected(key)
        if want is None:
            continue  # test_every_route_is_in_the_matrix names it
        got = [_status(matrix_app, database, rule, method, values, actor, people.get(actor)) for actor in ACTORS]
        wrong += [f"{key} as {actor}: expected {w}, got {g}" for actor, w, g in zip(ACTORS, want, got, strict=True) if w != g]
    assert not wrong, "\n".join(wrong)
