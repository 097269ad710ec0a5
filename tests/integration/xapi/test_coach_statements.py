"""The coach flow's statements (claimed, resolved, attended with its duration, a correction's void)
pass the strict validation, follow the profile, and land in the real LRS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from service import models as m
from service.jobs import forward
from service.operations import attempts, coach_requests, coaching_sessions, help_requests
from tests.support.lrs import PASSWORD, USERNAME, learninglocker_problems
from xapi.client import LRSClient
from xapi.conformance import check
from xapi.validation import validate_statement
from xapi.vocabulary import profile_document

ANSWERS = {"ecd-01": "b", "ecd-02": ["c"], "ecd-03": ["Schrijf de rapportage", "Zoek de cliënt", "Open het ECD"],
           "ecd-04": 0, "ecd-05": "a"}


def test_claim_resolve_attend_and_correct_reach_the_lrs_valid(database, make_person, lrs):
    employee_id, coach_id = make_person("emp-x"), make_person("coach-x", function=None)
    start = datetime.now(UTC) - timedelta(hours=3)
    with database.begin() as session:
        person, coach = session.get(m.Person, employee_id), session.get(m.Person, coach_id)
        session.add(m.PersonRole(person_id=coach.id, role=m.ToolRole.COACH_COORDINATOR))
        session.flush()
        session.refresh(coach)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", start)
        for minute, (code, value) in enumerate(ANSWERS.items(), start=1):
            attempts.save_answer(session, attempt, code, value, start + timedelta(minutes=minute))
        attempts.submit_attempt(session, attempt, start + timedelta(minutes=7))
        attempts.score_attempt(session, attempt, start + timedelta(minutes=7))
        request, _ = help_requests.request_help(session, person, attempt, "ecd-rapporteren", "toestemming",
                                                start + timedelta(minutes=8))
        known = {row.id for row in session.scalars(select(m.OutboxItem))}
        coach_requests.claim(session, coach, request.id, start + timedelta(minutes=20))
        data = coaching_sessions.SessionInput(held_at=start + timedelta(hours=1), form="on_the_job",
                                              attendees={person.id: 50}, skills=("ecd-rapporteren",))
        record = coaching_sessions.log_session(session, coach, data, start + timedelta(hours=2),
                                               help_request_id=request.id, resolve=True)
        fixed = coaching_sessions.SessionInput(held_at=start + timedelta(hours=1), form="on_the_job",
                                               attendees={person.id: 40})
        coaching_sessions.correct_session(session, coach, record.id, fixed, start + timedelta(hours=2, minutes=5))
        rows = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.XAPI)
                               .order_by(m.OutboxItem.id)).all()
        coach_flow = [r.payload for r in rows if r.id not in known]
        everything = [r.payload for r in rows]
        base_url = session.info.get("base_url", "http://127.0.0.1:5000")
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in coach_flow]
    assert verbs == ["accept", "attended", "resolve", "voided", "attended"]
    assert [s["result"]["duration"] for s in coach_flow if s["verb"]["id"].endswith("attended")] == ["PT50M00S", "PT40M00S"]
    for statement in coach_flow:
        validate_statement(statement)  # strict: raises on the first problem
    assert learninglocker_problems(coach_flow) == []
    # the profile's patterns: the request's registration (requested, claimed, resolved) and one per attendance
    assert check(profile_document(base_url), [s for s in everything if not s["verb"]["id"].endswith("voided")]) == []
    target = forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD)
    report = forward.forward(database, target, lambda t: LRSClient(t.endpoint, t.username, t.password), in_flight=1)
    assert report.rejected == 0
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD) as client:
        for statement in coach_flow:
            assert client.get_statement(statement["id"]) is not None
