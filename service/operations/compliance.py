"""The HR dashboard: per organisation, location, team and function, who meets their function's levels.

Everything is computed in a few grouped SQL queries (:mod:`service.operations.compliance_sql`)
and one pass in Python over the cells (location, team, function); never per person. What may be
shown follows :func:`mappings.compliance.release`: figures are sums of whole blocks of at least
the organisation's ``min_group_size`` people, so no filter, drill-down or manager scope can
single out a smaller group. The results are plain frozen dataclasses for the web screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, case, func, select, tuple_
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.operations import compliance_sql as q
from service.operations.hr_import.links import managed_team_ids

MEETS = tuple(s.value for s in rules.MEETS)
DUE = (rules.Status.NOT_TESTED.value, rules.Status.EXPIRED.value)


@dataclass(frozen=True)
class Filters:
    """What the viewer filtered on (None: everything) and the day the figures stand on (None: today)."""

    location_ids: frozenset[int] | None = None
    team_ids: frozenset[int] | None = None
    profile_ids: frozenset[int] | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class Split:
    """One requirement in a group: people per status, and the dashboard's four-way split."""

    skill_id: int
    skill_code: str
    skill_name: str
    counts: Mapping[str, int]

    def _sum(self, split: str) -> int:
        return sum(n for status, n in self.counts.items() if rules.SPLIT[rules.Status(status)] == split)

    @property
    def met(self) -> int:
        return self._sum("met")

    @property
    def not_met(self) -> int:
        return self._sum("not_met")

    @property
    def not_tested(self) -> int:
        return self._sum("not_tested")

    @property
    def expired(self) -> int:
        return self._sum("expired")

    @property
    def exempt(self) -> int:
        return self._sum("exempt")


@dataclass(frozen=True)
class TestToTake:
    """A digi-toets people of the group still have to take (a requirement it measures is untested or expired)."""

    test_id: int
    code: str
    title: str
    people: int


@dataclass(frozen=True)
class Group:
    """A shown group. ``key`` holds ids per level; ``rules.OTHER`` is a pooled "overig", None "geen"."""

    level: str
    key: tuple
    name: str | None
    headcount: int
    all_met: int
    requirements: tuple[Split, ...]
    tests_to_take: tuple[TestToTake, ...]

    @property
    def percent_met(self) -> float:
        return round(100 * self.all_met / self.headcount, 1) if self.headcount else 0.0

    @property
    def pooled(self) -> bool:
        return bool(self.key) and self.key[-1] is rules.OTHER


@dataclass(frozen=True)
class Dashboard:
    """The figures of one view: the selection's total and its groups at one level (empty: too few people)."""

    level: str
    as_of: date
    filters: Filters
    min_group_size: int
    total: Group | None
    groups: tuple[Group, ...]


def viewer_teams(session: Session, viewer: m.Person) -> frozenset[int] | None:
    """The teams a viewer may see: None (all) for HR and organisation admins, a manager's own teams, else none."""
    if viewer.has_role(m.ToolRole.HR) or viewer.has_role(m.ToolRole.ORG_ADMIN):
        return None
    if viewer.has_role(m.ToolRole.MANAGER):
        return frozenset(managed_team_ids(session, viewer))
    return frozenset()


def scope_of(filters: Filters, teams: frozenset[int] | None) -> rules.Scope:
    """The block filter for a viewer's filters within the teams they may see."""
    wanted = filters.team_ids if teams is None else (teams if filters.team_ids is None else filters.team_ids & teams)
    return rules.Scope(filters.location_ids, wanted, filters.profile_ids)


@dataclass(frozen=True)
class Cells:
    """The population in cells, and the label of the block each cell is shown in."""

    day: date
    sizes: Mapping[tuple, int]
    labels: Mapping[tuple, tuple | None]


def cells(session: Session, organisation: m.Organisation, day: date) -> Cells:
    """Count the population per (location, team, function) and pool it into blocks (one small query)."""
    pop = q.population(organisation, day)
    rows = session.execute(select(pop.c.location_id, pop.c.team_id, pop.c.profile_id, func.count())
                           .group_by(pop.c.location_id, pop.c.team_id, pop.c.profile_id))
    sizes = {(loc, team, profile): n for loc, team, profile, n in rows}
    labels = rules.release([rules.Cell(*key, n) for key, n in sizes.items()], organisation.min_group_size)
    return Cells(day, sizes, labels)


