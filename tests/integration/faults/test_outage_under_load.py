"""PostgreSQL fails under load: 20 employees take the test while the database drops them, then refuses.

The scaled-out topology (tests/support/topology.py: gunicorn with deploy/'s config, a
``xapi forward --loop`` worker, the real LRS behind a pass-through that counts statement ids,
the test LMS) reaches PostgreSQL through a TCP relay (tests/support/tcp_proxy.py). Twenty
employees, each a thread with a browser session of its own, go through the real LTI launch,
start, autosave every answer (some twice, changed), hand in and open their result. Meanwhile:

(a) every server connection of the database is ended with ``pg_terminate_backend`` (a real
    PostgreSQL fault, as when it restarts or an administrator kills sessions);
(b) the relay refuses every connection for 10 s, then accepts again.

An employee who gets the 503 page waits a second and reloads (as the page asks: "probeer het
over een minuut opnieuw"), for at most ``RETRY_FOR`` seconds per step. Then: every employee has
a result; every answer the server acknowledged is stored as last given; each attempt is scored
once and sent once (one 'completed' statement, one score in the LMS gradebook, every statement
id once at the LRS's door); every refused request got our Dutch 503 with ``Retry-After``; the
web workers and the forwarder are the processes that started (nobody restarted them).

In that run the forwarder meets the refusal between batches (statements come at launch and at
hand-in). Two smaller tests put the outage in the middle of a batch: the LRS took it, the
database went away before it was recorded; the forwarder records it when the database is back
(before, the batch waited out its 5-minute lease and went to the LRS a second time).

A forwarder killed with SIGKILL in the middle of a batch is proven in
tests/integration/xapi/test_forwarder_faults.py::test_a_forwarder_killed_mid_batch_loses_and_doubles_nothing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from service import models as m
from service.db import Database, make_engine, utcnow
from service.jobs import forward
from service.web.errors import DATABASE_RETRY_AFTER
from tests.integration.xapi.test_forwarder_faults import pool, produce, statuses, target
from tests.support.employee_pages import PageProblem, SourceAddress, csrf_token, question
from tests.support.lrs import start_lrs
from tests.support.platform import User
from tests.support.tcp_proxy import TcpProxy
from tests.support.topology import TEST_CODE, LrsRecorder, Topology, fresh_postgres_database
from xapi.vocabulary import VERB_COMPLETED

pytestmark = pytest.mark.postgres

EMPLOYEES = 20
QUESTIONS = 13  # ecd-rapportage in the starter content
CHANGED = (1, 5, 9, 13)  # questions whose answer the employee changes (a second autosave)
AUTOSAVES = EMPLOYEES * (QUESTIONS + len(CHANGED))
REFUSAL = 10.0  # seconds the relay refuses connections
RETRY_FOR = 90.0  # seconds an employee keeps reloading a step that got 503 (generous: success path)
SETTLE = 150.0  # seconds for everything to finish on a loaded machine (only a failure waits this long)
DUTCH = "Digitoets kan nu even niet bij zijn gegevens"

class StepFailed(Exception):
    """A step answered something other than what it should, or kept answering 503."""


@dataclass
class Seen:
    """A response other than the step's success."""

    at: float
    step: str
    status: int
    retry_after: str | None
    body: str


