"""Seed a large organisation for the HR dashboard benchmark: PostgreSQL COPY, a year of attempts.

The shape: ``employees`` people over 20 locations and 400 teams, 8 functions that each ask all
40 skills (levels 1-2, a quarter of them valid 12 or 24 months), 4 digi-toetsen of 10 skills.
Each person took each test with chance 0.85 somewhere in the past year and retook it with chance
0.3; 4% of HR rows have no launch yet, 2% left; some open help requests and exemptions.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from service import models as m
from service.db import Database

SKILLS, THEMES, FUNCTIONS, TESTS = 40, 5, 8, 4
LOCATIONS, TEAMS = 20, 400
ISSUER = "https://lms.bench"


@dataclass
class Seeded:
    organisation_id: int
    location_ids: list[int]
    team_ids: list[int]
    profile_ids: list[int]
    today: date


def seed_content(session) -> tuple[list[int], list[int], list[int]]:
    """Themes, skills, function profiles and tests via the ORM (small); returns skill, profile and test ids."""
    skills = []
    for t in range(THEMES):
        theme = m.Theme(code=f"thema-{t}", name=f"Thema {t}", description="", position=t)
        session.add(theme)
        for s in range(SKILLS // THEMES):
            skill = m.Skill(theme=theme, code=f"skill-{t}-{s}", name=f"Vaardigheid {t}.{s}", description="",
                            position=s)
            session.add(skill)
            skills.append(skill)
    profiles = []
    rng = random.Random(1)
    for f in range(FUNCTIONS):
        profile = m.FunctionProfile(code=f"functie-{f}", name=f"Functie {f}", description="", hr_codes=[f"F{f}"])
        for position, skill in enumerate(skills):
            recertify = rng.choice([None, None, None, 12, 24][: 5 if position % 4 == 0 else 3])
            profile.requirements.append(m.Requirement(skill=skill, min_level=1 + (position + f) % 2,
                                                      recertify_months=recertify, position=position))
        session.add(profile)
        profiles.append(profile)
    session.flush()
    tests = []
    for n in range(TESTS):
        test = m.DigiTest(code=f"toets-{n}", application=f"Toets {n}", function_level="basis")
        version = m.TestVersion(test=test, number=1, content_hash=f"{n:064d}", title=f"Toets {n}", description="",
                                minutes=10, pass_ratio=0.6, profiles=profiles)
        for i, skill in enumerate(skills[n * 10:(n + 1) * 10]):
            item = m.Item(code=f"t{n}-{i}", position=i, type="single", prompt="?", data={}, feedback="")
            item.skills.append(m.ItemSkill(skill=skill, level=2, weight=1.0))
            version.items.append(item)
        session.add_all([test, version])
        tests.append(version)
    session.flush()
    return [s.id for s in skills], [p.id for p in profiles], [v.id for v in tests]


def _copy(connection, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def seed(database: Database, employees: int, today: date, seed_value: int = 7) -> Seeded:
    """Fill an empty, migrated PostgreSQL database; returns the ids the benchmark filters on."""
    rng = random.Random(seed_value)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    with database.begin() as session:
        skill_ids, profile_ids, version_ids = seed_content(session)
        org = m.Organisation(slug="bench", name="Bench Zorg", hr_person_view=True, min_group_size=5)
        session.add(org)
        session.flush()
        locations = [m.Location(organisation_id=org.id, code=f"L{n}", name=f"Locatie {n:02d}") for n in range(LOCATIONS)]
        session.add_all(locations)
        session.flush()
        teams = [m.Team(organisation_id=org.id, code=f"T{n}", name=f"Team {n:03d}",
                        location_id=locations[n % LOCATIONS].id) for n in range(TEAMS)]
        session.add_all(teams)
        session.flush()
        seeded = Seeded(org.id, [x.id for x in locations], [t.id for t in teams], profile_ids, today)
        org_id = org.id
    raw = database.engine.raw_connection()
    try:
        conn = raw.driver_connection
        people, assignments, records = [], [], []
        for pid in range(1, employees + 1):
            team = seeded.team_ids[rng.randrange(TEAMS)]
            profile = profile_ids[rng.randrange(FUNCTIONS)]
            linked = rng.random() >= 0.04  # the others never launched: an HR row only
            if linked:
                people.append((pid, org_id, ISSUER, f"u{pid}", uuid.uuid4(), team, now - timedelta(days=400),
                               f"P{pid}"))
                assignments.append((pid, profile, "hr_import", now - timedelta(days=400), False))
            left = now - timedelta(days=30) if rng.random() < 0.02 else None
            records.append((org_id, f"P{pid}", profile, team, None, f"M{team}", pid if linked else None, left, now))
        _copy(conn, "people", ("id", "organisation_id", "issuer", "subject", "pseudonym", "team_id", "created_at",
                               "personnel_number"), people)
        _copy(conn, "function_assignments", ("person_id", "function_profile_id", "source", "valid_from", "is_default"),
              assignments)
        _copy(conn, "hr_records", ("organisation_id", "personnel_number", "function_profile_id", "team_id",
                                   "location_id", "manager_number", "person_id", "left_at", "updated_at"), records)
        linked_people = [r[6] for r in records if r[6] is not None]
        attempts = []
        ability = {pid: rng.gauss(2.6, 0.6) for pid in linked_people}
        for pid in linked_people:
            for n, version in enumerate(version_ids):
                if rng.random() >= 0.85:
                    continue
                first = now - timedelta(days=rng.randrange(10, 365), minutes=rng.randrange(1440))
                retake = [first + timedelta(days=rng.randrange(1, 10))] if rng.random() < 0.3 else []
                attempts.extend((pid, n, version, moment) for moment in [first, *retake])
        _copy(conn, "attempts", ("id", "registration", "organisation_id", "person_id", "test_version_id", "status",
                                 "shuffle_seed", "started_at", "submitted_at", "scored_at"),
              ((number, uuid.uuid4(), org_id, pid, version, "scored", 1, moment, moment, moment)
               for number, (pid, _n, version, moment) in enumerate(attempts, start=1)))
        _copy(conn, "skill_observations", ("attempt_id", "person_id", "skill_id", "level", "evidence_count",
                                           "observed_at"),
              ((number, pid, skill, min(4, max(0, round(ability[pid] + rng.gauss(0, 0.5)))), 1, moment)
               for number, (pid, n, _version, moment) in enumerate(attempts, start=1)
               for skill in skill_ids[n * 10:(n + 1) * 10]))
        with conn.cursor() as cursor:  # the summary table, as scoring keeps it: latest and first per skill
            cursor.execute("""
                INSERT INTO current_skill_levels
                    (person_id, skill_id, level, observation_id, observed_at, first_level, first_observed_at)
                SELECT DISTINCT ON (person_id, skill_id) person_id, skill_id, level, id, observed_at,
                       first_value(level) OVER w, first_value(observed_at) OVER w
                FROM skill_observations
                WINDOW w AS (PARTITION BY person_id, skill_id ORDER BY observed_at, id)
                ORDER BY person_id, skill_id, observed_at DESC, id DESC""")
        helped = rng.sample(linked_people, min(len(linked_people), employees // 20))
        _copy(conn, "help_requests", ("uuid", "organisation_id", "person_id", "skill_id", "status", "priority",
                                      "created_at"),
              ((uuid.uuid4(), org_id, pid, rng.choice(skill_ids), "new", "normaal", now - timedelta(days=5))
               for pid in helped))
        exempt = rng.sample(linked_people, min(len(linked_people), employees // 100))
        _copy(conn, "exemptions", ("organisation_id", "person_id", "skill_id", "reason", "until", "granted_at"),
              ((org_id, pid, rng.choice(skill_ids), "bench", today + timedelta(days=90), now) for pid in exempt))
        with conn.cursor() as cursor:
            for table in ("people", "attempts"):
                cursor.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))").text)
            cursor.execute("ANALYZE")
        conn.commit()
    finally:
        raw.close()
    return seeded
