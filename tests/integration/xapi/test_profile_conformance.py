"""What the service really emits follows our xAPI Profile: a template each, a primary pattern per
registration, in the order it goes out (checked with ``xapi.conformance``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from service import models as m
from service.jobs import forward
from service.operations import attempts, events, help_requests
from tests.support.lrs import PASSWORD, USERNAME
from xapi.client import LRSClient
from xapi.conformance import check
from xapi.vocabulary import profile_document

ANSWERS = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 1, "ecd-05": "a"}


def outbox_statements(session):
    """The statements in the order the forwarder sends them (outbox id order)."""
    return [row.payload for row in session.scalars(select(m.OutboxItem).order_by(m.OutboxItem.id))]


def test_an_attempt_and_its_help_request_follow_the_profile(database, make_person):
    person_id = make_person()
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", start)
        for minute, (code, value) in enumerate(ANSWERS.items(), start=1):
            attempts.save_answer(session, attempt, code, value, start + timedelta(minutes=minute))
        attempts.submit_attempt(session, attempt, start + timedelta(minutes=7))
        attempts.score_attempt(session, attempt, start + timedelta(minutes=7))
        help_requests.request_help(session, person, attempt, "wachtwoord-veilig", "toestemming",
                                   start + timedelta(minutes=8))
        statements = outbox_statements(session)
        base_url = events.builder(session).vocab.base_url
    verbs = {s["verb"]["id"].rsplit("/", 1)[-1] for s in statements}
    assert {"launched", "answered", "completed", "scored", "terminated", "requested-attention"} <= verbs
    assert len({s["context"]["registration"] for s in statements}) >= 2  # the attempt's, and the request's
    assert check(profile_document(base_url), statements) == []


def test_a_changed_earlier_answer_still_goes_out_in_timestamp_order(database, make_person, lrs):
    """Change question 1 after answering the rest, then hand in: the LRS stores the attempt's
    statements in timestamp order (the re-answered question last among the answers), each with
    its own timestamp, so they follow the attempt pattern even when split over batches."""
    person_id = make_person(subject="emp-changes-mind")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", start)
        for minute, (code, value) in enumerate(ANSWERS.items(), start=1):
            attempts.save_answer(session, attempt, code, value, start + timedelta(minutes=minute))
        attempts.save_answer(session, attempt, "ecd-01", "b", start + timedelta(minutes=6))  # changed
        attempts.submit_attempt(session, attempt, start + timedelta(minutes=7))
        attempts.score_attempt(session, attempt, start + timedelta(minutes=7))
        registration = str(attempt.registration)
        sent = [s for s in outbox_statements(session) if s["context"]["registration"] == registration]
        base_url = events.builder(session).vocab.base_url
    stamps = [s["timestamp"] for s in sent]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    answered = [s["object"]["id"].rsplit("/", 1)[-1] for s in sent if s["verb"]["id"].endswith("/answered")]
    assert answered == ["ecd-02", "ecd-03", "ecd-04", "ecd-05", "ecd-01"]
    assert check(profile_document(base_url), sent) == []
    target = forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD)
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD) as client:
        # small batches, one at a time (the test database is one rolled-back connection)
        report = forward.forward(database, target, lambda _: client, batch_size=3, in_flight=1)
        assert report.delivered >= len(sent) and report.rejected == 0
        stored = list(client.fetch_statements(params={"registration": registration, "ascending": "true"}))
    assert [s["id"] for s in stored] == [s["id"] for s in sent]
    assert [s["timestamp"] for s in stored] == sorted(s["timestamp"] for s in stored)
