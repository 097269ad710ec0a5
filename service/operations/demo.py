"""A demo organisation with a few employees, for the development login and the demo LMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.operations.people import assign_function, find_or_create_person, grant_role

#: an IRL, since it becomes the xAPI account homePage; .invalid never resolves
DEMO_ISSUER = "https://dev-login.digitoets.invalid"
DEMO_SLUG = "demo"


@dataclass(frozen=True)
class DemoPerson:
    subject: str
    name: str
    team: str
    function: str | None  # None: the person chooses it on first use
    roles: tuple[m.ToolRole, ...] = (m.ToolRole.EMPLOYEE,)


DEMO_PEOPLE = (
    DemoPerson("demo-ans", "Ans de Vries", "noord", "verzorgende-ig"),
    DemoPerson("demo-mohamed", "Mohamed Amrani", "noord", "helpende"),
    DemoPerson("demo-eva", "Eva Jansen", "zuid", None),
    DemoPerson("demo-joost", "Joost Bakker", "zuid", "mbo-verpleegkundige"),
    DemoPerson("demo-coach", "Fatma Yilmaz (digicoach)", "noord", "verzorgende-ig", (m.ToolRole.EMPLOYEE, m.ToolRole.COACH)),
    DemoPerson("demo-hr", "Peter Smit (HR)", "zuid", "teamleider", (m.ToolRole.EMPLOYEE, m.ToolRole.HR)),
    DemoPerson("demo-admin", "Sanne Visser (beheerder)", "zuid", "teamleider", (m.ToolRole.EMPLOYEE, m.ToolRole.ORG_ADMIN)),
)


def ensure_demo_organisation(session: Session, now: datetime) -> m.Organisation:
    """Create the demo organisation, its teams and people once; later calls change nothing."""
    org = session.scalar(select(m.Organisation).where(m.Organisation.slug == DEMO_SLUG))
    if org is None:
        org = m.Organisation(slug=DEMO_SLUG, name="Zorggroep De Linde (demo)", store_personal_data=True)
        north = m.Location(code="almere", name="Locatie Almere")
        south = m.Location(code="lelystad", name="Locatie Lelystad")
        org.locations.extend([north, south])
        org.teams.extend([
            m.Team(code="noord", name="Team Noord", location=north),
            m.Team(code="zuid", name="Team Zuid", location=south),
        ])
        session.add(org)
        session.flush()
    teams = {t.code: t for t in org.teams}
    profiles = {p.code: p for p in session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active))}
    for demo in DEMO_PEOPLE:
        person = find_or_create_person(session, org, DEMO_ISSUER, demo.subject, now, name=demo.name)
        person.team = teams[demo.team]
        for role in demo.roles:
            grant_role(session, person, role, granted_by="demo")
        if demo.function in profiles and not person.function_assignments:
            assign_function(session, person, profiles[demo.function], m.AssignmentSource.HR_IMPORT, now)
    session.flush()
    return org


def demo_people(session: Session) -> list[m.Person]:
    return list(
        session.scalars(
            select(m.Person).join(m.Organisation).where(m.Organisation.slug == DEMO_SLUG, m.Person.issuer == DEMO_ISSUER)
            .order_by(m.Person.id)
        )
    )