@dataclass
class Employee:
    """One person in a browser of their own: launch, start, answer (autosave), hand in, result."""

    topology: Topology
    number: int
    user: User = field(init=False)
    browser: requests.Session = field(init=False)
    acknowledged: dict[str, object] = field(default_factory=dict)  # item -> the value the server said it saved
    autosaves: int = 0  # acknowledged autosaves, changed answers included
    refused: list[Seen] = field(default_factory=list)
    registration: str | None = None
    result: str | None = None
    error: str | None = None
    finished_at: float | None = None

    def __post_init__(self) -> None:
        self.user = User(id=f"emp-{self.number:02d}-{uuid.uuid4().hex[:8]}", name=f"Medewerker {self.number}")
        self.browser = requests.Session()
        self.browser.mount("http://", SourceAddress(f"127.66.{self.number // 250}.{1 + self.number % 250}"))
        self.url = self.topology.instances[0].url

    # -- one request, reloaded after a 503 ----------------------------------------------------
    def call(self, step: str, method: str, path: str, expect: int, **kwargs) -> requests.Response:
        deadline = time.monotonic() + RETRY_FOR
        while True:
            answer = self.browser.request(method, path if path.startswith("http") else self.url + path,
                                          allow_redirects=False, timeout=60, **kwargs)
            if answer.status_code == expect:
                return answer
            self.refused.append(Seen(time.monotonic(), step, answer.status_code, answer.headers.get("Retry-After"),
                                     answer.text[:2000]))
            if answer.status_code != 503 or time.monotonic() > deadline:
                raise StepFailed(f"{step}: {answer.status_code} instead of {expect}: {answer.text[:300]!r}")
            time.sleep(1.0)  # the employee reloads the page a moment later

    def launch(self) -> requests.Response:
        """The LTI launch from the LMS, opened again from the LMS if the tool answered 503 on the way."""
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                login = self.call("launch: login", "POST", "/lti/login", 302,
                                  data=self.topology.login_initiation(self.user))
                form = self.topology.authorize(login.headers["Location"])  # the browser at its LMS
                launch = self.call("launch: id_token", "POST", "/lti/launch", 302, data=form)
                check = self.call("launch: check", "GET", launch.headers["Location"], 302)
                return self.call("intro", "GET", check.headers["Location"], 200)
            except StepFailed:
                # a launch that failed halfway may have used its state: the employee opens the test
                # from the LMS again (only after a 503; anything else is a failure)
                if not self.refused or self.refused[-1].status != 503 or time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

    def take_the_test(self) -> None:
        try:
            intro = self.launch()
            start = self.call("start", "POST", f"/toetsen/{TEST_CODE}/start", 302, data={"csrf_token": _csrf(intro)})
            self.registration = start.headers["Location"].rstrip("/").split("/")[-1]
            for number in range(1, QUESTIONS + 1):
                page = self.call("question", "GET", f"/poging/{self.registration}/vraag/{number}", 200)
                answers = _answers(page.text)
                for value in answers[:2] if number in CHANGED else answers[:1]:
                    item = question(page.text).item
                    saved = self.call("autosave", "POST", f"/poging/{self.registration}/antwoord", 200,
                                      json={"item": item, "value": value},
                                      headers={"X-CSRFToken": _csrf(page), "Accept": "application/json"})
                    assert saved.json()["item"] == item
                    self.acknowledged[item] = value
                    self.autosaves += 1
            review = self.call("review", "GET", f"/poging/{self.registration}/inleveren", 200)
            self.call("submit", "POST", f"/poging/{self.registration}/inleveren", 302,
                      data={"csrf_token": _csrf(review)})
            self.result = self.call("result", "GET", f"/poging/{self.registration}/resultaat", 200).text
        except Exception as exc:  # reported by the test: one employee's failure must not pass unseen
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished_at = time.monotonic()
            self.browser.close()


def _csrf(page: requests.Response) -> str:
    try:
        return csrf_token(page.text, page.url)
    except PageProblem as exc:
        raise StepFailed(str(exc)) from None


def _answers(page: str) -> list[object]:
    """Two different answers to the question on ``page``, the way the page's script sends them."""
    try:
        shown = question(page)
    except PageProblem as exc:
        raise StepFailed(str(exc)) from None
    if shown.kind == "multiple":
        return [shown.choices[:2], shown.choices[-1:]]
    if shown.kind == "self_rating":
        return [2, 3]
    if shown.kind == "ordering":
        return [shown.steps, shown.steps[::-1]]
    return [shown.choices[0], shown.choices[-1]]


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def outage(database_url):
    assert database_url.startswith("postgresql")  # the postgres marker deselects the SQLite variant
    with fresh_postgres_database() as url:
        relay = TcpProxy(make_url(url).port or 5432).accept()
        relayed = make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        try:
            with Topology(url, service_database_url=relayed, web=1, web_workers=2, workers=1,
                          worker_interval=0.5) as topology:
                yield topology, relay
        finally:
            relay.close()


