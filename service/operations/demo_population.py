"""A living demo organisation for the HR screens: about 300 employees, 3 locations, 8 teams, a year of results.

Seeded once into the demo organisation of :mod:`service.operations.demo` (``digitoets demo seed``):
HR records with a personnel number, function, team and start date; the employees they link to;
a year of finished digi-toetsen whose levels improve a little over time; and a monthly snapshot
for each of the past 12 months, so /hr/doelen has a line. Deterministic (a fixed random seed),
idempotent (nothing happens when the employees are there), and fast: rows are added in bulk.
Teams Noord and Zuid keep only the hand-made demo people, so a manager there sees the group
minimum at work. De Boomgaard's manager is the demo LMS's team leader (personnel number
``MANAGER_NUMBER``): his HR record waits for his first launch, which links it through
``lis.person_sourcedid`` and makes him the manager of that team.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import models as m
from service.operations import compliance_trend
from service.operations.attempts import required_levels
from service.operations.people import find_or_create_person, grant_role

SEED = 20261
EMPLOYEES = 300
PREFIX = "demo-emp-"
#: not the development login's issuer, so these employees stay out of its list of people to sign in as
ISSUER = "https://staff.dev-login.digitoets.invalid"
LOCATIONS = (("zeewolde", "Locatie Zeewolde"),)
TEAMS = (  # code, name, location code, people
    ("oost", "Team Oost", "almere", 48), ("dagbesteding", "Dagbesteding", "almere", 34),
    ("west", "Team West", "lelystad", 52), ("thuiszorg", "Thuiszorg Lelystad", "lelystad", 60),
    ("boomgaard", "De Boomgaard", "zeewolde", 56), ("wijkteam", "Wijkteam Zeewolde", "zeewolde", 50),
)
#: the demo LMS's team leader (service.web.demo_lms.platform), manager of De Boomgaard
MANAGER_NUMBER, MANAGED_TEAM = "D2001", "boomgaard"
FUNCTIONS = (("verzorgende-ig", 5), ("helpende", 3), ("mbo-verpleegkundige", 2), ("teamleider", 1))
FIRST = ("Anna", "Bram", "Chantal", "Daan", "Emma", "Fenna", "Gijs", "Hanna", "Imane", "Jesse", "Kim", "Lotte", "Mila",
         "Noah", "Olga", "Priya", "Rik", "Sara", "Tess", "Umar", "Vera", "Wout", "Yara", "Zoë")
LAST = ("de Jong", "Janssen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
        "Bos", "Vos", "Peters", "Hendriks", "Dekker", "El Idrissi", "Yılmaz", "Kaya", "van Dijk", "Kramer")


def ensure_population(session: Session, org: m.Organisation, now: datetime) -> int:
    """Add the demo employees, their results and 12 monthly snapshots once; returns how many employees were added."""
    if session.scalar(select(func.count()).select_from(m.Person).where(
            m.Person.organisation_id == org.id, m.Person.issuer == ISSUER)):
        return 0
    rng = random.Random(SEED)  # nosec B311: a repeatable demo population, not security
    locations = {loc.code: loc for loc in org.locations}
    for code, name in LOCATIONS:
        if code not in locations:
            locations[code] = m.Location(organisation_id=org.id, code=code, name=name)
            session.add(locations[code])
    session.flush()
    teams = {team.code: team for team in org.teams}
    for code, name, location, _n in TEAMS:
        if code not in teams:
            teams[code] = m.Team(organisation_id=org.id, code=code, name=name, location_id=locations[location].id)
            session.add(teams[code])
    session.flush()
    profiles = {p.code: p for p in session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active))}
    functions = [code for code, weight in FUNCTIONS if code in profiles for _ in range(weight)]
    tests = _tests_by_profile(session)
    start = now - timedelta(days=365)
    number = 3000
    assigned: list[tuple[m.Person, m.FunctionProfile]] = []
    for code, _name, location, size in TEAMS:
        for _ in range(size):
            number += 1
            function = rng.choice(functions) if functions else None
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            person = find_or_create_person(session, org, ISSUER, f"{PREFIX}{number}",
                                           start, name=name)
            person.team_id, person.personnel_number = teams[code].id, f"D{number}"
            grant_role(session, person, m.ToolRole.EMPLOYEE, granted_by="demo", source=m.RoleSource.TOOL)
            employed = (now - timedelta(days=rng.randint(400, 4000))).date()
            session.add(m.HrRecord(organisation_id=org.id, personnel_number=f"D{number}", name=name, person_id=person.id,
                                   function_code=function, team_id=teams[code].id,
                                   location_id=locations[location].id, employed_from=employed,
                                   function_profile_id=profiles[function].id if function else None,
                                   manager_number=MANAGER_NUMBER if code == MANAGED_TEAM else None))
            if function:
                session.add(m.FunctionAssignment(person_id=person.id, function_profile_id=profiles[function].id,
                                                 source=m.AssignmentSource.HR_IMPORT, valid_from=start))
                _results(session, rng, org, person, tests.get(profiles[function].id, []), start, now)
                assigned.append((person, profiles[function]))
    boomgaard = next(team for team in teams.values() if team.code == MANAGED_TEAM)
    session.add(m.HrRecord(organisation_id=org.id, personnel_number=MANAGER_NUMBER, name="Kees Willems",
                           function_code="teamleider" if "teamleider" in profiles else None, team_id=boomgaard.id,
                           location_id=boomgaard.location_id, employed_from=(now - timedelta(days=2000)).date(),
                           function_profile_id=profiles["teamleider"].id if "teamleider" in profiles else None))
    adviser = session.scalar(select(m.Person).where(m.Person.organisation_id == org.id, m.Person.subject == "demo-hr"))
    _exempt_untestable(session, org, assigned, tests, now, adviser)
    session.flush()
    _snapshots(session, org, now.date())
    return number - 3000


def _tests_by_profile(session: Session) -> dict[int, list[tuple[m.TestVersion, list[m.Skill]]]]:
    """Per function, every active test that measures at least one of its required skills."""
    tests = []
    for test in session.scalars(select(m.DigiTest).where(m.DigiTest.active)):
        version = test.current_version
        if version is not None:
            skills = sorted({link.skill for item in version.items for link in item.skills}, key=lambda s: s.code)
            tests.append((version, skills))
    found: dict[int, list] = {}
    for profile in session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active)):
        required = set(required_levels(session, profile))
        found[profile.id] = [(version, skills) for version, skills in tests
                             if required & {skill.code for skill in skills}]
    return found


def _results(session, rng, org, person, tests, start, now) -> None:
    """A year of finished attempts: most people take their tests once or twice, later results a bit better.

    Three flushes per person (attempts, observations, current levels) instead of one per row.
    """
    planned = []
    for version, skills in tests:
        if rng.random() < 0.08:  # never started: shows as "niet getoetst"
            continue
        base = rng.choice((1, 2, 2, 3, 3, 3))
        for attempt_no in range(rng.choice((1, 1, 2, 2, 3))):
            when = start + timedelta(days=rng.randint(attempt_no * 100, min(364, attempt_no * 100 + 200)),
                                     hours=rng.randint(7, 16))
            if when > now:
                continue
            attempt = m.Attempt(organisation_id=org.id, person_id=person.id, test_version_id=version.id,
                                shuffle_seed=rng.randint(1, 10**6), status=m.AttemptStatus.SCORED,
                                started_at=when, submitted_at=when + timedelta(minutes=20),
                                scored_at=when + timedelta(minutes=20))
            planned.append((attempt, [(skill, max(1, min(4, base + attempt_no + rng.choice((-1, 0, 0, 0, 1)))))
                                      for skill in skills]))
    if not planned:
        return
    session.add_all([attempt for attempt, _levels in planned])
    session.flush()
    observations = [m.SkillObservation(attempt_id=attempt.id, person_id=person.id, skill_id=skill.id, level=level,
                                       observed_at=attempt.scored_at)
                    for attempt, levels in planned for skill, level in levels]
    session.add_all(observations)
    session.flush()
    by_skill: dict[int, list[m.SkillObservation]] = {}
    for observation in observations:
        by_skill.setdefault(observation.skill_id, []).append(observation)
    for skill_id, seen in by_skill.items():
        seen.sort(key=lambda o: (o.observed_at, o.id))
        first, last = seen[0], seen[-1]
        session.add(m.CurrentSkillLevel(person_id=person.id, skill_id=skill_id, level=last.level,
                                        observation_id=last.id, observed_at=last.observed_at,
                                        first_level=first.level, first_observed_at=first.observed_at))


def _exempt_untestable(session: Session, org: m.Organisation, people: list[tuple[m.Person, m.FunctionProfile]],
                       tests: dict, now: datetime, granted_by: m.Person | None) -> None:
    """A requirement no test measures yet cannot be met: HR exempts those people, with a reason and an end date."""
    skills = {s.code: s for s in session.scalars(select(m.Skill))}
    until = (now + timedelta(days=180)).date()
    for person, profile in people:
        measured = {skill.code for _version, found in tests.get(profile.id, []) for skill in found}
        for code in sorted(set(required_levels(session, profile)) - measured):
            if code in skills:
                session.add(m.Exemption(organisation_id=org.id, person_id=person.id, skill_id=skills[code].id,
                                        reason="Er is nog geen digi-toets voor deze vaardigheid.", until=until,
                                        granted_by_id=granted_by.id if granted_by else None))


def _snapshots(session: Session, org: m.Organisation, today: date) -> None:
    """The 12 past months' snapshots, as `digitoets hr snapshot` would have taken them at each month's end."""
    month = today.replace(day=1)
    for _ in range(12):
        month = (month - timedelta(days=1)).replace(day=1)
        if session.scalar(select(m.ComplianceSnapshotRun.id).where(m.ComplianceSnapshotRun.organisation_id == org.id,
                                                                   m.ComplianceSnapshotRun.month == month)):
            continue
        end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        run = m.ComplianceSnapshotRun(organisation_id=org.id, month=month)
        session.add(run)
        session.flush()
        rows = compliance_trend.snapshot_rows(session, org, month, end, today)
        run.snapshots.extend(rows)
        run.groups = len(rows)
    session.flush()
