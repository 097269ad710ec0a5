"""Learning from other tools, read back from the LRS, becomes accreditation hours once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.jobs import ingest
from service.operations.people import find_or_create_person
from tests.support.lrs import PASSWORD, USERNAME
from xapi.client import LRSClient

OUR_BASE = "https://digitoets.example"


def other_tool(actor: dict, minutes: int | None, verb: str = "completed", name: str = "E-learning privacy") -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en": verb}},
        "object": {"id": f"https://elearning.example/courses/{uuid.uuid4()}", "definition": {"name": {"nl": name}}},
        "timestamp": datetime(2026, 11, 20, 10, tzinfo=UTC).isoformat(),
    }
    if minutes is not None:
        statement["result"] = {"duration": f"PT{minutes}M", "completion": True}
    return statement


def test_ingest_adds_e_learning_hours_once_and_follows_more_links(committed_database, own_lrs):
    issuer = f"https://lms-{uuid.uuid4().hex[:6]}.example"
    with committed_database.begin() as session:
        org = m.Organisation(slug="zorg-ingest", name="Zorg", lrs_endpoint=own_lrs.endpoint)
        session.add(org)
        session.flush()
        person = find_or_create_person(session, org, issuer, "42", datetime.now(UTC))
        org_id, pseudonym = org.id, str(person.pseudonym)
    known = {"objectType": "Agent", "account": {"homePage": issuer, "name": "42"}}
    by_pseudonym = {"objectType": "Agent", "account": {"homePage": issuer, "name": pseudonym}}
    stranger = {"objectType": "Agent", "account": {"homePage": issuer, "name": "999"}}
    ours = other_tool(known, 30)
    ours["context"] = {"contextActivities": {"category": [{"id": f"{OUR_BASE}/xapi/profile/v1.0"}]}}
    statements = [other_tool(known, 45), other_tool(by_pseudonym, 90, verb="attended", name="Webinar ECD")]
    statements += [other_tool(known, None), other_tool(stranger, 30), ours]
    statements += [other_tool(known, 5, name=f"Microlearning {n}") for n in range(7)]
    with LRSClient(own_lrs.endpoint, USERNAME, PASSWORD) as client:
        for statement in statements:  # one by one: each gets its own `stored` time
            assert client.post_batch([statement]).complete
        ingest.PAGE, page = 4, ingest.PAGE  # small pages, so `more` links are followed
        try:
            first = ingest.ingest(committed_database, org_id, client, OUR_BASE)
            second = ingest.ingest(committed_database, org_id, client, OUR_BASE)
        finally:
            ingest.PAGE = page
    assert (first.read, first.added, first.unknown_person, first.ours, first.ignored) == (12, 9, 1, 1, 1)
    # The cursor moved past everything; Learning Locker treats `since` as inclusive, so the last
    # statement may be read again, and the ledger's key on the statement id keeps it single.
    assert second.read <= 1 and second.added == 0
    with committed_database.begin() as session:
        hours = session.scalars(select(m.LearningHours).order_by(m.LearningHours.minutes)).all()
        assert sum(h.minutes for h in hours) == 45 + 90 + 7 * 5
        assert {h.title for h in hours} >= {"E-learning privacy", "Webinar ECD"}
        assert all(h.kind.value == "elearning" and h.source == "xapi" for h in hours)
        cursor = session.get(m.IngestCursor, org_id)
        assert cursor.since is not None
        # reading the same statements again (a reset cursor) adds nothing
        cursor.since = None
    with LRSClient(own_lrs.endpoint, USERNAME, PASSWORD) as client:
        again = ingest.ingest(committed_database, org_id, client, OUR_BASE)
    assert (again.added, again.already_known) == (0, 9)
