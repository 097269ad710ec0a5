"""The demo organisation's HR data: the team manager of the development login gets role manager from it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from mappings.loader import STARTER_CONTENT, load_folder
from service import models as m
from service.operations.content import load_content
from service.operations.demo import demo_people, ensure_demo_organisation
from service.operations.hr_import.links import managed_team_ids


def test_the_demo_team_manager_leads_team_noord_and_seeding_twice_changes_nothing(database):
    now = datetime.now(UTC)
    with database.begin() as session:
        load_content(session, load_folder(STARTER_CONTENT))
        ensure_demo_organisation(session, now)
        ensure_demo_organisation(session, now)
        people = {p.subject: p for p in demo_people(session)}
        ingrid = people["demo-ingrid"]
        assert ingrid.has_role(m.ToolRole.MANAGER)
        assert {session.get(m.Team, t).name for t in managed_team_ids(session, ingrid)} == {"Team Noord"}
        assert not any(people[s].has_role(m.ToolRole.MANAGER) for s in people if s != "demo-ingrid")
        assert session.scalar(select(func.count()).select_from(m.HrRecord)) == 7
        linked = set(session.scalars(select(m.HrRecord.person_id)))
        assert people["demo-eva"].id not in linked and people["demo-ans"].id in linked
