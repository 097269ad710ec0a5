"""The same event enqueued twice gives one outbox row and one statement in the real LRS."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from service import models as m
from service.jobs import forward
from service.operations import attempts, events, help_requests
from tests.support.lrs import PASSWORD, USERNAME
from xapi.client import LRSClient


def _rows(session, statement_id):
    return session.scalar(select(func.count()).select_from(m.OutboxItem).where(m.OutboxItem.dedupe_key == statement_id))


def test_the_same_event_twice_is_one_row_and_one_stored_statement(database, make_person, lrs):
    person_id = make_person(subject="emp-twice")
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)
        request, _ = help_requests.request_help(session, person, attempt, "wachtwoord-veilig", "toestemming", now)
        statement = events.builder(session).help_requested(events.help_request_ref(request), request.created_at)
        events.help_requested(session, request)  # the same event again, in the same transaction
        assert events.enqueue(session, person.organisation_id, [statement, statement]) == 0
        attempt_id, request_id = attempt.id, request.id
    with database.begin() as session:  # and once more in a later transaction, with the attempt too
        events.help_requested(session, session.get(m.HelpRequest, request_id))
        events.attempt_started(session, session.get(m.Attempt, attempt_id))
        assert _rows(session, statement["id"]) == 1
        registration = str(session.get(m.Attempt, attempt_id).registration)
        launched = events.builder(session).attempt_launched(events.attempt_ref(session.get(m.Attempt, attempt_id)))
        assert _rows(session, launched["id"]) == 1
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=(5, 60)) as client:
        report = forward.forward(database, forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD), lambda _: client,
                                 in_flight=1)
        assert report.rejected == 0 and report.conflicts == 0
        about_request = [s for s in client.fetch_statements(params={"registration": statement["context"]["registration"]})]
        launches = [s for s in client.fetch_statements(params={"registration": registration,
                                                               "verb": "http://adlnet.gov/expapi/verbs/launched"})]
    assert [s["id"] for s in about_request] == [statement["id"]]
    assert [s["id"] for s in launches] == [launched["id"]]


def test_one_list_holding_the_same_statement_twice_adds_one_row(database, make_person):
    person_id = make_person(subject="emp-list")
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        again = events.builder(session).attempt_terminated(events.attempt_ref(attempt), now)
        assert events.enqueue(session, person.organisation_id, [again, again]) == 1
        assert _rows(session, again["id"]) == 1
