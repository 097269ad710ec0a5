"""Monthly compliance snapshots: claimed once per month (also by two schedulers at once), the trend and targets."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from mappings.loader import load_folder
from service import models as m
from service.errors import InvalidInputError
from service.jobs import snapshot
from service.operations import compliance_trend as trend
from service.operations.content import load_content
from tests.conftest import FIXTURE_CONTENT
from tests.support.compliance_org import build


def clock_at(day: date):
    return lambda: datetime(day.year, day.month, day.day, 4, 30, tzinfo=UTC)


@pytest.fixture
def org(committed_database):
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        built = build(session)
    return built


def test_two_schedulers_at_once_take_one_snapshot(committed_database, org):
    reports, errors = [], []

    def run():
        try:
            reports.append(snapshot.take_snapshots(committed_database, org_slug="zorg-a",
                                                   clock=clock_at(date(2026, 12, 1))))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((list(r.taken), r.skipped) for r in reports) == [([], ["zorg-a"]), (["zorg-a"], [])]
    with committed_database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.ComplianceSnapshotRun)) == 1
        rows = {(s.level, s.group_key): s for s in session.scalars(select(m.ComplianceSnapshot))}
    # November 2026, as it stood on the 30th: the dashboard's figures, groups under 5 never stored
    assert rows[("organisation", "")].headcount == 18
    assert rows[("organisation", "")].all_met == 3
    assert rows[("team", f"l{org.locations['L1']}.t{org.teams['T1']}")].statuses["wachtwoord-veilig"] == {
        "met": 1, "expiring": 1, "expired": 1, "exempt": 1, "not_met": 1, "not_tested": 1}
    assert ("team", f"l{org.locations['L2']}.t{org.teams['T3']}") not in rows
    assert all(s.headcount >= 5 for s in rows.values())


def test_the_trend_shows_each_month_against_the_target(committed_database, org):
    for month in (date(2026, 2, 1), date(2026, 11, 1)):
        snapshot.take_snapshots(committed_database, month=month, clock=clock_at(date(2026, 12, 1)))
    again = snapshot.take_snapshots(committed_database, month=date(2026, 11, 1), clock=clock_at(date(2026, 12, 2)))
    assert again.taken == {} and sorted(again.skipped) == ["zorg-a", "zorg-b"]
    with committed_database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        hr = session.get(m.Person, org.people["manager"])
        trend.set_target(session, organisation, hr, "80% voldoet aan het basisniveau", "organisation", 80,
                         date(2027, 6, 1))
        with pytest.raises(InvalidInputError) as refused:
            trend.set_target(session, organisation, hr, "", "afdeling", 0, None)
        line = trend.trend(session, organisation)
    assert set(refused.value.errors) == {"name", "level", "percent", "due_on"}
    # end of February: 9 in Den Haag and 6 in Rotterdam; q1, p2 and p4 (both ECD and password
    # exempt then) met everything; end of November: 18 people, 3 met
    assert [(p.month, p.headcount, p.percent_met) for p in line.points] == [
        (date(2026, 2, 1), 15, 20.0), (date(2026, 11, 1), 18, 16.7)]
    assert [(t.percent, t.due_on) for t in line.targets] == [(80, date(2027, 6, 1))]


def test_a_month_that_has_not_ended_is_refused(committed_database, org):
    with pytest.raises(InvalidInputError):
        snapshot.take_snapshots(committed_database, month=date(2026, 12, 1), clock=clock_at(date(2026, 12, 15)))


def test_progress_per_skill_only_for_enough_people(committed_database, org):
    with committed_database.begin() as session:
        organisation = session.get(m.Organisation, org.organisation.id)
        organisation.min_group_size = 1
        shown = trend.progress(session, organisation, today=date(2026, 11, 30))
        organisation.min_group_size = 2
        hidden = trend.progress(session, organisation, today=date(2026, 11, 30))
    # only p2 took ECD twice: from 1 to 2
    assert [(p.skill_code, p.people, p.first_mean, p.latest_mean, p.better, p.worse) for p in shown] == [
        ("ecd-rapporteren", 1, 1.0, 2.0, 1, 0)]
    assert hidden == ()