def test_employees_lose_nothing_and_nothing_is_scored_twice_when_postgresql_drops_and_refuses_under_load(outage):
    topology, relay = outage
    web, forwarder = topology.instances[0], topology.worker_processes[0]
    gunicorn_workers = _children(web.popen.pid)
    assert len(gunicorn_workers) == 2, gunicorn_workers

    watcher = Employee(topology, EMPLOYEES + 1)  # opens a page during the refusal, whatever the others do
    assert watcher.launch().status_code == 200
    employees = [Employee(topology, n) for n in range(1, EMPLOYEES + 1)]
    threads = [threading.Thread(target=e.take_the_test, name=f"employee-{e.number}", daemon=True) for e in employees]
    for thread in threads:
        thread.start()

    def saved() -> int:
        return sum(e.autosaves for e in employees)

    def working() -> int:
        return sum(e.finished_at is None for e in employees)

    # (a) a quarter of the answers in: PostgreSQL ends every session of the database
    assert _wait(lambda: saved() >= AUTOSAVES // 4 or not working(), SETTLE), "the employees made no progress"
    busy_at_kill = working()
    with topology.database.begin() as session:
        killed = session.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    # (b) more than half in: the database refuses every connection for 10 s
    assert _wait(lambda: saved() >= AUTOSAVES * 11 // 20 or not working(), SETTLE), "no progress after the kill"
    busy_at_refusal = working()
    refused_from = time.monotonic()
    relay.refuse()
    time.sleep(1)
    page = watcher.browser.get(f"{watcher.url}/toets/{TEST_CODE}", timeout=60)
    script = watcher.browser.get(f"{watcher.url}/toets/{TEST_CODE}", headers={"Accept": "application/json"},
                                 timeout=60)
    watcher.browser.close()
    time.sleep(max(0.0, refused_from + REFUSAL - time.monotonic()))
    refused_until = time.monotonic()
    relay.accept()

    for thread in threads:
        thread.join(SETTLE)
    assert not any(thread.is_alive() for thread in threads), "employees still waiting"
    # the faults hit employees in the middle of their test, and the web service noticed them
    assert busy_at_kill > 0 and busy_at_refusal > 0, (busy_at_kill, busy_at_refusal)
    assert killed >= 2, killed  # the connections of the two web workers at least (they were serving)
    refused = [seen for e in employees for seen in e.refused]
    during = [seen for seen in refused if refused_from <= seen.at <= refused_until + 1]
    assert during, "the refusal missed the load"
    # a page during the refusal: our Dutch page with Retry-After and the security headers, not Werkzeug's 500
    assert (page.status_code, page.headers.get("Retry-After"), page.headers["Content-Type"].split(";")[0]) == (
        503, str(DATABASE_RETRY_AFTER), "text/html"), page.text[:500]
    assert DUTCH in page.text and "Internal Server Error" not in page.text
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert (script.status_code, script.headers.get("Retry-After"), script.json()["code"]) == (
        503, str(DATABASE_RETRY_AFTER), 503)

    # every employee finished and saw a result
    assert [(e.number, e.error) for e in employees if e.error] == [], topology.logs()
    assert all("Je resultaat" in e.result for e in employees)

    # every refused request got our Dutch 503 that asks to try again, never a 500 nor Werkzeug's text
    wrong = [(s.step, s.status, s.retry_after, s.body[:200]) for s in refused
             if s.status != 503 or s.retry_after != str(DATABASE_RETRY_AFTER) or DUTCH not in s.body
             or "Internal Server Error" in s.body]
    assert wrong == [], wrong

    # the web workers and the forwarder are the ones that started: they recovered by themselves
    assert web.alive() and forwarder.alive(), topology.logs()
    assert _children(web.popen.pid) == gunicorn_workers, topology.logs()

    # every acknowledged answer is stored as last given; one attempt per employee, scored once
    with topology.database.begin() as session:
        for employee in employees:
            attempts = session.scalars(select(m.Attempt).join(m.Person).where(
                m.Person.subject == employee.user.id)).all()
            assert [(str(a.registration), a.status) for a in attempts] == [
                (employee.registration, m.AttemptStatus.SCORED)], employee.number
            stored = {r.item.code: r.answer["value"] for r in attempts[0].responses}
            assert len(employee.acknowledged) == QUESTIONS
            assert stored == employee.acknowledged, employee.number
            assert attempts[0].score_scaled is not None

    # after the outage the forwarder delivers everything, each statement and score once
    if not _wait(lambda: topology.outbox_waiting() == 0, SETTLE):
        with topology.database.begin() as session:
            leased = session.scalar(text("SELECT count(*) FROM outbox_items WHERE status = 'pending' "
                                         "AND next_attempt_at > now() + interval '60 seconds'"))
        pytest.fail(f"{topology.outbox_waiting()} outbox rows still waiting, {leased} of them in a lease that "
                    f"outlived the outage (sent, then not recorded?)\n{topology.logs()}")
    with topology.database.begin() as session:
        rows = session.scalars(select(m.OutboxItem)).all()
    statements = [r for r in rows if r.kind is m.OutboxKind.XAPI]
    assert {r.status for r in rows} == {m.OutboxStatus.DELIVERED}, Counter(r.status for r in rows)
    completed = Counter(r.payload["context"]["registration"] for r in statements
                        if r.payload["verb"]["id"] == VERB_COMPLETED)
    assert completed == {e.registration: 1 for e in employees}
    scores = [r for r in rows if r.kind is m.OutboxKind.AGS_SCORE]
    assert sorted(r.dedupe_key for r in scores) == sorted(f"attempt:{e.registration}" for e in employees)
    sent = topology.recorder.sent
    assert {r.dedupe_key: sent[r.dedupe_key] for r in statements} == {r.dedupe_key: 1 for r in statements}
    graded = Counter(str(score["userId"]) for score in topology.lms.scores)
    assert graded == {e.user.id: 1 for e in employees}

    # the forwarder met the refusal, waited it out inside its loop and said so once per outage
    # (service.jobs.worker; the killed sessions may have failed a round of their own)
    forwarder_log = forwarder.log.read_text(errors="replace")
    assert 1 <= forwarder_log.count("Worker round failed") <= 2, forwarder.log_tail(80)
    assert "succeeded again" in forwarder_log, forwarder.log_tail(80)

    # one line per outage and worker, no traceback (85,000 lines for 200 requests before)
    web_log = web.log.read_text(errors="replace")
    assert "Traceback" not in web_log, web.log_tail(80)
    assert web_log.count("Database unavailable") <= 2 * 3, web.log_tail(80)  # 2 workers, once a minute


def test_a_batch_the_lrs_took_while_the_database_went_away_is_recorded_once_it_is_back(
        committed_database, relay, relayed_url):
    """Sent, then the database drops and refuses: the forwarder records the batch when it comes back.

    Before, the batch stayed leased: its statements waited out the 5-minute lease and went to the
    LRS a second time. Counted at the LRS's door (the LRS itself accepts an id it already has).
    """
    _, ids = produce(committed_database, 30, slug="zorg-storing")
    lrs = start_lrs()
    recorder = LrsRecorder(lrs)
    database = Database(relayed_url, engine=make_engine(relayed_url))
    try:
        with database.begin() as session:
            rows = forward.claim_batch(session, None, utcnow(), 10)
        result = forward.send(rows, pool()(target(recorder)))
        relay.refuse()  # every connection dropped, new ones refused
        settled: dict[str, object] = {}
        settling = threading.Thread(target=lambda: settled.update(
            report=forward.settle(database, rows, result)), daemon=True)
        settling.start()
        time.sleep(3)  # the database is away for a while
        relay.accept()
        settling.join(120)
        assert "report" in settled, "the sent batch was not recorded once the database was back"
        assert settled["report"].delivered == 10
        # the rest goes as usual, and nothing that was sent is sent again
        assert forward.forward(database, target(recorder), pool()).delivered == 20
        assert statuses(committed_database) == {"delivered": 30}
        assert dict(recorder.sent) == {statement_id: 1 for statement_id in ids}
    finally:
        database.dispose()
        recorder.stop()
        lrs.stop()


def test_batches_in_flight_when_the_database_went_away_are_recorded_once_it_is_back(
        committed_database, relay, relayed_url):
    """The same with three batches on their way at once (the forwarder's pipeline), the LRS slow to answer."""
    _, ids = produce(committed_database, 60, slug="zorg-storing")
    lrs = start_lrs()
    recorder = LrsRecorder(lrs)
    database = Database(relayed_url, engine=make_engine(relayed_url))
    try:
        lrs.pause()  # the POSTs hang until the database is gone
        done: dict[str, object] = {}
        forwarding = threading.Thread(target=lambda: done.update(report=forward.forward(
            database, target(recorder), pool(), batch_size=10, in_flight=3)), daemon=True)
        forwarding.start()
        assert _wait(lambda: recorder.writes >= 3, 60), "the forwarder never sent three batches"
        relay.refuse()
        lrs.resume()  # the LRS takes the three batches while the database is away
        time.sleep(3)
        relay.accept()
        forwarding.join(180)
        assert "report" in done, "the forwarder gave up on batches the LRS took"
        assert done["report"].delivered == 60
        assert statuses(committed_database) == {"delivered": 60}
        assert dict(recorder.sent) == {statement_id: 1 for statement_id in ids}
    finally:
        lrs.resume()
        database.dispose()
        recorder.stop()
        lrs.stop()
