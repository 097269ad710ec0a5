"""`digitoets lti`: the commands call operations and jobs; what they change is what an admin sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service import models as m
from service.db import utcnow


def test_purge_removes_expired_launch_state_and_keeps_live_state(runner, database):
    with database.begin() as session:
        session.add_all([
            m.LtiLaunchState(key="old", value="{}", expires_at=utcnow() - timedelta(minutes=1)),
            m.LtiLaunchState(key="live", value="{}", expires_at=utcnow() + timedelta(hours=1)),
        ])
    result = runner.invoke(args=["lti", "purge"])
    assert result.exit_code == 0, result.output
    assert "removed 1 expired launch state entries" in result.output
    with database.begin() as session:
        assert list(session.scalars(select(m.LtiLaunchState.key))) == ["live"]
