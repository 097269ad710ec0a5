"""Benchmark: do the employee and admin pages slow down as the data grows?

    .venv/bin/python -m tests.bench.bench_growth [--sizes 1000,10000,100000] [--people 20000] [--runs 5]

One organisation with ``--people`` people (20,000) on SQLite and on PostgreSQL (when it answers).
One employee takes the fixture test through the real pages (start, answers, submit); that
finished attempt, its answers, skill observations and outbox rows are then copied in bulk (Core
executemany, explicit ids) to other people until the database holds 1k, 10k and 100k finished
attempts (the copies' outbox rows delivered and compacted, as they would be after 30 days).
At each size it prints each page's server time (the Flask test client: routing, SQL and
templates, no network; median of ``--runs`` after one warm-up) and at the end the growth ratio
largest/smallest per page. Target: no page grows more than 2x from 1k to 100k attempts.

Pages: the employee's result page and overview (their own single attempt), /beheer/rollen (first
page and a search), /beheer/xapi, /beheer/berichten, the coach's and HR's start pages, and a
teacher's course overview (one placement, whose only attempt is the measured employee's).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.config import Settings
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile, grant_role
from service.web.teacher import TEACHER_COURSE_KEY
from tests.conftest import FIXTURE_CONTENT, PG_BASE_URL, _drop_postgres_database, _new_postgres_database
from tests.integration.web.test_attempt_flow import answer_all, start
from tests.support.web import Browser

ISSUER = "https://lms.bench"
CHUNK = 5000
ATTEMPTS_PER_CHUNK = 2000


class Bench:
    """A seeded database, the app on it, and the people whose pages are measured."""

    def __init__(self, url: str, people: int):
        self.url = url
        upgrade(url)
        self.database = Database(url, engine=make_engine(url))
        self.postgres = url.startswith("postgresql")
        now = datetime.now(UTC)
        with self.database.begin() as session:
            load_content(session, load_folder(FIXTURE_CONTENT))
            org = m.Organisation(slug="bench", name="Bench Zorg", store_personal_data=True)
            session.add(org)
            session.flush()
            self.org_id = org.id
            roles = {"employee": m.ToolRole.EMPLOYEE, "admin": m.ToolRole.ORG_ADMIN, "hr": m.ToolRole.HR,
                     "coach": m.ToolRole.COACH}
            self.ids = {}
            for subject, role in roles.items():
                person = find_or_create_person(session, org, ISSUER, f"bench-{subject}", now, name=f"Bench {subject}")
                grant_role(session, person, role, source=m.RoleSource.TOOL)
                assign_function(session, person, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI, now)
                self.ids[subject] = person.id
            profile_id = get_profile(session, "verzorgende-ig").id
        self.people = self._add_people(people, profile_id, now)
        folder = Path(tempfile.mkdtemp(prefix="digitoets-growth-"))
        self.app = create_app(Settings(env="testing", instance_path=folder, database_url=url,
                                       secret_key="bench-secret-key-that-is-long-enough-0123456789",
                                       content_path=FIXTURE_CONTENT, log_level="WARNING"), database=self.database)
        browser = self.browser("employee")
        self.registration = start(browser)
        answer_all(browser, self.registration)
        assert browser.post(f"/poging/{self.registration}/inleveren").status_code == 302
        self.course_id = self._course()
        self.template = self._template()
        self.attempts = 1

    def browser(self, who: str) -> Browser:
        browser = Browser(self.app.test_client())
        browser.sign_in(self.ids[who])
        if who == "teacher":  # as a launch from the course would leave it
            with browser.client.session_transaction() as cookie:
                cookie[TEACHER_COURSE_KEY] = self.course_id
        return browser

    def _course(self) -> int:
        """A course with the test placed in it; the measured employee's attempt belongs to that placement."""
        with self.database.begin() as session:
            registration = m.LtiRegistration(organisation_id=self.org_id, issuer=ISSUER, client_id="bench",
                                             auth_login_url=f"{ISSUER}/login", auth_token_url=f"{ISSUER}/token")
            course = m.LtiContext(registration=registration, deployment_id="1", context_id="course-1",
                                  title="Bench cursus")
            attempt = session.scalar(select(m.Attempt).where(m.Attempt.registration == uuid.UUID(self.registration)))
            version = session.get(m.TestVersion, attempt.test_version_id)
            link = m.LtiResourceLink(context=course, resource_link_id="link-1", digi_test_id=version.digi_test_id)
            session.add_all([registration, course, link])
            session.flush()
            attempt.resource_link_id = link.id
            teacher = find_or_create_person(session, session.get(m.Organisation, self.org_id), ISSUER, "bench-teacher",
                                            datetime.now(UTC), name="Bench teacher")
            grant_role(session, teacher, m.ToolRole.COURSE_ADMIN)
            self.ids["teacher"] = teacher.id
            return course.id

    def _insert(self, session, table, rows: list[dict]) -> None:
        for start_at in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[start_at:start_at + CHUNK])

    def _add_people(self, count: int, profile_id: int, now: datetime) -> list[int]:
        with self.database.begin() as session:
            first = (session.scalar(select(func.max(m.Person.id))) or 0) + 1
            self._insert(session, m.Person.__table__, [
                {"id": first + n, "organisation_id": self.org_id, "issuer": ISSUER, "subject": f"p{n:05d}",
                 "pseudonym": uuid.uuid4(), "name": f"Persoon {n:05d}", "email": f"persoon{n:05d}@bench.example",
                 "personnel_number": f"PN{n:05d}", "created_at": now, "last_seen_at": now}
                for n in range(count)])
            self._insert(session, m.PersonRole.__table__, [
                {"person_id": first + n, "role": m.ToolRole.EMPLOYEE, "source": m.RoleSource.LMS,
                 "granted_by": "lti", "granted_at": now} for n in range(count)])
            self._insert(session, m.FunctionAssignment.__table__, [
                {"person_id": first + n, "function_profile_id": profile_id, "source": m.AssignmentSource.LTI,
                 "valid_from": now - timedelta(days=400), "is_default": False} for n in range(count)])
            self._fix_sequences(session, ("people",))
        return list(range(first, first + count))

    def _template(self) -> dict[str, list[dict]]:
        """The measured employee's finished attempt and the rows that hang from it, as plain dicts."""
        tables = {"attempts": m.Attempt.__table__, "responses": m.Response.__table__,
                  "skill_observations": m.SkillObservation.__table__, "outbox_items": m.OutboxItem.__table__}
        with self.database.begin() as session:
            attempt = session.execute(select(tables["attempts"]).where(
                tables["attempts"].c.registration == uuid.UUID(self.registration))).mappings().one()
            rows = {"attempts": [dict(attempt)]}
            for name in ("responses", "skill_observations"):
                rows[name] = [dict(r) for r in session.execute(
                    select(tables[name]).where(tables[name].c.attempt_id == attempt["id"])).mappings()]
            rows["outbox_items"] = [dict(r) for r in session.execute(select(tables["outbox_items"])).mappings()]
        assert rows["responses"] and rows["skill_observations"] and rows["outbox_items"], rows
        return rows

    def _fix_sequences(self, session, tables) -> None:
        if self.postgres:
            for table in tables:
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))

    def grow_to(self, total: int) -> None:
        """Copy the template attempt until ``total`` finished attempts exist (each copy for one of the people)."""
        count = total - self.attempts
        if count <= 0:
            return
        template, now = self.template, datetime.now(UTC)
        with self.database.begin() as session:
            if self.postgres:  # bulk load: no FK checks and no outbox counter triggers; the counter is rebuilt below
                session.execute(text("SET LOCAL session_replication_role = replica"))
            ids = {name: (session.scalar(select(func.max(table.c.id))) or 0) + 1 for name, table in (
                ("attempts", m.Attempt.__table__), ("responses", m.Response.__table__),
                ("skill_observations", m.SkillObservation.__table__), ("outbox_items", m.OutboxItem.__table__))}
            made = {"responses": 0, "skill_observations": 0, "outbox_items": 0}
            for first in range(0, count, ATTEMPTS_PER_CHUNK):  # in chunks: 100k copies would not fit in memory
                attempts, responses, observations, outbox = [], [], [], []
                for n in range(first, min(count, first + ATTEMPTS_PER_CHUNK)):
                    attempt_id = ids["attempts"] + n
                    person_id = self.people[(self.attempts + n) % len(self.people)]
                    moment = now - timedelta(days=(self.attempts + n) % 700, minutes=n % 1440)
                    attempts.append({**template["attempts"][0], "id": attempt_id, "person_id": person_id,
                                     "registration": uuid.uuid4(), "resource_link_id": None, "started_at": moment,
                                     "submitted_at": moment, "scored_at": moment})
                    for row in template["responses"]:
                        responses.append({**row, "id": ids["responses"] + made["responses"], "attempt_id": attempt_id})
                        made["responses"] += 1
                    for row in template["skill_observations"]:
                        observations.append({**row, "id": ids["skill_observations"] + made["skill_observations"],
                                             "attempt_id": attempt_id, "person_id": person_id, "observed_at": moment})
                        made["skill_observations"] += 1
                    for row in template["outbox_items"]:
                        outbox.append({**row, "id": ids["outbox_items"] + made["outbox_items"],
                                       "dedupe_key": f"{attempt_id}:{row['dedupe_key']}"[:255],
                                       "payload": None, "status": m.OutboxStatus.DELIVERED, "delivered_at": moment,
                                       "compacted_at": now, "created_at": moment})
                        made["outbox_items"] += 1
                self._insert(session, m.Attempt.__table__, attempts)
                self._insert(session, m.Response.__table__, responses)
                self._insert(session, m.SkillObservation.__table__, observations)
                self._insert(session, m.OutboxItem.__table__, outbox)
            self._fix_sequences(session, ("attempts", "responses", "skill_observations", "outbox_items"))
            session.execute(text("DELETE FROM outbox_totals"))
            session.execute(text("INSERT INTO outbox_totals (organisation_id, kind, delivered) SELECT organisation_id, "
                                 "kind, count(*) FROM outbox_items WHERE status = 'delivered' GROUP BY organisation_id, kind"))
        with self.database.engine.connect() as conn:
            if self.postgres:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
                conn.commit()
        self.attempts = total

    def pages(self) -> dict[str, tuple[str, str]]:
        """page name -> (who, path)."""
        return {
            "employee result page": ("employee", f"/poging/{self.registration}/resultaat"),
            "employee overview": ("employee", "/mijn-overzicht"),
            "/beheer/rollen": ("admin", "/beheer/rollen"),
            "/beheer/rollen search": ("admin", "/beheer/rollen?zoek=Persoon 1999"),
            "/beheer/xapi": ("admin", "/beheer/xapi"),
            "/beheer/berichten": ("admin", "/beheer/berichten"),
            "coach start page": ("coach", "/coach"),
            "HR start page": ("hr", "/hr"),
            "teacher course overview": ("teacher", f"/docent/cursus/{self.course_id}"),
        }

    def measure(self, runs: int) -> dict[str, float]:
        times = {}
        for name, (who, path) in self.pages().items():
            browser = self.browser(who)
            response = browser.get(path)  # warm-up: per-process caches, the content domain
            assert response.status_code == 200, (path, response.status_code)
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                response = browser.get(path)
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            times[name] = statistics.median(samples)
        return times

    def counts(self) -> str:
        with self.database.begin() as session:
            attempts = session.scalar(select(func.count()).select_from(m.Attempt))
            people = session.scalar(select(func.count()).select_from(m.Person))
            outbox = session.scalar(select(func.count()).select_from(m.OutboxItem))
        return f"{attempts} attempts, {people} people, {outbox} outbox rows"