def dashboard(session: Session, organisation: m.Organisation, *, today: date, level: str = "location",
              filters: Filters = Filters(), teams: frozenset[int] | None = None) -> Dashboard:
    """The dashboard at one level of organisation -> location -> team -> function.

    Args:
        today: The current day (expiry and exemptions are counted from it, or from ``filters.as_of``).
        level: ``organisation``, ``location``, ``team`` or ``function``.
        filters: Locations, teams, functions and the day to look at.
        teams: The teams the viewer may see (:func:`viewer_teams`); None for all.

    Raises:
        ValueError: for an unknown level.
    """
    if level not in rules.LEVELS:
        raise ValueError(f"unknown level {level!r}")
    day = filters.as_of or today
    layout = cells(session, organisation, day)
    groups_of = rules.assign(layout.labels, scope_of(filters, teams), level)
    keys = sorted(set(groups_of.values()), key=repr)
    numbers = {group: number for number, group in enumerate(keys)}
    tallies = _tallies(session, organisation, day, None if day >= today else day,
                       {cell: numbers[group] for cell, group in groups_of.items()}) if keys else {}
    names = _names(session)
    made = [_group(level, key, tallies[numbers[key]], names) for key in keys if numbers[key] in tallies]
    made.sort(key=lambda g: (g.pooled, g.name is None, g.name or "", repr(g.key)))
    total = sum(tallies.values(), rules.Tally()) if tallies else None
    return Dashboard(level, day, filters, organisation.min_group_size,
                     _group("organisation", (), total, names) if total else None, tuple(made))


def _tallies(session: Session, organisation: m.Organisation, day: date, as_of: date | None,
             groups_of: dict[tuple, int]) -> dict[int, rules.Tally]:
    """Per group number: headcount, people meeting all, (skill, status) counts and tests due.

    Grouped in SQL by the group each cell belongs to, so a few thousand rows come back, not one
    per person and requirement.
    """
    dialect = session.get_bind().dialect.name
    covering = _covering(session)
    bits = {test: 1 << n for n, test in enumerate(sorted({test for *_, test in covering}))}
    masks: dict[tuple[int, int], int] = {}
    for profile, skill, test in covering:
        masks[(profile, skill)] = masks.get((profile, skill), 0) | bits[test]
    req = q.requirement_table(dialect, q.requirement_rows(session, organisation, day), masks)
    pop = q.scoped_population(session, organisation, day, q.cell_table(dialect, groups_of))
    rows = q.status_select(organisation, req, day, as_of, pop).subquery("st")
    group = rows.c.group_no
    ok = case((rows.c.status.in_(MEETS), 1), (rows.c.status.is_(None) & rows.c.profile_id.is_not(None), 1), else_=0)
    due = case((rows.c.base.in_(DUE), rows.c.test_mask), else_=0)
    counts: dict[int, dict] = {}
    people: dict[int, list] = {}
    tests: dict[int, dict] = {}
    if dialect == "postgresql" and len(bits) < 63:
        # one pass: the (group, skill, status) counts and, per person, "meets all" and the tests due
        result = session.execute(
            select(group, rows.c.skill_id, rows.c.status, rows.c.key, func.grouping(rows.c.key), func.count(),
                   func.min(ok), func.bit_or(due))
            .group_by(func.grouping_sets(tuple_(group, rows.c.skill_id, rows.c.status), tuple_(group, rows.c.key))))
        per_person = ((number, met, mask) for number, _skill, _status, _key, rolled, _n, met, mask in
                      (_count(counts, row) for row in result) if not rolled)
    else:
        for number, skill, status, n in session.execute(
                select(group, rows.c.skill_id, rows.c.status, func.count()).group_by(group, rows.c.skill_id,
                                                                                     rows.c.status)):
            _count(counts, (number, skill, status, None, 1, n, None, None))
        per_person = session.execute(select(group, func.min(ok), func.max(rows.c.key)).group_by(rows.c.key, group))
        per_person = ((number, met, None) for number, met, _key in per_person)
        tests = _tests_due(session, dialect, rows, covering)
    by_bit = {bit: test for test, bit in bits.items()}
    for number, met, mask in per_person:
        tally = people.setdefault(number, [0, 0])
        tally[0], tally[1] = tally[0] + 1, tally[1] + (met or 0)
        while mask:
            bit = mask & -mask
            due_tests = tests.setdefault(number, {})
            due_tests[by_bit[bit]] = due_tests.get(by_bit[bit], 0) + 1
            mask ^= bit
    return {number: rules.Tally(n, met, counts.get(number, {}), tests.get(number, {}))
            for number, (n, met) in people.items()}


