"""A demo organisation with a few employees, for the development login and the demo LMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.operations.hr_import.links import link, sync_manager_role
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
    # role manager comes from the HR data below: she is the leidinggevende of team Noord
    DemoPerson("demo-ingrid", "Ingrid de Boer (teamleider Noord)", "noord", "teamleider"),
)
#: the demo's HR data: subject -> (personnel number, manager's personnel number); people without a
#: function (they choose it themselves) are not in it
DEMO_HR = {
    "demo-ans": ("D1001", "D1007"), "demo-mohamed": ("D1002", "D1007"), "demo-joost": ("D1004", None),
    "demo-coach": ("D1005", "D1007"), "demo-hr": ("D1006", None), "demo-admin": ("D1008", None),
    "demo-ingrid": ("D1007", None),
}


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
            grant_role(session, person, role, granted_by="demo", source=m.RoleSource.TOOL)
        if demo.function in profiles and not person.function_assignments:
            assign_function(session, person, profiles[demo.function], m.AssignmentSource.HR_IMPORT, now)
    _demo_hr_records(session, org, profiles, now)
    session.flush()
    return org


def _demo_hr_records(session: Session, org: m.Organisation, profiles: dict[str, m.FunctionProfile], now: datetime) -> None:
    """HR records as an HR import would leave them, linked to the demo people (once)."""
    people = {p.subject: p for p in demo_people(session)}
    records = []
    for demo in DEMO_PEOPLE:
        if demo.subject not in DEMO_HR or demo.function not in profiles:
            continue
        person = people[demo.subject]
        number, manager = DEMO_HR[demo.subject]
        record = session.scalar(select(m.HrRecord).where(m.HrRecord.organisation_id == org.id,
                                                         m.HrRecord.personnel_number == number))
        if record is None:
            record = m.HrRecord(organisation_id=org.id, personnel_number=number, name=demo.name,
                                function_code=demo.function, function_profile_id=profiles[demo.function].id,
                                team_id=person.team_id, location_id=person.team.location_id, manager_number=manager)
            session.add(record)
            session.flush()
            link(session, record, person, now)
        records.append((record, person))
    for record, person in records:
        sync_manager_role(session, person, record)


def demo_people(session: Session) -> list[m.Person]:
    return list(
        session.scalars(
            select(m.Person).join(m.Organisation).where(m.Organisation.slug == DEMO_SLUG, m.Person.issuer == DEMO_ISSUER)
            .order_by(m.Person.id)
        )
    )
