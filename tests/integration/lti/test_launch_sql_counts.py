"""What a login and a launch cost the database (issue 13): statement and transaction COUNTS, not times.

Each login and each launch runs in one transaction: the registration read once, launch state
read in one query and written in one INSERT. The platform's key set is fetched at most once per
TTL by all workers together (it is kept in the database), and launch state is purged as it
expires: every login deletes a batch of expired rows.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.db import utcnow
from service.lti_stores import PURGE_BATCH
from service.operations.content import load_content
from tests.conftest import FIXTURE_CONTENT
from tests.integration.lti.conftest import LAUNCH_URL, register
from tests.support.platform import TestPlatform, new_private_key
from tests.support.sql_counter import count_sql

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
#: Limits per request (issue 13: at most 6 and one transaction each). The login: the
#: registration, the pending count (which also sees whether any launch state expired), a batch
#: of expired rows deleted (only then), the state written. The launch of a known employee, seen
#: within the hour: launch state 3 (read, nonce spent, write), the registration 1, and
#: record_launch 1 (the person with roles, functions, linked HR record, the organisation's
#: mapping of the function code, the content release, and the course, placement and test, in
#: one query). Longer ago, ``last_seen_at`` is written too: still within the 6.
LOGIN_STATEMENTS = 4
LAUNCH_STATEMENTS = 6
#: the very first launch: the person, course and placement are new (their INSERTs), and the
#: platform's key set is fetched (read, lock, read again, stored with the launch state)
FIRST_LAUNCH_STATEMENTS = 20


def flow(app, lms, *, user_lineitem: str, count_in):
    """A login and its launch from a browser without cookies (an LMS frame); returns both counts."""
    client = app.test_client()
    params = lms.login_initiation(LAUNCH_URL, custom=ECD, lineitem=user_lineitem)
    with count_sql(count_in) as login:
        answer = client.post("/lti/login", data=params)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    form = lms.authorize(answer.location)
    with count_sql(count_in) as launch:
        answer = client.post("/lti/launch", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return login, launch


@pytest.fixture
def lineitem(lms):
    return lms.add_lineitem("course-1", label="Digitoets ECD", score_maximum=100, resource_link_id="link-1")["id"]


def test_a_login_and_a_launch_each_run_one_transaction_within_the_statement_limits(
        app, lms, registered, database, lineitem):
    first_login, first_launch = flow(app, lms, user_lineitem=lineitem, count_in=database)
    login, launch = flow(app, lms, user_lineitem=lineitem, count_in=database)  # the same employee again

    for counted, limit in ((first_login, LOGIN_STATEMENTS), (login, LOGIN_STATEMENTS),
                           (first_launch, FIRST_LAUNCH_STATEMENTS), (launch, LAUNCH_STATEMENTS)):
        assert counted.statements <= limit, counted.report()
    # The first login also fills the process's frame-ancestors cache (service/web/security.py:
    # the LMS origins of the registration), in a transaction of its own; later requests find it.
    assert first_login.transactions <= 2 and first_launch.transactions == 1, first_login.report()
    for counted in (login, launch):
        assert counted.transactions == 1, counted.report()
        assert counted.touching("lti_registrations") == 1, counted.report()  # read once per request
    assert login.touching("lti_launch_states") <= 3, login.report()  # count pending, purge, write
    assert launch.touching("lti_launch_states") <= 3, launch.report()  # read, spend the nonce, write


def test_a_launch_of_an_employee_last_seen_hours_ago_stays_within_the_limit(
        app, lms, registered, database, lineitem):
    """The launch that writes ``last_seen_at`` (the first of the day) is the dearest repeat launch."""
    flow(app, lms, user_lineitem=lineitem, count_in=database)
    with database.begin() as session:
        session.execute(update(m.Person).values(last_seen_at=utcnow() - timedelta(hours=5)))
    _, launch = flow(app, lms, user_lineitem=lineitem, count_in=database)
    assert launch.statements <= LAUNCH_STATEMENTS and launch.transactions == 1, launch.report()
    assert launch.touching("people") == 2, launch.report()  # the one read, and last_seen_at written
    with database.begin() as session:
        seen = session.scalar(select(m.Person.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=5)


def test_the_cookie_check_after_a_launch_is_one_transaction_and_spends_its_link(
        app, lms, registered, database, lineitem):
    """``/lti/check`` reads the launch's one-time link and spends it in one transaction; it
    shows nothing of the person, so it reads no roles (the page it leads to does)."""
    client = app.test_client()
    for _ in range(2):  # the first check also fills the process's frame-ancestors cache of this
        # person (service/web/security.py), once per person and process; count the second
        answer = client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, custom=ECD, lineitem=lineitem))
        launched = client.post("/lti/launch", data=lms.authorize(answer.location))
        with count_sql(database) as check:
            onwards = client.get(launched.location)
    assert onwards.status_code == 302 and onwards.location.endswith("/toets/ecd-rapportage")
    assert check.transactions == 1 and check.statements == 2, check.report()
    assert check.touching("person_roles") == 0, check.report()
    assert client.get(launched.location).status_code == 404  # the link worked once
    assert client.get(onwards.location).status_code == 200  # the page itself reads the roles


def test_a_signed_in_browser_launching_again_reads_no_roles_of_the_session_it_replaces(
        app, lms, registered, database, lineitem):
    """The login and launch skip the per-request roles read (service/web/sessions.py): the
    launch replaces the session. One transaction each, within the same limits."""
    client = app.test_client()
    # then the browser carries the previous launch's session; the first such request also fills
    # the process's frame-ancestors cache for the signed-in person (service/web/security.py)
    for _ in range(3):
        params = lms.login_initiation(LAUNCH_URL, custom=ECD, lineitem=lineitem)
        with count_sql(database) as login:
            answer = client.post("/lti/login", data=params)
        assert answer.status_code == 302
        form = lms.authorize(answer.location)
        with count_sql(database) as launch:
            assert client.post("/lti/launch", data=form).status_code == 302
    assert login.transactions == 1 and login.statements <= LOGIN_STATEMENTS, login.report()
    assert launch.transactions == 1 and launch.statements <= LAUNCH_STATEMENTS, launch.report()
    assert login.touching("person_roles") == 0, login.report()


def test_a_replay_is_still_refused_and_writes_nothing(app, lms, registered, database, lineitem):
    client = app.test_client()
    params = lms.login_initiation(LAUNCH_URL, custom=ECD, lineitem=lineitem)
    form = lms.authorize(client.post("/lti/login", data=params).location)
    assert client.post("/lti/launch", data=form).status_code == 302
    with count_sql(database) as replay:
        again = client.post("/lti/launch", data=form)
    assert again.status_code == 400 and "nonce_reused" in again.get_data(as_text=True)
    assert not [s for s in replay.sql if s.lstrip().upper().startswith(("UPDATE", "DELETE"))], replay.report()
    assert not [s for s in replay.sql if "INSERT INTO people" in s or "INSERT INTO lti_launch_states" in s
                and "WHERE" not in s], replay.report()


def _count_key_set_requests(lms: TestPlatform, delay: float = 0.0) -> list[float]:
    """Count the GETs that reach the LMS's key set endpoint (the view calls ``platform_jwks``)."""
    hits: list[float] = []
    original = lms.platform_jwks

    def counted():
        hits.append(time.monotonic())
        time.sleep(delay)  # a slow LMS: a second worker arrives while the first still waits
        return original()

    lms.platform_jwks = counted
    return hits