def _count(counts: dict, row: tuple) -> tuple:
    """Keep a (group, skill, status) count: a row whose person key is rolled up (GROUPING(key) = 1)."""
    number, skill, status, _key, rolled, n, *_ = row
    if rolled and skill is not None:
        counts.setdefault(number, {})[(skill, status)] = n
    return row


def _tests_due(session: Session, dialect: str, rows, covering: list) -> dict[int, dict]:
    """Per group, per test: the people with a requirement it measures that is untested or expired."""
    tests: dict[int, dict] = {}
    if not covering:
        return tests
    link = q.rows_table(dialect, "cover", {"profile_id": Integer(), "skill_id": Integer(), "test_id": Integer()},
                        covering)
    for number, test, n in session.execute(
            select(rows.c.group_no, link.c.test_id, func.count(rows.c.key.distinct()))
            .join(link, (link.c.profile_id == rows.c.profile_id) & (link.c.skill_id == rows.c.skill_id))
            .where(rows.c.base.in_(DUE)).group_by(rows.c.group_no, link.c.test_id)):
        tests.setdefault(number, {})[test] = n
    return tests


def _covering(session: Session) -> list[tuple[int, int, int]]:
    """(profile, skill, test) for every active test whose current version is made for the profile and measures the skill."""
    found = set()
    for test in session.scalars(select(m.DigiTest).where(m.DigiTest.active)):
        version = test.current_version
        if version is None:
            continue
        skills = {link.skill_id for item in version.items for link in item.skills}
        found |= {(profile.id, skill, test.id) for profile in version.profiles for skill in skills}
    return sorted(found)


@dataclass(frozen=True)
class Names:
    locations: Mapping[int, str]
    teams: Mapping[int, str]
    profiles: Mapping[int, str]
    skills: Mapping[int, tuple[str, str]]
    tests: Mapping[int, tuple[str, str]]


def _names(session: Session) -> Names:
    tests = {}
    for test in session.scalars(select(m.DigiTest)):
        version = test.current_version
        tests[test.id] = (test.code, version.title if version is not None else test.application)
    return Names(
        dict(session.execute(select(m.Location.id, m.Location.name)).all()),
        dict(session.execute(select(m.Team.id, m.Team.name)).all()),
        dict(session.execute(select(m.FunctionProfile.id, m.FunctionProfile.name)).all()),
        {i: (code, name) for i, code, name in session.execute(select(m.Skill.id, m.Skill.code, m.Skill.name))},
        tests,
    )


def _group(level: str, key: tuple, tally: rules.Tally, names: Names) -> Group:
    name = None
    if key and key[-1] is not rules.OTHER and key[-1] is not None:
        source = (names.locations, names.teams, names.profiles)[len(key) - 1]
        name = source.get(key[-1])
    by_skill: dict[int, dict[str, int]] = {}
    for (skill, status), n in tally.statuses.items():
        by_skill.setdefault(skill, {})[status] = n
    splits = tuple(Split(skill, *names.skills[skill], counts) for skill, counts in
                   sorted(by_skill.items(), key=lambda pair: names.skills[pair[0]][0]))
    tests = tuple(sorted((TestToTake(test, *names.tests[test], n) for test, n in tally.tests.items()),
                         key=lambda t: (-t.people, t.code)))
    return Group(level, key, name, tally.headcount, tally.all_met, splits, tests)
