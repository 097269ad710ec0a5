"""Benchmark: server CPU and SQL statements of a whole employee flow, in-process (issue 13).

    .venv/bin/python -m tests.bench.bench_employee_flow [--flows 5] [--backend sqlite|postgresql|both]

Each flow is a new employee launched through the real LTI 1.3 flow of tests/support/platform.py
(login initiation, the test LMS signs the id_token, ``/lti/launch``; a placement with a
gradebook line item), who then takes the starter content's ``ecd-rapportage`` (13 questions)
through the Flask test client, the whole app stack included (sessions, CSRF, security headers,
templates):

    login, launch, intro, start, resume, 13 x (question page + autosave), review, submit,
    result, overview

That is 35 requests, the issue's flow plus the overview (the LMS's signing is not counted: it
is the platform's work). Per flow it measures the process CPU time (``time.process_time``) of
the tool's requests, and per step the CPU and the SQL statements (tests/support/sql_counter.py).
The baseline, measured in the same run on the same app: a trivial request through the same stack (``/taal/nl`` for a signed-in
person: session check, cookie, redirect). Printed: each figure, its ratio to that baseline and
to the issue's targets (flow CPU <= 0.25 s for 35 requests; statements submit <= 15,
result <= 10, overview <= 10, question page and autosave <= 5).

Then a micro-benchmark: building and validating the statements of one submit (13 answers,
completed, passed/failed, a score per skill, terminated) against the 5 ms target, with
``json.dumps`` + ``json.loads`` of the same statements as the in-run baseline.

Before issue 13's changes (same machine, PostgreSQL): flow CPU ~2.1 s; submit 69 statements,
result 72, overview 118; one submit's statements 44 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.config import Settings
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import registrations
from service.operations.content import load_content
from tests.conftest import PG_BASE_URL, STARTER_CONTENT, _drop_postgres_database, _new_postgres_database
from tests.support.platform import TestPlatform, User
from tests.support.sql_counter import count_sql
from tests.support.web import Browser
from xapi import events as xe
from xapi.statements import StatementBuilder
from xapi.vocabulary import SELF_RATING_SCALE

TEST = "ecd-rapportage"
FUNCTION = "verzorgende-ig"
TOOL = "http://localhost"
LAUNCH_URL = f"{TOOL}/lti/launch"
FLOW_TARGET_S = 0.25  # for the 35 requests
STATEMENT_TARGETS = {"submit": 15, "result": 10, "overview": 10, "question": 5, "autosave": 5}
BUILD_TARGET_MS = 5.0


def answer_for(item) -> object:
    """A valid answer to a content item (right where there is a right answer)."""
    if item.type.value == "self_rating":
        return 2
    if item.type.value == "ordering":
        return list(item.steps)
    correct = [o.code for o in item.options if o.correct]
    return correct if item.type.value == "multiple" else correct[0]


def prepare(url: str, folder: Path, lms_stack: ExitStack):
    """A migrated database with the starter content, the app and a registered test LMS."""
    engine = make_engine(url)
    upgrade(url, engine=engine)
    database = Database(url, engine=engine)
    bundle = load_folder(STARTER_CONTENT)
    settings = Settings(env="testing", instance_path=folder / "instance", database_url=url, base_url=TOOL,
                        secret_key="bench-secret-key-that-is-long-enough-0123456789", content_path=STARTER_CONTENT)
    app = create_app(settings, database=database)
    lms = lms_stack.enter_context(TestPlatform(tool_key_set=app.extensions["digitoets.lti"].keys.jwks,
                                               tool_launch_url=LAUNCH_URL))
    with database.begin() as session:
        load_content(session, bundle)
        org = m.Organisation(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench")
        session.add(org)
        session.flush()
        registrations.register_platform(
            session, org, issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_url,
            auth_token_url=lms.token_url, key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id],
        )
    lineitem = lms.add_lineitem("course-1", label="Digitoets ECD", score_maximum=100, resource_link_id="link-1")["id"]
    items = next(t for t in bundle.tests if t.code == TEST).items
    return app, database, (lms, lineitem), [(i.code, answer_for(i)) for i in items]


def one_flow(app, database, platform, answers, steps: dict, counts: dict) -> float:
    """Run one whole flow of a new employee; add per-step CPU to ``steps`` and statements to ``counts``.

    Returns the flow's CPU time (the tool's requests only).
    """
    lms, lineitem = platform
    browser = Browser(app.test_client())
    total = 0.0

    def step(name, call):
        nonlocal total
        with count_sql(database) as counted:
            began = time.process_time()
            response = call()
            spent = time.process_time() - began
        assert response.status_code < 400, (name, response.status_code, response.get_data(as_text=True)[:500])
        total += spent
        steps[name].append(spent)
        counts[name] = max(counts.get(name, 0), counted.statements)
        return response

    user = User(id=uuid.uuid4().hex, name="Bench Medewerker", email=None)
    form = lms.login_initiation(LAUNCH_URL, user=user, custom={"digitoets_test": TEST, "digitoets_function": "VIG"},
                                lineitem=lineitem)
    login = step("login", lambda: browser.client.post("/lti/login", data=form))
    signed = lms.authorize(login.location)  # the LMS's work, not the tool's: not measured
    response = step("launch", lambda: browser.client.post("/lti/launch", data=signed))
    while response.status_code in (301, 302, 303):  # the launch leads to the test's intro page
        response = step("intro", lambda r=response: browser.get(r.location))
    started = step("start", lambda: browser.post(f"/toetsen/{TEST}/start"))
    registration = started.headers["Location"].rstrip("/").split("/")[-1]
    step("resume", lambda: browser.get(f"/poging/{registration}"))
    for number, (code, value) in enumerate(answers, start=1):
        step("question", lambda n=number: browser.get(f"/poging/{registration}/vraag/{n}"))
        step("autosave", lambda c=code, v=value: browser.post_json(f"/poging/{registration}/antwoord",
                                                                  {"item": c, "value": v}))
    step("review", lambda: browser.get(f"/poging/{registration}/inleveren"))
    step("submit", lambda: browser.post(f"/poging/{registration}/inleveren"))
    step("result", lambda: browser.get(f"/poging/{registration}/resultaat"))
    step("overview", lambda: browser.get("/mijn-overzicht"))
    return total


def trivial_request_cpu(app, database, rounds: int = 200) -> float:
    """CPU of one trivial request through the same stack (signed in: session check and cookie)."""
    with database.begin() as session:
        person_id = session.scalar(select(m.Person.id).limit(1))
    browser = Browser(app.test_client()).sign_in(person_id)
    browser.client.get("/taal/nl")
    began = time.process_time()
    for _ in range(rounds):
        browser.client.get("/taal/nl")
    return (time.process_time() - began) / rounds


def run_backend(name: str, url: str, folder: Path, flows: int) -> None:
    with ExitStack() as stack:
        app, database, platform, answers = prepare(url, folder, stack)
        one_flow(app, database, platform, answers, defaultdict(list), {})  # warm up (imports, templates, caches)
        trivial = trivial_request_cpu(app, database)
        steps: dict[str, list[float]] = defaultdict(list)
        counts: dict[str, int] = {}
        totals = [one_flow(app, database, platform, answers, steps, counts) for _ in range(flows)]
    requests_per_flow = sum(len(v) for v in steps.values()) // flows
    flow = statistics.median(totals)
    print(f"\n== {name}: {flows} flows of {requests_per_flow} requests (a new employee each, launched by LTI)")
    print(f"baseline: trivial request {trivial * 1000:.2f} ms CPU")
    print(f"flow CPU median {flow * 1000:.0f} ms (spread {min(totals) * 1000:.0f}-{max(totals) * 1000:.0f}) "
          f"= {flow / trivial:.0f} trivial requests = {flow / FLOW_TARGET_S:.2f}x the 0.25 s target")
    print(f"{'step':<10}{'n':>4}{'CPU ms':>9}{'x trivial':>11}{'SQL':>6}{'target':>8}{'SQL/target':>12}")
    for step_name, spent in steps.items():
        target = STATEMENT_TARGETS.get(step_name)
        median = statistics.median(spent)
        ratio = f"{counts[step_name] / target:.2f}" if target else "-"
        print(f"{step_name:<10}{len(spent) // flows:>4}{median * 1000:>9.2f}{median / trivial:>11.1f}"
              f"{counts[step_name]:>6}{target or '-':>8}{ratio:>12}")
    database.dispose()


def statements_of_one_submit(builder: StatementBuilder) -> list[dict]:
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    learner = xe.Actor(home_page="https://lms.example", name=str(uuid.uuid4()))
    test = xe.TestRef(code=TEST, version="1", title="Rapporteren in het ECD", application="ecd",
                      application_name="ECD", function_profile=FUNCTION, function_profile_name="Verzorgende IG")
    ref = xe.AttemptRef(uuid.uuid4(), "bench", test, learner, start)
    choices = tuple((f"o{n}", f"Keuze {n} met wat tekst erbij") for n in range(4))
    out = []
    for n in range(13):
        kind = "self_rating" if n == 12 else "single"
        item = xe.InteractionRef(f"ecd-{n:02}", kind, f"Vraag {n}: wat doe je als ...?",
                                 () if kind == "self_rating" else choices,
                                 () if kind == "self_rating" else ("o1",), "ecd-rapporteren")
        response = (SELF_RATING_SCALE[2][0],) if kind == "self_rating" else ("o1",)
        out.append(builder.item_answered(ref, xe.Answer(item, response, start + timedelta(seconds=10 * n))))
    outcome = xe.AttemptOutcome(score_raw=10.0, score_min=0.0, score_max=13.0, passed=True,
                                duration=timedelta(minutes=5), finished_at=start + timedelta(minutes=5))
    out.append(builder.attempt_completed(ref, outcome))
    out.append(builder.attempt_judged(ref, outcome))
    for n in range(5):
        out.append(builder.skill_scored(ref, xe.SkillResult(
            skill_code=f"skill-{n}", skill_name=f"Vaardigheid {n}", demonstrated_level=2, required_level=3,
            scored_at=start + timedelta(minutes=5))))
    out.append(builder.attempt_terminated(ref, start + timedelta(minutes=5), timedelta(minutes=5)))
    return out


def micro_bench(rounds: int = 50) -> None:
    builder = StatementBuilder("https://digitoets.example")
    statements_of_one_submit(builder)
    began = time.process_time()
    for _ in range(rounds):
        built = statements_of_one_submit(builder)
    build = (time.process_time() - began) / rounds
    began = time.process_time()
    for _ in range(rounds):
        json.loads(json.dumps(built))
    copy = (time.process_time() - began) / rounds
    print(f"\n== statements of one submit ({len(built)} statements)")
    print(f"build + validate {build * 1000:.2f} ms = {build * 1000 / BUILD_TARGET_MS:.2f}x the 5 ms target; "
          f"baseline json round trip {copy * 1000:.2f} ms; ratio {build / copy:.1f}x")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the test LMS's request log
    logging.getLogger("service.access").setLevel(logging.WARNING)  # one line per request on the terminal: noise here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            run_backend("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", folder, args.flows)
        if args.backend in ("postgresql", "both"):
            if PG_BASE_URL is None:
                print("\nPostgreSQL not reachable: skipped")
            else:
                url = _new_postgres_database()
                try:
                    run_backend("PostgreSQL", url, folder, args.flows)
                finally:
                    _drop_postgres_database(url)
    micro_bench()


if __name__ == "__main__":
    main()