def run(url: str, label: str, sizes: list[int], people: int, runs: int) -> None:
    began = time.perf_counter()
    bench = Bench(url, people)
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        bench.grow_to(size)
        results[size] = bench.measure(runs)
        print(f"  {label}: {bench.counts()} (seeded in {time.perf_counter() - began:.0f} s so far)", flush=True)
    bench.database.dispose()
    small, large = sizes[0], sizes[-1]
    print(f"\n{label}: server time per page in ms (median of {runs}), and the growth {large}/{small}")
    print(f"  {'page':28s}" + "".join(f"{size:>10d}" for size in sizes) + "    growth")
    worst = 0.0
    for page in results[small]:
        ratio = results[large][page] / results[small][page]
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= 2 else "GROWS"
        print(f"  {page:28s}" + "".join(f"{results[s][page]:10.1f}" for s in sizes) + f"    {ratio:5.2f}x {verdict}")
    print(f"  largest growth {worst:.2f}x: {'meets' if worst <= 2 else 'MISSES'} the target (at most 2x)\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.only != "postgresql":
        run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='digitoets-growth-')) / 'bench.sqlite3'}", "SQLite", sizes,
            args.people, args.runs)
    if args.only != "sqlite" and PG_BASE_URL:
        url = _new_postgres_database()
        try:
            run(url, "PostgreSQL", sizes, args.people, args.runs)
        finally:
            _drop_postgres_database(url)


if __name__ == "__main__":
    main()