def test_two_workers_on_one_database_fetch_the_key_set_once(settings, database, content, lms):
    register(database, lms)
    hits = _count_key_set_requests(lms)
    workers = [create_app(settings, database=database) for _ in range(2)]
    for app in workers + workers:
        flow(app, lms, user_lineitem="", count_in=database)
    assert len(hits) == 1
    # the worker that did not fetch read it from the database: its key set cache is its own
    assert workers[0].extensions["digitoets.lti"].key_sets is not workers[1].extensions["digitoets.lti"].key_sets


def test_concurrent_workers_on_a_cache_miss_fetch_the_key_set_once(settings, committed_database):
    """Real commits on separate connections: two workers launch at once while the LMS is slow."""
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
    workers = [create_app(settings, database=committed_database) for _ in range(2)]
    with TestPlatform(tool_key_set=workers[0].extensions["digitoets.lti"].keys.jwks, tool_launch_url=LAUNCH_URL) as lms:
        register(committed_database, lms)
        hits = _count_key_set_requests(lms, delay=0.5)
        forms = []
        for app in workers:  # both logins first; then both launches at once
            client = app.test_client()
            answer = client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, custom=ECD))
            forms.append((client, lms.authorize(answer.location)))
        answers: list[int] = []
        barrier = threading.Barrier(2)

        def launch(client, form):
            barrier.wait()
            answers.append(client.post("/lti/launch", data=form).status_code)

        threads = [threading.Thread(target=launch, args=pair) for pair in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert answers == [302, 302]
    assert len(hits) == 1


def test_a_rotated_platform_key_reaches_every_worker(settings, database, content, lms):
    register(database, lms)
    hits = _count_key_set_requests(lms)
    first, second = (create_app(settings, database=database) for _ in range(2))
    flow(first, lms, user_lineitem="", count_in=database)  # fetched, in the database and first's memory
    lms.private_key = new_private_key()  # the LMS rotates its key
    flow(second, lms, user_lineitem="", count_in=database)  # unknown kid: refetched once, stored
    assert len(hits) == 2
    # first still remembers the old key set: it reads the new one from the database, fetches nothing
    flow(first, lms, user_lineitem="", count_in=database)
    assert len(hits) == 2


def _expired_rows(database, how_many: int, prefix: str = "lti1p3-old-") -> None:
    past = utcnow() - timedelta(minutes=5)
    with database.begin() as session:
        session.execute(insert(m.LtiLaunchState), [
            {"key": f"{prefix}{n}", "value": "x", "expires_at": past} for n in range(how_many)])
        session.add(m.LtiLaunchState(key="lti1p3-still-valid", value="x", expires_at=utcnow() + timedelta(hours=1)))


def _expired_left(database) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(m.LtiLaunchState)
                              .where(m.LtiLaunchState.expires_at <= utcnow()))


