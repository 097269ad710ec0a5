"""Scale-out on one machine: 2 gunicorn instances and 2 workers on one PostgreSQL (tests/support/topology.py).

Nothing in the app may assume one process. These tests prove, with real processes over real
HTTP: any instance finishes a launch another began and the employee goes on anywhere (launch
state and sessions are shared); a scheduled job fired by two schedulers at once runs once;
two forwarders on one outbox never send a row twice.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from service import models as m
from service.operations import events
from tests.support.platform import User
from tests.support.topology import TEST_CODE, Topology, fresh_postgres_database
from xapi import events as xe
from xapi.statements import StatementBuilder

pytestmark = pytest.mark.postgres
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
ITEM = re.compile(r'data-item="([^"]+)"')
SETTLE = 120  # seconds: generous on a 2-core machine shared with other test sessions


@pytest.fixture(scope="module")
def topology(database_url):
    assert database_url.startswith("postgresql")  # the postgres marker deselects the SQLite variant
    with fresh_postgres_database() as url, Topology(url, web=2, workers=2, worker_interval=0.2,
                                                   worker_batch_size=10) as running:
        yield running
    for process in [*running.instances, *running.worker_processes]:  # stopped, gunicorn's workers included
        with pytest.raises(ProcessLookupError):
            os.killpg(process.popen.pid, 0)


@pytest.fixture
def browser():
    with requests.Session() as session:
        yield session


def _csrf(page: requests.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_launch_begun_on_one_instance_finishes_on_the_other_and_the_employee_goes_on_anywhere(topology, browser):
    a, b = topology.instances

    launched = topology.launch(browser, User(id=f"emp-{uuid.uuid4().hex[:8]}", name="Ans de Vries"),
                               login_at=0, launch_at=1)  # the OIDC login on A, the id_token posted to B
    assert launched.status_code == 302 and launched.headers["Location"].startswith("/lti/check"), launched.text[:500]
    check = browser.get(a.url + launched.headers["Location"], allow_redirects=False, timeout=30)  # B parked it, A reads it
    assert (check.status_code, check.headers.get("Location")) == (302, f"/toets/{TEST_CODE}"), check.text[:500]
    intro = browser.get(a.url + check.headers["Location"], timeout=30)  # the session B signed works on A
    assert intro.status_code == 200, intro.text[:500]
    start = browser.post(b.url + f"/toetsen/{TEST_CODE}/start", data={"csrf_token": _csrf(intro)},
                         allow_redirects=False, timeout=30)  # A's CSRF token is good on B
    assert start.status_code == 302 and start.headers["Location"].startswith("/poging/"), start.text[:500]
    registration = start.headers["Location"].split("/")[2]
    question = browser.get(a.url + start.headers["Location"], timeout=30)  # resume (on A) -> question 1
    assert question.status_code == 200 and "Vraag 1 van 13" in question.text, question.text[:500]
    saved = browser.post(b.url + f"/poging/{registration}/antwoord",
                         json={"item": ITEM.search(question.text).group(1), "value": "a"},
                         headers={"X-CSRFToken": _csrf(question), "Accept": "application/json"}, timeout=30)
    assert saved.status_code == 200, saved.text[:500]
    with topology.database.begin() as session:
        attempt = session.scalars(select(m.Attempt).where(m.Attempt.registration == registration)).one()
        assert len(attempt.responses) == 1


def test_a_launch_is_used_once_whichever_instance_gets_it_again(topology, browser):
    """The launch state is one row for all instances: the same id_token replayed on the other one is refused."""
    a, b = topology.instances
    login = browser.post(b.url + "/lti/login", data=topology.login_initiation(User(id=f"emp-{uuid.uuid4().hex[:8]}")),
                         allow_redirects=False, timeout=30)
    form = topology.authorize(login.headers["Location"])
    first = browser.post(a.url + "/lti/launch", data=form, allow_redirects=False, timeout=30)
    replay = browser.post(b.url + "/lti/launch", data=form, allow_redirects=False, timeout=30)
    assert first.status_code == 302, first.text[:500]
    assert replay.status_code in (400, 401, 403), replay.status_code
    assert "/lti/check" not in replay.headers.get("Location", "")


def test_a_scheduled_job_fired_by_two_schedulers_at_once_runs_once(topology):
    past = datetime.now(UTC) - timedelta(hours=1)
    with topology.database.begin() as session:
        session.add_all([m.LtiLaunchState(key=f"old-{n}", value="{}", expires_at=past) for n in range(3)])

    schedulers = [topology.start_cli(f"scheduler-{n}", "lti", "purge", "--scheduled") for n in (1, 2)]
    for scheduler in schedulers:
        scheduler.popen.wait(SETTLE)
    outputs = sorted(scheduler.log.read_text() for scheduler in schedulers)

    assert [s.popen.returncode for s in schedulers] == [0, 0], outputs
    ran = [o for o in outputs if re.search(r"removed \d+ expired launch state", o)]
    skipped = [o for o in outputs if "skipped lti-purge" in o]
    assert (len(ran), len(skipped)) == (1, 1), outputs
    with topology.database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.LtiLaunchState).where(
            m.LtiLaunchState.key.like("old-%"))) == 0


def test_two_forwarders_on_one_outbox_send_every_statement_exactly_once(topology):
    """Counted at the LRS's door (the LRS itself would quietly accept an id it already has)."""
    builder = StatementBuilder(topology.base_url)
    learner = xe.Actor(home_page=topology.lms.issuer, name="emp-forward")
    test = xe.TestRef(code=TEST_CODE, version="1", title="Rapporteren in het ECD", application="ECD")
    start = datetime.now(UTC) - timedelta(days=1)
    statements = [builder.attempt_launched(xe.AttemptRef(uuid.uuid4(), "scale", test, learner,
                                                         start + timedelta(seconds=n))) for n in range(400)]
    with topology.database.begin() as session:
        events.enqueue(session, topology.organisation_id, statements)

    deadline = time.monotonic() + SETTLE
    while topology.outbox_waiting(m.OutboxKind.XAPI) and time.monotonic() < deadline:
        time.sleep(0.5)
    for worker in topology.worker_processes:  # SIGTERM: each prints what it delivered
        worker.stop()
    delivered = [int(re.search(r"delivered (\d+),", w.log.read_text()).group(1)) for w in topology.worker_processes]

    assert topology.outbox_waiting(m.OutboxKind.XAPI) == 0, topology.logs()
    sent = topology.recorder.sent
    assert {s["id"] for s in statements} <= set(sent)
    assert [statement_id for statement_id, times in sent.items() if times != 1] == []
    assert sum(delivered) == sum(sent.values()), delivered  # what each worker counted, the LRS got once
