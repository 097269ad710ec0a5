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

from sqlalchemy import Integer, String, case, func, literal, select, union_all
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


def cells(session: Session, organisation: m.Organisation, day: date, pop=None) -> Cells:
    """Count the population (or ``pop``, the same rows) per cell and pool them into blocks (one small query)."""
    pop = pop if pop is not None else q.population(organisation, day)
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
    big = q.large(session, organisation)
    layout = cells(session, organisation, day)
    groups_of = rules.assign(layout.labels, scope_of(filters, teams), level)
    keys = sorted(set(groups_of.values()), key=repr)
    numbers = {group: number for number, group in enumerate(keys)}
    tallies = _tallies(session, organisation, day, None if day >= today else day, layout,
                       {cell: numbers[group] for cell, group in groups_of.items()}, big) if keys else {}
    return _assemble(level, day, filters, organisation.min_group_size,
                     {key: tallies[numbers[key]] for key in keys if numbers[key] in tallies}, _names(session))


def _assemble(level: str, day: date, filters: Filters, min_group_size: int, tallies: dict[tuple, rules.Tally],
              names: Names) -> Dashboard:
    """The view from each shown group's figures (group key -> tally); the total is their sum."""
    made = [_group(level, key, tally, names) for key, tally in tallies.items()]
    made.sort(key=lambda g: (g.pooled, g.name is None, g.name or "", repr(g.key)))
    total = sum(tallies.values(), rules.Tally()) if tallies else None
    return Dashboard(level, day, filters, min_group_size,
                     _group("organisation", (), total, names) if total else None, tuple(made))


@dataclass(frozen=True)
class Blocks:
    """Every shown block's figures on one day (label -> tally): any view of that day is a sum of them.

    Only for computing several views at once (the stored figures of
    :mod:`service.operations.hr_dashboard_cache`); it is never shown or stored itself.
    """

    day: date
    min_group_size: int
    tallies: Mapping[tuple, rules.Tally]
    names: Names


def blocks(session: Session, organisation: m.Organisation, *, today: date) -> Blocks:
    """The figures of every block today, in the statements of one function-level view."""
    layout = cells(session, organisation, today)
    labels = sorted({label for label in layout.labels.values() if label is not None}, key=repr)
    numbers = {label: number for number, label in enumerate(labels)}
    groups_of = {cell: numbers[label] for cell, label in layout.labels.items() if label is not None}
    tallies = _tallies(session, organisation, today, None, layout, groups_of, q.large(session, organisation)) \
        if labels else {}
    return Blocks(today, organisation.min_group_size,
                  {label: tallies[numbers[label]] for label in labels if numbers[label] in tallies}, _names(session))


def from_blocks(found: Blocks, *, level: str, filters: Filters = Filters()) -> Dashboard:
    """The view :func:`dashboard` gives for today (``filters.as_of`` None, all teams), summed from the blocks.

    Raises:
        ValueError: for an unknown level or a filter on another day.
    """
    if level not in rules.LEVELS or filters.as_of is not None:
        raise ValueError(f"not a view of today: {level!r} {filters!r}")
    scope = scope_of(filters, None)
    sums: dict[tuple, rules.Tally] = {}
    for label, tally in found.tallies.items():
        if scope.admits(label):
            key = rules.group_of(label, level)
            sums[key] = sums[key] + tally if key in sums else tally
    return _assemble(level, found.day, filters, found.min_group_size, dict(sorted(sums.items(), key=lambda kv: repr(kv[0]))),
                     found.names)