def test_each_login_purges_a_batch_of_expired_launch_state(app, lms, registered, database):
    _expired_rows(database, 2 * PURGE_BATCH + 5)
    client = app.test_client()
    for left in (PURGE_BATCH + 5, 5, 0):  # bounded: one batch per login, until none are left
        assert client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code == 302
        assert _expired_left(database) == left
    with database.begin() as session:
        assert session.get(m.LtiLaunchState, "lti1p3-still-valid") is not None
    # nothing expired: the login runs no DELETE (its pending count saw none)
    with count_sql(database) as login:
        assert client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code == 302
    assert not [s for s in login.sql if s.lstrip().upper().startswith("DELETE")], login.report()


def test_the_pending_count_reads_only_rows_a_login_could_have_written(app, lms, registered, database, tool):
    """Launch data live 6 hours, pending logins 10 minutes: the count reads only rows expiring
    within a login's time-to-live (the expires_at index), so the launches of the last hours do
    not make every login slower. Rows named like pending logins but living 5 hours (which no
    login writes) show it: a full-table count would reach the limit and refuse the login."""
    limit = tool.pending_limits.per_registration
    with database.begin() as session:
        registration = session.scalar(select(m.LtiRegistration.id).where(m.LtiRegistration.organisation_id == registered))
        session.execute(insert(m.LtiLaunchState), [
            {"key": f"lti1p3-pending-{registration}-long-{n}", "value": "1",
             "expires_at": utcnow() + timedelta(hours=5)} for n in range(limit)])
    client = app.test_client()
    assert client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code == 302
    with database.begin() as session:  # the same number living 10 minutes does count: refused
        session.execute(insert(m.LtiLaunchState), [
            {"key": f"lti1p3-pending-{registration}-short-{n}", "value": "1",
             "expires_at": utcnow() + timedelta(minutes=9)} for n in range(limit)])
    assert client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code != 302
