"""Benchmark: server CPU and SQL statements of a whole employee flow, in-process (issue 13).

    .venv/bin/python -m tests.bench.bench_employee_flow [--flows 5] [--backend sqlite|postgresql|both]

An already-launched employee (the session cookie a launch leaves: person id and times) takes
the starter content's ``ecd-rapportage`` (13 questions) through the Flask test client, the whole
app stack included (sessions, CSRF, security headers, templates):

    intro, start, resume, 13 x (question page + autosave), review, submit, result, overview

That is 33 requests; with the two launch requests (login, launch) it is the issue's 35-request
flow. Per flow it measures the process CPU time (``time.process_time``) and per step the CPU
and the SQL statements (tests/support/sql_counter.py). The baseline, measured in the same run
on the same app: a trivial request through the same stack (``/taal/nl`` for a signed-in
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
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.config import Settings
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import PG_BASE_URL, STARTER_CONTENT, _drop_postgres_database, _new_postgres_database
from tests.support.sql_counter import count_sql
from tests.support.web import Browser
from xapi import events as xe
from xapi.statements import StatementBuilder
from xapi.vocabulary import SELF_RATING_SCALE

TEST = "ecd-rapportage"
FUNCTION = "verzorgende-ig"
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


def prepare(url: str, folder: Path):
    """A migrated database with the starter content and one employee; returns (app, database, person id)."""
    engine = make_engine(url)
    upgrade(url, engine=engine)
    database = Database(url, engine=engine)
    bundle = load_folder(STARTER_CONTENT)
    with database.begin() as session:
        load_content(session, bundle)
        org = m.Organisation(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench")
        session.add(org)
        session.flush()
        now = datetime.now(UTC)
        person = find_or_create_person(session, org, "https://lms.example", "bench-employee", now)
        assign_function(session, person, get_profile(session, FUNCTION), m.AssignmentSource.LTI, now)
        person_id = person.id
    settings = Settings(env="testing", instance_path=folder / "instance", database_url=url,
                        secret_key="bench-secret-key-that-is-long-enough-0123456789", content_path=STARTER_CONTENT)
    app = create_app(settings, database=database)
    items = next(t for t in bundle.tests if t.code == TEST).items
    return app, database, person_id, [(i.code, answer_for(i)) for i in items]


def one_flow(app, database, person_id, answers, steps: dict, counts: dict) -> float:
    """Run one whole flow; add per-step CPU to ``steps`` and statements to ``counts``; return its CPU."""
    browser = Browser(app.test_client()).sign_in(person_id)
    browser.get("/mijn-overzicht")  # a page the launch would have led to: the CSRF token (not measured)
    registration = None
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

    step("intro", lambda: browser.get(f"/toets/{TEST}"))
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


def trivial_request_cpu(app, person_id, rounds: int = 200) -> float:
    """CPU of one trivial request through the same stack (signed in: session check and cookie)."""
    browser = Browser(app.test_client()).sign_in(person_id)
    browser.client.get("/taal/nl")
    began = time.process_time()
    for _ in range(rounds):
        browser.client.get("/taal/nl")
    return (time.process_time() - began) / rounds


def run_backend(name: str, url: str, folder: Path, flows: int) -> None:
    app, database, person_id, answers = prepare(url, folder)
    one_flow(app, database, person_id, answers, defaultdict(list), {})  # warm up (imports, templates, caches)
    trivial = trivial_request_cpu(app, person_id)
    steps: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = {}
    totals = [one_flow(app, database, person_id, answers, steps, counts) for _ in range(flows)]
    requests_per_flow = sum(len(v) for v in steps.values()) // flows
    flow = statistics.median(totals)
    scaled = flow * 35 / requests_per_flow  # the 35 requests (the launch's two at this flow's mean)
    print(f"\n== {name}: {flows} flows of {requests_per_flow} requests")
    print(f"baseline: trivial request {trivial * 1000:.2f} ms CPU")
    print(f"flow CPU median {flow * 1000:.0f} ms (spread {min(totals) * 1000:.0f}-{max(totals) * 1000:.0f}); "
          f"= {flow / trivial:.0f} trivial requests; scaled to 35 requests {scaled * 1000:.0f} ms = "
          f"{scaled / FLOW_TARGET_S:.2f}x the 0.25 s target")
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
