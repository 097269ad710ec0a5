"""Every statement the service itself emits is valid for Learning Locker and reaches the LRS."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.jobs import forward
from service.operations import attempts, help_requests
from tests.support.lrs import PASSWORD, USERNAME, learninglocker_problems
from xapi.client import LRSClient

PERFECT = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "b"}


def test_a_whole_attempt_and_a_help_request_reach_the_lrs(database, make_person, lrs):
    person_id = make_person()
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        for code, value in PERFECT.items():
            attempts.save_answer(session, attempt, code, value, now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)
        help_requests.request_help(session, person, attempt, "wachtwoord-veilig", "toestemming", now)
        statements = [row.payload for row in session.scalars(select(m.OutboxItem).order_by(m.OutboxItem.id))]
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
    assert verbs == ["launched", "initialized"] + ["answered"] * 5 + ["completed", "passed"] + ["scored"] * 3 + [
        "terminated", "requested-attention"]
    assert all(s["actor"]["account"]["homePage"] == "https://lms.example" for s in statements)
    assert all("mbox" not in s["actor"] and "name" not in s["actor"] for s in statements)
    assert learninglocker_problems(statements) == []
    target = forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD)
    clients = {}
    # in_flight=1: the test database is one connection that is rolled back afterwards
    report = forward.forward(database, target, lambda t: clients.setdefault(t, LRSClient(t.endpoint, t.username, t.password)),
                            in_flight=1)
    assert report.delivered == len(statements) and report.rejected == 0
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD) as client:
        for statement in statements:
            assert client.get_statement(statement["id"]) is not None
