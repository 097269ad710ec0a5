"""`digitoets demo seed` gives the HR pages a living organisation: hundreds of people, a year of results, a trend."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from service import models as m
from service.operations import compliance, compliance_trend
from service.operations.demo import demo_people, ensure_demo_organisation
from service.operations.demo_population import ensure_population

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_demo_population_is_big_fast_idempotent_and_has_a_trend(database, content):
    started = time.monotonic()
    with database.begin() as session:
        org = ensure_demo_organisation(session, NOW)
        assert ensure_population(session, org, NOW) == 300
    seconds = time.monotonic() - started
    with database.begin() as session:
        org = session.scalar(select(m.Organisation).where(m.Organisation.slug == "demo"))
        assert ensure_population(session, org, NOW) == 0  # a second seed adds nothing
        assert len(demo_people(session)) == 8  # the development login's list stays short
        board = compliance.dashboard(session, org, today=NOW.date(), level="location")
        assert {g.name for g in board.groups} == {"Locatie Almere", "Locatie Lelystad", "Locatie Zeewolde"}
        assert 250 <= board.total.headcount <= 320
        assert 0 < board.total.all_met < board.total.headcount
        teams = compliance.dashboard(session, org, today=NOW.date(), level="team")
        assert len([g for g in teams.groups if not g.pooled]) >= 5  # a small team pools with its neighbour
        months = session.scalar(select(func.count(m.ComplianceSnapshotRun.id.distinct()))
                                .where(m.ComplianceSnapshotRun.organisation_id == org.id))
        assert months == 12
        line = compliance_trend.trend(session, org)
        assert len(line.points) == 12 and line.points[-1].percent_met > line.points[0].percent_met
        assert compliance_trend.progress(session, org, today=NOW.date())  # retakes: first vs latest per skill
    assert seconds < 30, f"seeding took {seconds:.1f} s"


def test_demo_seed_command_adds_the_population_once(runner, content):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Added 300 employees" in first.output
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "Added" not in again.output
