"""Two coaches claim the same request at the same moment, each on their own connection: one wins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mappings.loader import load_folder
from service import models as m
from service.errors import ConflictError
from service.operations import coach_requests
from service.operations.content import load_content
from tests.conftest import FIXTURE_CONTENT


@pytest.mark.postgres
def test_two_coaches_claim_at_once_and_exactly_one_wins(committed_database):
    now = datetime.now(UTC)
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="race", name="Race")
        session.add(org)
        session.flush()
        location = m.Location(organisation_id=org.id, code="l", name="Locatie")
        session.add(location)
        session.flush()
        team = m.Team(organisation_id=org.id, code="t", name="Team", location_id=location.id)
        session.add(team)
        session.flush()
        employee = m.Person(organisation_id=org.id, issuer="https://lms.example", subject="e", team_id=team.id)
        coaches = [m.Person(organisation_id=org.id, issuer="https://lms.example", subject=f"c{n}", name=f"Coach {n}")
                   for n in (1, 2)]
        session.add_all([employee, *coaches])
        session.flush()
        for coach in coaches:
            session.add(m.PersonRole(person_id=coach.id, role=m.ToolRole.COACH))
            session.add(m.CoachScope(organisation_id=org.id, person_id=coach.id, location_id=location.id))
        skill = session.scalar(select(m.Skill).where(m.Skill.code == "wachtwoord-veilig"))
        request = m.HelpRequest(organisation_id=org.id, person_id=employee.id, skill_id=skill.id, consent_at=now,
                                consent_text="ja", created_at=now)
        session.add(request)
        session.flush()
        request_id, coach_ids = request.id, [c.id for c in coaches]

    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def claim(coach_id):
        try:
            with committed_database.begin() as session:
                coach = session.get(m.Person, coach_id)
                assert coach.has_role(m.ToolRole.COACH)  # roles loaded before the barrier: both reach the UPDATE together
                barrier.wait(timeout=30)
                coach_requests.claim(session, coach, request_id, now)
            outcomes[coach_id] = "won"
        except ConflictError as exc:
            outcomes[coach_id] = str(exc)

    threads = [threading.Thread(target=claim, args=(c,)) for c in coach_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(coach_ids)
    winners = [c for c, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1
    loser = next(c for c in coach_ids if c not in winners)
    assert outcomes[loser] == f"Deze hulpvraag is al opgepakt door Coach {coach_ids.index(winners[0]) + 1}."
    with committed_database.begin() as session:
        stored = session.get(m.HelpRequest, request_id)
        assert stored.coach_id == winners[0] and stored.status is m.HelpRequestStatus.CLAIMED
        claims = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "help_request.change")).all()
        assert len(claims) == 1
        accepted = [i for i in session.scalars(select(m.OutboxItem)) if i.payload["verb"]["id"].endswith("accept")]
        assert len(accepted) == 1
