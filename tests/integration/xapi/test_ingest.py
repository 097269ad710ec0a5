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


def other_tool(actor: dict, minutes: int | None, verb: str = "completed", name: str = "E-learning privacy",
               duration: str | None = None) -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en": verb}},
        "object": {"id": f"https://elearning.example/courses/{uuid.uuid4()}", "definition": {"name": {"nl": name}}},
        "timestamp": datetime(2026, 11, 20, 10, tzinfo=UTC).isoformat(),
    }
    if minutes is not None or duration is not None:
        statement["result"] = {"duration": duration or f"PT{minutes}M", "completion": True}
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
    # The second run re-reads the overlap window before the cursor (all of these statements are
    # in it) and skips every id already in the ledger.
    assert (second.added, second.already_known) == (0, 9)
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


def _organisation_with_person(database, endpoint, slug):
    issuer = f"https://lms-{uuid.uuid4().hex[:6]}.example"
    with database.begin() as session:
        org = m.Organisation(slug=slug, name="Zorg", lrs_endpoint=endpoint)
        session.add(org)
        session.flush()
        find_or_create_person(session, org, issuer, "42", datetime.now(UTC))
        return org.id, {"objectType": "Agent", "account": {"homePage": issuer, "name": "42"}}


def test_durations_count_in_whole_minutes_and_under_half_a_minute_adds_nothing(committed_database, own_lrs):
    org_id, actor = _organisation_with_person(committed_database, own_lrs.endpoint, "zorg-seconds")
    durations = {"PT20S": None, "PT40S": 1, "PT1M29S": 1, "PT1M31S": 2, "PT1H": 60}
    statements = {d: other_tool(actor, None, name=f"Les {d}", duration=d) for d in durations}
    with LRSClient(own_lrs.endpoint, USERNAME, PASSWORD) as client:
        assert client.post_batch(list(statements.values())).complete
        report = ingest.ingest(committed_database, org_id, client, OUR_BASE)
    assert (report.added, report.too_short) == (4, 1)
    with committed_database.begin() as session:
        minutes = dict(session.execute(select(m.LearningHours.source_ref, m.LearningHours.minutes)).all())
    assert minutes == {statements[d]["id"]: n for d, n in durations.items() if n is not None}
    assert 0 not in minutes.values()  # the ledger never holds a 0-minute record


def test_a_statement_stored_before_the_cursor_but_seen_late_is_not_missed(committed_database, own_lrs):
    """Learning Locker cannot be made to show a statement late, so the late one is simulated the
    only honest way: a previous run that committed a page holding just the later statement (as
    if the earlier one was not yet visible), which moved the cursor past the earlier one."""
    org_id, actor = _organisation_with_person(committed_database, own_lrs.endpoint, "zorg-late")
    early, later = other_tool(actor, 20, name="Eerder opgeslagen"), other_tool(actor, 25, name="Later")
    with LRSClient(own_lrs.endpoint, USERNAME, PASSWORD) as client:
        assert client.post_batch([early]).complete  # stored first
        assert client.post_batch([later]).complete
        stored_later = client.get_statement(later["id"])
        ingest._commit_page(committed_database, org_id, [stored_later], ingest.Vocabulary(OUR_BASE),
                            ingest.IngestReport())
        with committed_database.begin() as session:
            cursor = session.get(m.IngestCursor, org_id).since
        assert cursor > datetime.fromisoformat(client.get_statement(early["id"])["stored"].replace("Z", "+00:00"))
        report = ingest.ingest(committed_database, org_id, client, OUR_BASE)
    assert (report.added, report.already_known) == (1, 1)  # the early one found, the later one once
    with committed_database.begin() as session:
        rows = session.execute(select(m.LearningHours.title, m.LearningHours.minutes)).all()
    assert sorted(rows) == [("Eerder opgeslagen", 20), ("Later", 25)]