def _tallies(session: Session, organisation: m.Organisation, day: date, as_of: date | None, layout: Cells,
             groups_of: dict[tuple, int], big: bool) -> dict[int, rules.Tally]:
    """Per group number: headcount, people meeting all, (skill, status) counts and tests due.

    The database only sees the requirements somebody has a result, exemption or open help
    request for (:func:`compliance_sql.observed_select`); everything else is "not tested", so it
    is counted by subtraction from the cell sizes. Two grouped queries return a few thousand
    rows: the (group, skill, status) counts, and per (group, function) the people meeting all
    and, per test, the people who still have to take it.
    """
    dialect = session.get_bind().dialect.name
    requirements = q.requirement_rows(session, organisation, day)
    required: dict[int, list[int]] = {}
    for r in requirements:
        required.setdefault(r.profile_id, []).append(r.skill_id)
    covering = _covering(session)
    tests = sorted({test for *_, test in covering})
    bits = {test: 1 << n for n, test in enumerate(tests)}
    masks: dict[tuple[int, int], int] = {}
    for profile, skill, test in covering:
        if skill in required.get(profile, ()):
            masks[(profile, skill)] = masks.get((profile, skill), 0) | bits[test]
    # per function: how many requirements it has, and per test how many of them that test measures
    need = {profile: [len(skills)] + [sum(1 for skill in skills if masks.get((profile, skill), 0) & bits[test])
                                      for test in tests]
            for profile, skills in required.items()}
    req = q.requirement_table(dialect, requirements, masks)
    pop = q.scoped_population(session, organisation, day, q.cell_table(dialect, groups_of), big=big)
    if big:  # known to hold a few hundred rows: joined after each person's results
        req = q.temporary(session, "hr_requirements", req)
    # the observed rows once (a materialised CTE), then two groupings of them in one statement
    rows = q.observed_select(organisation, req, day, as_of, pop).cte("st").prefix_with("MATERIALIZED")
    good = rows.c.base.not_in(DUE)
    per_person = select(  # per person: requirements met; per test, the ones it measures that are not due
        rows.c.group_no, rows.c.profile_id,
        func.sum(case((rows.c.status.in_(MEETS), 1), else_=0)).label("met"),
        *(func.sum(case((good & (rows.c.test_mask.op("&")(bit) != 0), 1), else_=0)).label(f"t{n}")
          for n, bit in enumerate(bits.values())),
    ).group_by(rows.c.group_no, rows.c.profile_id, rows.c.key).subquery("pp")
    wanted = q.rows_table(dialect, "need", {"profile_id": Integer(), "n": Integer(),
                                            **{f"t{n}": Integer() for n in range(len(tests))}},
                          [(profile, *values) for profile, values in need.items()])
    nothing = literal(None, Integer())
    splits = select(literal(0).label("kind"), rows.c.group_no, nothing.label("profile_id"), rows.c.skill_id,
                    rows.c.status, func.count(), nothing.label("met"), *(nothing for _ in tests)) \
        .group_by(rows.c.group_no, rows.c.skill_id, rows.c.status)
    people = select(literal(1).label("kind"), per_person.c.group_no, per_person.c.profile_id, nothing,
                    literal(None, String()), func.count(),
                    func.sum(case((per_person.c.met == wanted.c.n, 1), else_=0)),
                    *(func.sum(case((per_person.c[f"t{n}"] < wanted.c[f"t{n}"], 1), else_=0))
                      for n in range(len(tests)))) \
        .join(wanted, wanted.c.profile_id == per_person.c.profile_id) \
        .group_by(per_person.c.group_no, per_person.c.profile_id)
    counts: dict[int, dict] = {}
    present: dict[tuple[int, int], tuple] = {}
    with q.joins_as_written(session):
        for kind, number, profile, skill, status, n, *row in session.execute(union_all(splits, people)):
            if kind == 0:
                counts.setdefault(number, {})[(skill, status)] = n
            else:
                present[(number, profile)] = (n, *row)

    tallies: dict[int, rules.Tally] = {}
    sizes: dict[tuple[int, int | None], int] = {}
    for cell, number in groups_of.items():
        sizes[(number, cell[2])] = sizes.get((number, cell[2]), 0) + layout.sizes[cell]
    for (number, profile), size in sizes.items():
        found, met, *due = present.get((number, profile), (0, 0, *([0] * len(tests))))
        absent = size - found  # nothing but "not tested": they meet all only with no requirements
        wants = need.get(profile, [0] * (len(tests) + 1))
        statuses = {}
        for skill in required.get(profile, ()):
            statuses[(skill, rules.Status.NOT_TESTED.value)] = size
        tally = rules.Tally(size, (met or 0) + (absent if profile is not None and not wants[0] else 0), statuses,
                            {test: (due[n] or 0) + (absent if wants[n + 1] else 0)
                             for n, test in enumerate(tests) if (due[n] or 0) + (absent if wants[n + 1] else 0)})
        tallies[number] = tallies[number] + tally if number in tallies else tally
    result = {}
    for number, tally in tallies.items():
        statuses = dict(tally.statuses)
        for (skill, status), n in counts.get(number, {}).items():
            statuses[(skill, rules.Status.NOT_TESTED.value)] -= n
            statuses[(skill, status)] = statuses.get((skill, status), 0) + n
        result[number] = rules.Tally(tally.headcount, tally.all_met, {k: n for k, n in statuses.items() if n},
                                     tally.tests)
    return result


def _covering(session: Session) -> list[tuple[int, int, int]]:
    """(profile, skill, test) for every active test whose current version is made for the profile and measures the skill."""
    v = m.TestVersion
    current = (select(v.digi_test_id, func.max(v.number).label("number")).group_by(v.digi_test_id)
               .subquery("current"))
    found = session.execute(
        select(m.test_version_profiles.c.function_profile_id, m.ItemSkill.skill_id, m.DigiTest.id).distinct()
        .join(v, v.digi_test_id == m.DigiTest.id)
        .join(current, (current.c.digi_test_id == v.digi_test_id) & (current.c.number == v.number))
        .join(m.test_version_profiles, m.test_version_profiles.c.test_version_id == v.id)
        .join(m.Item, m.Item.test_version_id == v.id)
        .join(m.ItemSkill, m.ItemSkill.item_id == m.Item.id)
        .where(m.DigiTest.active))
    return sorted(tuple(row) for row in found)


@dataclass(frozen=True)
class Names:
    locations: Mapping[int, str]
    teams: Mapping[int, str]
    profiles: Mapping[int, str]
    skills: Mapping[int, tuple[str, str]]
    tests: Mapping[int, tuple[str, str]]


def _names(session: Session) -> Names:
    v = m.TestVersion
    current = (select(v.digi_test_id, func.max(v.number).label("number")).group_by(v.digi_test_id)
               .subquery("current"))
    tests = {test: (code, title if title is not None else application) for test, code, application, title in
             session.execute(select(m.DigiTest.id, m.DigiTest.code, m.DigiTest.application, v.title)
                             .outerjoin(current, current.c.digi_test_id == m.DigiTest.id)
                             .outerjoin(v, (v.digi_test_id == current.c.digi_test_id) & (v.number == current.c.number)))}
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
