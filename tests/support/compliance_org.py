"""A hand-built organisation whose compliance statuses are known, for the HR dashboard tests.

Content: the test fixtures (tests/fixtures/content). Verzorgende IG must show ecd-rapporteren 2
and wachtwoord-veilig 2 (valid 24 months); helpende ecd-rapporteren 1. Today is 30 November 2026.

    Den Haag (L1)
      T1 "Afdeling Zon"  6 VIG, manager M1:
        p1 met, met                      p2 met, expiring (15 Dec 2026)
        p3 follow-up (help request), expired         p4 not tested, exempt
        p5 met, not met                  p6 HR record no launch has linked: not tested, not tested
      T2 "Afdeling Maan" 5 helpende (4 roster learners on the default function, 1 HR, met) + 1 VIG
    Rotterdam (L2)
      T3 3 VIG, T4 3 VIG (teams too small: pooled into "overig" of Rotterdam)
    Leavers and ended contracts are left out; another organisation "zorg-b" has people of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.operations.attempts import _update_current_level
from service.operations.people import assign_function, find_or_create_person, get_profile, grant_role

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
ISSUER = "https://lms.example"


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


@dataclass
class Built:
    organisation: m.Organisation
    other: m.Organisation
    locations: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    profiles: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)


class Builder:
    """Small steps to put people, HR records and levels into the database."""

    def __init__(self, session: Session):
        self.session = session
        self.version = session.scalar(select(m.TestVersion).join(m.DigiTest).where(m.DigiTest.code == "ecd-rapportage"))
        self.skills = {s.code: s for s in session.scalars(select(m.Skill))}

    def person(self, org: m.Organisation, subject: str, *, team: int | None = None, function: str | None = None,
               source: m.AssignmentSource = m.AssignmentSource.LTI) -> m.Person:
        person = find_or_create_person(self.session, org, ISSUER, subject, NOW)
        person.team_id = team
        if function:
            assign_function(self.session, person, get_profile(self.session, function), source, NOW)
        self.session.flush()
        return person

    def hr(self, org: m.Organisation, number: str, *, person: m.Person | None = None, team: int | None = None,
           location: int | None = None, function: str | None = None, manager: str | None = None,
           **extra) -> m.HrRecord:
        record = m.HrRecord(organisation_id=org.id, personnel_number=number, person_id=person.id if person else None,
                            team_id=team, location_id=location, manager_number=manager,
                            function_profile_id=get_profile(self.session, function).id if function else None, **extra)
        self.session.add(record)
        self.session.flush()
        return record

    def level(self, person: m.Person, skill: str, level: int, when: datetime) -> None:
        attempt = m.Attempt(organisation_id=person.organisation_id, person_id=person.id, test_version_id=self.version.id,
                            shuffle_seed=1, status=m.AttemptStatus.SCORED, started_at=when, submitted_at=when,
                            scored_at=when)
        self.session.add(attempt)
        self.session.flush()
        observation = m.SkillObservation(attempt_id=attempt.id, person_id=person.id, skill=self.skills[skill],
                                         level=level, observed_at=when)
        self.session.add(observation)
        self.session.flush()
        _update_current_level(self.session, person.id, observation)
        self.session.flush()

    def help_request(self, person: m.Person, skill: str) -> None:
        self.session.add(m.HelpRequest(organisation_id=person.organisation_id, person_id=person.id,
                                       skill_id=self.skills[skill].id, created_at=at(2026, 5, 2)))
        self.session.flush()

    def roster_learner(self, person: m.Person, context: m.LtiContext) -> None:
        grant_role(self.session, person, m.ToolRole.EMPLOYEE, granted_by="nrps")
        self.session.add(m.CourseMembership(context_id=context.id, person_id=person.id, roles=["Learner"]))
        self.session.flush()


def build(session: Session) -> Built:
    """Build the organisation of the module docstring (content must be loaded)."""
    b = Builder(session)
    helpende = get_profile(session, "helpende")
    org = m.Organisation(slug="zorg-a", name="Zorg A", default_function_profile_id=helpende.id)
    other = m.Organisation(slug="zorg-b", name="Zorg B")
    session.add_all([org, other])
    session.flush()
    built = Built(org, other, profiles={"vig": get_profile(session, "verzorgende-ig").id, "helpende": helpende.id},
                  skills={code: s.id for code, s in b.skills.items()})
    for code, name in (("L1", "Den Haag"), ("L2", "Rotterdam")):
        location = m.Location(organisation_id=org.id, code=code, name=name)
        session.add(location)
        session.flush()
        built.locations[code] = location.id
    for code, name, loc in (("T1", "Afdeling Zon", "L1"), ("T2", "Afdeling Maan", "L1"),
                            ("T3", "Afdeling Ster", "L2"), ("T4", "Afdeling Wolk", "L2")):
        team = m.Team(organisation_id=org.id, code=code, name=name, location_id=built.locations[loc])
        session.add(team)
        session.flush()
        built.teams[code] = team.id
    t1, t2 = built.teams["T1"], built.teams["T2"]

    manager = b.person(org, "manager-1")  # not an employee with a function: not in the figures
    manager.personnel_number = "M1"
    grant_role(session, manager, m.ToolRole.MANAGER, granted_by="hr_import")
    built.people["manager"] = manager.id
    for n in range(1, 6):
        person = b.person(org, f"p{n}", team=t1, function="verzorgende-ig", source=m.AssignmentSource.HR_IMPORT)
        b.hr(org, f"P{n}", person=person, team=t1, function="verzorgende-ig", manager="M1")
        built.people[f"p{n}"] = person.id
    p = {n: session.get(m.Person, built.people[f"p{n}"]) for n in range(1, 6)}
    b.level(p[1], "ecd-rapporteren", 3, at(2026, 6, 1))
    b.level(p[1], "wachtwoord-veilig", 2, at(2026, 6, 1))
    b.level(p[2], "ecd-rapporteren", 1, at(2025, 9, 1))  # an older, lower result: replaced by the newer one
    b.level(p[2], "ecd-rapporteren", 2, at(2026, 1, 1))
    b.level(p[2], "wachtwoord-veilig", 3, at(2024, 12, 15))  # valid until 15 Dec 2026: expiring
    b.level(p[3], "ecd-rapporteren", 1, at(2026, 5, 1))
    b.help_request(p[3], "ecd-rapporteren")
    b.level(p[3], "wachtwoord-veilig", 2, at(2024, 10, 1))  # expired on 1 Oct 2026
    session.add(m.Exemption(organisation_id=org.id, person_id=p[4].id, skill_id=b.skills["wachtwoord-veilig"].id,
                            reason="Werkt niet met de computer", until=date(2027, 1, 1), granted_by_id=manager.id))
    session.add(m.Exemption(organisation_id=org.id, person_id=p[4].id, skill_id=b.skills["ecd-rapporteren"].id,
                            reason="Verlopen vrijstelling", until=date(2026, 11, 29)))
    b.level(p[5], "ecd-rapporteren", 2, at(2026, 3, 1))
    b.level(p[5], "wachtwoord-veilig", 1, at(2026, 3, 1))
    b.hr(org, "P6", team=t1, function="verzorgende-ig", manager="M1")  # no launch yet
    b.hr(org, "X1", team=t1, function="verzorgende-ig", manager="M1", left_at=at(2026, 10, 1))  # a leaver
    b.hr(org, "X2", team=t1, function="verzorgende-ig", employed_until=date(2026, 11, 1))  # contract ended

    registration = m.LtiRegistration(organisation_id=org.id, issuer=ISSUER, client_id="c1",
                                     auth_login_url="https://lms.example/login",
                                     auth_token_url="https://lms.example/token")
    session.add(registration)
    session.flush()
    course = m.LtiContext(registration_id=registration.id, deployment_id="d1", context_id="course-1")
    session.add(course)
    session.flush()
    for n in range(1, 5):
        person = b.person(org, f"r{n}", team=t2)
        b.roster_learner(person, course)
        built.people[f"r{n}"] = person.id
    gone = b.person(org, "r-gone", team=t2)  # left the course: no longer on the roster
    b.roster_learner(gone, course)
    session.execute(m.CourseMembership.__table__.update().where(m.CourseMembership.person_id == gone.id)
                    .values(status="Deleted"))
    q1 = b.person(org, "q1", team=t2, function="helpende", source=m.AssignmentSource.HR_IMPORT)
    b.hr(org, "Q1", person=q1, team=t2, function="helpende")
    b.level(q1, "ecd-rapporteren", 1, at(2026, 2, 1))
    built.people["q1"] = q1.id
    vig = b.person(org, "v-t2", team=t2, function="verzorgende-ig")
    built.people["v-t2"] = vig.id
    for team in ("T3", "T4"):
        for n in range(3):
            b.hr(org, f"{team}-{n}", team=built.teams[team], function="verzorgende-ig")

    for n in range(6):
        stranger = b.person(other, f"b{n}", function="verzorgende-ig")
        b.level(stranger, "ecd-rapporteren", 4, at(2026, 6, 1))
    session.flush()
    return built
