"""`digitoets hr snapshot`: a finished month once per organisation; clear errors for a bad month or slug."""

from __future__ import annotations

from sqlalchemy import select

from service import models as m
from tests.support.compliance_org import build


def test_snapshot_of_a_month_is_taken_once(runner, database, content):
    with database.begin() as session:
        build(session)
    first = runner.invoke(args=["hr", "snapshot", "--org", "zorg-a", "--month", "2026-10"])
    again = runner.invoke(args=["hr", "snapshot", "--org", "zorg-a", "--month", "2026-10"])
    assert first.exit_code == 0, first.output
    assert "zorg-a\t2026-10\ttaken\t" in first.output
    assert "zorg-a\t2026-10\tskipped" in again.output
    with database.begin() as session:
        runs = session.scalars(select(m.ComplianceSnapshotRun)).all()
    assert [(r.month.isoformat(), r.groups > 0) for r in runs] == [("2026-10-01", True)]


def test_a_bad_month_or_organisation_is_named(runner, database, content):
    with database.begin() as session:
        build(session)
    bad = runner.invoke(args=["hr", "snapshot", "--month", "oktober"])
    unknown = runner.invoke(args=["hr", "snapshot", "--org", "nergens"])
    future = runner.invoke(args=["hr", "snapshot", "--month", "2099-01"])
    assert bad.exit_code == 2 and "'oktober' is not a month like 2026-10" in bad.output
    assert unknown.exit_code == 2 and "no organisation with slug 'nergens'" in unknown.output
    assert future.exit_code == 2 and "2099-01 has not ended yet" in future.output
