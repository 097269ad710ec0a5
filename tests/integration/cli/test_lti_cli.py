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


def test_activate_names_an_unknown_registration_and_changes_nothing(runner, database):
    result = runner.invoke(args=["lti", "activate", "987654"])
    assert result.exit_code == 1
    assert "no registration 987654" in result.output
    with database.begin() as session:
        assert session.scalar(select(m.LtiRegistration.id).where(m.LtiRegistration.id == 987654)) is None


def test_org_create_stores_the_organisation_once_and_refuses_the_same_slug_again(runner, database):
    first = runner.invoke(args=["org", "create", "zorggroep-noord", "Zorggroep Noord"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["org", "create", "zorggroep-noord", "Iets anders"])
    assert again.exit_code == 1
    assert "organisation 'zorggroep-noord' exists already" in again.output
    with database.begin() as session:
        names = list(session.scalars(select(m.Organisation.name).where(m.Organisation.slug == "zorggroep-noord")))
    assert names == ["Zorggroep Noord"]
