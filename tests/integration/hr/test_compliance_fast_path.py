"""The dashboard's fast path (observed rows only, "not tested" by subtraction) against the reference.

The reference is :func:`compliance_sql.status_select`: every person with every requirement of
their function (what the person views and exports read), tallied per person in Python, pooled
with the same blocks and rolled up with :func:`mappings.compliance.rollup`. Both must give the
same headcount, people meeting all, split per requirement and tests to take, for every level,
filters and a past day, on a population with every status, HR rows without a launch (one with
an exemption), people without a function, open help requests and an organisation-wide validity.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mappings import compliance as rules
from service import models as m
from service.operations import compliance as c
from service.operations import compliance_sql as q
from tests.support.compliance_org import TODAY, Builder, at

SKILLS = ("ecd-rapporteren", "wachtwoord-veilig", "ecd-zoeken")


def vary(session, built, seed: int) -> None:
    """Add 60 people with random functions, teams, results, exemptions and help requests."""
    rng = random.Random(seed)
    b = Builder(session)
    org = built.organisation
    teams = list(built.teams.values())
    hr_without_launch = []
    for n in range(60):
        team = rng.choice(teams + [None])
        function = rng.choice(["verzorgende-ig", "verzorgende-ig", "helpende", None])
        kind = rng.random()
        if kind < 0.15:  # in the HR file, never launched
            hr_without_launch.append(b.hr(org, f"V{n}", team=team, function=function))
            continue
        person = b.person(org, f"v{n}", team=team, function=function or "helpende")
        if kind < 0.7:
            b.hr(org, f"V{n}", person=person, team=team, function=function)
        for _ in range(rng.randrange(4)):
            moment = at(2024, 1, 1) + timedelta(days=rng.randrange(1050), hours=rng.randrange(8))
            b.level(person, rng.choice(SKILLS), rng.randrange(5), moment)
        if rng.random() < 0.25:
            session.add(m.Exemption(organisation_id=org.id, person_id=person.id, skill_id=built.skills[rng.choice(SKILLS)],
                                    reason="test", until=TODAY + timedelta(days=rng.randrange(-40, 40))))
        if rng.random() < 0.25:
            b.help_request(person, rng.choice(SKILLS))
    for record in hr_without_launch[::2]:
        session.add(m.Exemption(organisation_id=org.id, hr_record_id=record.id,
                                skill_id=built.skills["wachtwoord-veilig"], reason="test", until=date(2027, 6, 1)))
    session.flush()


def reference(session, organisation, *, today, level, filters, teams=None):
    """Group figures from the per-person reference rows (see the module docstring)."""
    day = filters.as_of or today
    as_of = None if day >= today else day
    dialect = session.get_bind().dialect.name
    covering = c._covering(session)
    bits = {test: 1 << n for n, test in enumerate(sorted({test for *_, test in covering}))}
    masks: dict = {}
    for profile, skill, test in covering:
        masks[(profile, skill)] = masks.get((profile, skill), 0) | bits[test]
    req = q.requirement_table(dialect, q.requirement_rows(session, organisation, day), masks)
    rows = q.status_select(organisation, req, day, as_of).subquery("st")
    people: dict[int, dict] = {}
    for row in session.execute(select(rows.c.key, rows.c.location_id, rows.c.team_id, rows.c.profile_id,
                                      rows.c.skill_id, rows.c.status, rows.c.base, rows.c.test_mask)):
        person = people.setdefault(row.key, {"cell": (row.location_id, row.team_id, row.profile_id), "rows": []})
        if row.skill_id is not None:
            person["rows"].append(row)
    tallies: dict[tuple, rules.Tally] = {}
    for person in people.values():
        found = person["rows"]
        due = 0
        for row in found:
            if row.base in (rules.Status.NOT_TESTED.value, rules.Status.EXPIRED.value):
                due |= row.test_mask
        tally = rules.Tally(1, int(person["cell"][2] is not None and all(r.status in c.MEETS for r in found)),
                            Counter((r.skill_id, r.status) for r in found),
                            {test: 1 for test, bit in bits.items() if due & bit})
        cell = person["cell"]
        tallies[cell] = tallies[cell] + tally if cell in tallies else tally
    labels = c.cells(session, organisation, day).labels
    return {key: (t.headcount, t.all_met, dict(t.statuses), dict(t.tests))
            for key, t in rules.rollup(tallies, labels, c.scope_of(filters, teams), level).items()}


def fast(board: c.Dashboard) -> dict:
    return {g.key: (g.headcount, g.all_met, {(s.skill_id, status): n for s in g.requirements
                                             for status, n in s.counts.items()},
                    {t.test_id: t.people for t in g.tests_to_take}) for g in board.groups}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fast_path_and_the_reference_agree(database, hr_org, seed, monkeypatch):
    if seed == 1:  # as for a large organisation: on PostgreSQL the temporary tables
        monkeypatch.setattr(q, "TEMPORARY_FROM", 0)
    built = hr_org.built
    with database.begin() as session:
        vary(session, built, seed)
        organisation = session.get(m.Organisation, built.organisation.id)
        organisation.min_group_size = 3
        if seed == 2:  # every result valid a year, and a longer expiring-soon window
            organisation.valid_months, organisation.expiring_days = 12, 120
        l1, t1 = built.locations["L1"], built.teams["T1"]
        views = [(level, c.Filters()) for level in rules.LEVELS] + [
            ("team", c.Filters(location_ids=frozenset({l1}))),
            ("function", c.Filters(team_ids=frozenset({t1}))),
            ("function", c.Filters(profile_ids=frozenset({built.profiles["vig"]}))),
            ("team", c.Filters(as_of=date(2026, 2, 15))),
            ("location", c.Filters(as_of=date(2025, 6, 30))),
        ]
        compared, statuses, tests = 0, set(), 0
        for level, filters in views:
            board = c.dashboard(session, organisation, today=TODAY, level=level, filters=filters)
            expected = reference(session, organisation, today=TODAY, level=level, filters=filters)
            assert fast(board) == expected, (level, filters)
            compared += len(expected)
            statuses |= {status for group in expected.values() for (_skill, status) in group[2]}
            tests += sum(sum(group[3].values()) for group in expected.values())
        manager = session.get(m.Person, built.people["manager"])
        teams = c.viewer_teams(session, manager)
        board = c.dashboard(session, organisation, today=TODAY, level="function", teams=teams)
        assert fast(board) == reference(session, organisation, today=TODAY, level="function", filters=c.Filters(),
                                        teams=teams)
    # the comparison saw many groups, every status, and tests still to take
    assert compared > 20
    assert statuses == {status.value for status in rules.Status}
    assert tests > 0
