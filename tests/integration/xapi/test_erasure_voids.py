"""Erasure voids the person's statements in the real LRS (Learning Locker): they no longer
show in queries, and a colleague's statements stay."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.jobs import forward
from service.operations import attempts, privacy
from service.operations.people import grant_role
from tests.support.lrs import PASSWORD, USERNAME
from xapi.client import LRSClient

ANSWERS = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "b"}


def take_test(database, person_id: int) -> None:
    now = datetime.now(UTC)
    with database.begin() as session:
        attempt, _ = attempts.start_attempt(session, session.get(m.Person, person_id), "ecd-rapportage", now)
        for code, value in ANSWERS.items():
            attempts.save_answer(session, attempt, code, value, now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)


def statement_ids(database, person_id: int) -> list[str]:
    with database.begin() as session:
        pseudonym = str(session.get(m.Person, person_id).pseudonym)
        return [r.dedupe_key for r in session.scalars(select(m.OutboxItem)) if pseudonym in str(r.payload)]


def send(database, lrs) -> forward.ForwardReport:
    target = forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD)
    # in_flight=1: the test database is one connection that is rolled back afterwards
    return forward.forward(database, target, lambda t: LRSClient(t.endpoint, t.username, t.password,
                                                                 timeout=(5, 60)), in_flight=1)


def visible(client: LRSClient, statement_id: str) -> bool:
    """Whether a plain GET finds the statement (the LRS hides voided ones; voidedStatementId finds them)."""
    response = client._request("GET", client.statements_url, params={"statementId": statement_id})
    assert response.status_code in (200, 404), response.status_code
    return response.status_code == 200


def test_erasing_a_person_voids_their_statements_in_the_lrs(database, make_person, lrs):
    admin, person, colleague = make_person("admin-1"), make_person("emp-gone"), make_person("emp-stays")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, admin), m.ToolRole.ORG_ADMIN, granted_by="test")
    take_test(database, person)
    take_test(database, colleague)
    theirs, others = statement_ids(database, person), statement_ids(database, colleague)
    assert send(database, lrs).delivered == len(theirs) + len(others)
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=(5, 60)) as client:
        assert all(visible(client, sid) for sid in theirs)

    with database.begin() as session:
        org = session.get(m.Person, person).organisation
        removal = privacy.erase_person(session, org, person, session.get(m.Person, admin), datetime.now(UTC))
    assert removal.counts["statements_voided"] == len(theirs)
    report = send(database, lrs)
    assert (report.delivered, report.rejected) == (len(theirs), 0)

    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=(5, 60)) as client:
        assert not any(visible(client, sid) for sid in theirs)
        assert all(client.get_statement(sid) is not None for sid in theirs)  # kept as voided, as xAPI wants
        assert all(visible(client, sid) for sid in others)
