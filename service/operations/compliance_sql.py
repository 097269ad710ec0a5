"""The SQL behind the compliance picture: who should meet what, and each status, for many people at once.

The statuses follow :func:`mappings.compliance.assess` exactly; only the date arithmetic is done
in Python first: per requirement the two cutoffs (:func:`mappings.compliance.expiry_cutoff`) turn
"expired" and "expiring soon" into plain comparisons the database can do for a million rows.

Who should meet requirements (the population) on a day:

* every HR record employed that day (linked to an LMS person or still waiting for one): HR's
  team and location; the function of the linked person's current assignment (which already
  follows the precedence of HR, LTI and self-choice), else HR's function;
* every LMS person without an HR record who is an employee (a roster learner or someone who
  launched): their team, and their function or the organisation's default function.

Only mandatory requirements count. People with no known function are counted but never meet all.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from mappings import compliance as rules
from service import models as m
from service.db import UTCDateTime
from service.operations.attempts import required_levels

OPEN_HELP = (m.HelpRequestStatus.NEW, m.HelpRequestStatus.CLAIMED, m.HelpRequestStatus.PLANNED)


@dataclass(frozen=True)
class RequirementRow:
    """One mandatory requirement of one function, with its expiry cutoffs as UTC midnights (None: no expiry)."""

    profile_id: int
    skill_id: int
    skill_code: str
    min_level: int
    expired_before: datetime | None
    expiring_before: datetime | None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def policy_of(organisation: m.Organisation) -> rules.Policy:
    return rules.Policy(expiring_days=organisation.expiring_days, valid_months=organisation.valid_months)


def requirement_rows(session: Session, organisation: m.Organisation, today: date) -> list[RequirementRow]:
    """Every function profile's mandatory requirements (themes expanded), with cutoffs for ``today``."""
    policy = policy_of(organisation)
    skills = dict(session.execute(select(m.Skill.code, m.Skill.id)).all())
    rows = []
    for profile in session.scalars(select(m.FunctionProfile).order_by(m.FunctionProfile.id)):
        for code, requirement in required_levels(session, profile).items():
            if not requirement.mandatory or code not in skills:
                continue
            months = rules.validity(rules.Rule(code, requirement.min_level, requirement.recertify_months), policy)
            expired = expiring = None
            if months is not None:
                expired = midnight(rules.expiry_cutoff(months, today))
                expiring = midnight(rules.expiry_cutoff(months, today + timedelta(days=policy.expiring_days)))
            rows.append(RequirementRow(profile.id, skills[code], code, requirement.min_level, expired, expiring))
    return rows


def rows_table(dialect: str, name: str, columns: dict, rows: list[tuple]):
    """A small constant table as a CTE: unnest() of arrays on PostgreSQL, UNION ALL of literal rows elsewhere."""
    if rows and dialect == "postgresql":  # one array parameter per column: quick to compile and to plan
        arrays = [bindparam(f"{name}_{col}", [row[i] for row in rows], type_=ARRAY(type_))
                  for i, (col, type_) in enumerate(columns.items())]
        table = func.unnest(*arrays).table_valued(*(column(col, type_) for col, type_ in columns.items())) \
            .render_derived(name=f"{name}_rows")
        return select(*table.c).cte(name)
    if not rows:
        empty = select(*(literal(None, type_).label(col) for col, type_ in columns.items())).where(literal(False))
        return empty.cte(name)
    selects = [select(*(literal(value, type_).label(col) for (col, type_), value in zip(columns.items(), row,
                                                                                      strict=True)))
               for row in rows]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).cte(name)


def requirement_table(dialect: str, rows: list[RequirementRow], masks: dict[tuple[int, int], int] | None = None):
    """The requirement rows as a CTE; ``masks`` gives per (profile, skill) a bit per test that measures it."""
    masks = masks or {}
    return rows_table(dialect, "req", {"profile_id": Integer(), "skill_id": Integer(), "min_level": Integer(),
                              "expired_before": UTCDateTime(), "expiring_before": UTCDateTime(),
                              "test_mask": BigInteger()},
                      [(r.profile_id, r.skill_id, r.min_level, r.expired_before, r.expiring_before,
                        masks.get((r.profile_id, r.skill_id), 0)) for r in rows])


def population(organisation: m.Organisation, day: date):
    """Who should meet their function's requirements on ``day``.

    Columns: key, person_id, number (personnel number), name, location_id, team_id, profile_id.

    ``key`` is the person id, or minus the HR record id for a record no launch has linked yet.
    """
    end = midnight(day + timedelta(days=1))
    open_fa = aliased(m.FunctionAssignment)
    team = aliased(m.Team)
    hr = m.HrRecord
    from_hr = (
        select(func.coalesce(hr.person_id, -hr.id).label("key"), hr.person_id.label("person_id"),
               hr.personnel_number.label("number"), hr.name.label("name"),
               func.coalesce(hr.location_id, team.location_id).label("location_id"), hr.team_id.label("team_id"),
               func.coalesce(open_fa.function_profile_id, hr.function_profile_id).label("profile_id"))
        .outerjoin(team, team.id == hr.team_id)
        .outerjoin(open_fa, and_(open_fa.person_id == hr.person_id, open_fa.valid_until.is_(None)))
        .where(hr.organisation_id == organisation.id,
               or_(hr.left_at.is_(None), hr.left_at >= end),
               or_(hr.employed_from.is_(None), hr.employed_from <= day),
               or_(hr.employed_until.is_(None), hr.employed_until >= day))
    )
    person = m.Person
    learner = exists().where(m.CourseMembership.person_id == person.id, m.CourseMembership.status == "Active")
    employee = exists().where(m.PersonRole.person_id == person.id, m.PersonRole.role == m.ToolRole.EMPLOYEE)
    team2, fa2 = aliased(m.Team), aliased(m.FunctionAssignment)
    without_hr = (
        select(person.id.label("key"), person.id.label("person_id"), person.personnel_number.label("number"),
               person.name.label("name"), team2.location_id.label("location_id"),
               person.team_id.label("team_id"),
               func.coalesce(fa2.function_profile_id, literal(organisation.default_function_profile_id, Integer()))
               .label("profile_id"))
        .outerjoin(team2, team2.id == person.team_id)
        .outerjoin(fa2, and_(fa2.person_id == person.id, fa2.valid_until.is_(None)))
        .where(person.organisation_id == organisation.id, person.pseudonymised_at.is_(None),
               person.created_at < end,
               ~exists().where(hr.person_id == person.id),
               or_(fa2.id.is_not(None), and_(learner, employee)))
    )
    return union_all(from_hr, without_hr).subquery("pop")


def levels(as_of: date | None):
    """The latest level per person and skill: the summary table now, or the observations up to a past day."""
    if as_of is None:
        c = m.CurrentSkillLevel
        return select(c.person_id, c.skill_id, c.level, c.observed_at).subquery("lvl")
    o = m.SkillObservation
    ranked = (select(o.person_id, o.skill_id, o.level, o.observed_at,
                     func.row_number().over(partition_by=(o.person_id, o.skill_id),
                                            order_by=(o.observed_at.desc(), o.id.desc())).label("rn"))
              .where(o.observed_at < midnight(as_of + timedelta(days=1))).subquery("ranked"))
    return select(ranked.c.person_id, ranked.c.skill_id, ranked.c.level, ranked.c.observed_at) \
        .where(ranked.c.rn == 1).subquery("lvl")


#: stands for NULL in a cell key inside SQL joins (ids are positive), so the join can hash
NONE = -1


def cell_table(dialect: str, groups_of: dict[tuple, int]):
    """(location_id, team_id, profile_id) -> group_no for the cells to count; NULL ids as :data:`NONE`."""
    return rows_table(dialect, "cellmap", {"location_id": Integer(), "team_id": Integer(), "profile_id": Integer(),
                                           "group_no": Integer()},
                      [tuple(NONE if v is None else v for v in cell) + (number,) for cell, number in groups_of.items()])


#: from this many HR records and people on, an organisation's figures are computed on temporary tables
TEMPORARY_FROM = 2000


def large(session: Session, organisation: m.Organisation) -> bool:
    """True on PostgreSQL for an organisation big enough to gain from temporary tables (two index counts).

    A temporary table costs a few statements (create, fill, analyse); for a few hundred people
    the planner does as well without it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    records = select(func.count()).select_from(m.HrRecord).where(m.HrRecord.organisation_id == organisation.id)
    people = select(func.count()).select_from(m.Person).where(m.Person.organisation_id == organisation.id)
    return session.scalar(select(records.scalar_subquery() + people.scalar_subquery())) >= TEMPORARY_FROM


def scoped_population(session: Session, organisation: m.Organisation, day: date, cells, pop=None,
                      big: bool = True):
    """The population of the counted cells with their ``group_no``; on PostgreSQL a temporary table.

    PostgreSQL cannot estimate how many people the cells keep (the join is on expressions), and
    with a guess of a few rows it plans a nested loop over a million requirement rows. An
    analysed temporary table (dropped at commit) gives it the real count, and it hashes instead.
    """
    pop = pop if pop is not None else population(organisation, day)
    scoped = (select(pop, cells.c.group_no).join(cells, and_(
        func.coalesce(pop.c.location_id, NONE) == cells.c.location_id,
        func.coalesce(pop.c.team_id, NONE) == cells.c.team_id,
        func.coalesce(pop.c.profile_id, NONE) == cells.c.profile_id)))
    if session.get_bind().dialect.name != "postgresql" or not big:
        return scoped.subquery("popc")
    session.execute(text("SET LOCAL work_mem = '64MB'"))  # the grouping of a million rows stays in memory
    return temporary(session, "hr_scoped_population", scoped)


def temporary(session: Session, name: str, query) -> Table:
    """PostgreSQL: the rows of ``query`` as an analysed temporary table, dropped at commit (or again now).

    The planner then knows how many rows it holds and joins the big tables against it well.
    """
    if not hasattr(query, "selected_columns"):  # a CTE or subquery: all its rows
        query = select(*query.c)
    columns = query.selected_columns
    connection = session.connection()
    table = Table(name, MetaData(), *(Column(c.name, c.type) for c in columns),
                  prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    table.drop(connection, checkfirst=True)
    table.create(connection)
    session.execute(table.insert().from_select([c.name for c in columns], query))
    session.execute(text(f"ANALYZE {name}"))
    return table


def exemption_keys(organisation: m.Organisation, day: date):
    """(key, skill_id) of every exemption that runs on ``day``, keyed like :func:`population`.

    An exemption HR granted to an HR record that no launch had linked yet follows the record:
    once the record links to a person, it is that person's (their key is the person id).
    """
    e, hr = m.Exemption, aliased(m.HrRecord)
    running = and_(e.organisation_id == organisation.id, e.until >= day)
    holders = union_all(
        select(e.person_id.label("key"), e.skill_id).where(running, e.person_id.is_not(None)),
        select(func.coalesce(hr.person_id, -hr.id), e.skill_id).join(hr, hr.id == e.hr_record_id)
        .where(running, e.person_id.is_(None))).subquery("holders")
    return select(holders.c.key, holders.c.skill_id).group_by(holders.c.key, holders.c.skill_id).subquery("ex")


def open_help(organisation: m.Organisation, day: date):
    """(person_id, skill_id) with an open help request made by ``day``: "follow-up planned"."""
    return (select(m.HelpRequest.person_id, m.HelpRequest.skill_id)
            .where(m.HelpRequest.organisation_id == organisation.id, m.HelpRequest.status.in_(OPEN_HELP),
                   m.HelpRequest.created_at < midnight(day + timedelta(days=1)))
            .group_by(m.HelpRequest.person_id, m.HelpRequest.skill_id).subquery("fu"))


def _statuses(req, lvl, ex, fu):
    """The status and its base (without follow-up) as SQL, exactly :func:`mappings.compliance.assess`."""
    exempt, follow_up = ex.c.key.is_not(None), fu.c.person_id.is_not(None)
    valid = or_(req.c.expired_before.is_(None), lvl.c.observed_at >= req.c.expired_before)
    base = case(
        (req.c.skill_id.is_(None), null()),
        (exempt, literal(rules.Status.EXEMPT.value)),
        (lvl.c.level.is_(None), literal(rules.Status.NOT_TESTED.value)),
        (~valid, literal(rules.Status.EXPIRED.value)),
        (lvl.c.level < req.c.min_level, literal(rules.Status.NOT_MET.value)),
        (lvl.c.observed_at < req.c.expiring_before, literal(rules.Status.EXPIRING.value)),
        else_=literal(rules.Status.MET.value),
    )
    meets = (rules.Status.EXEMPT.value, rules.Status.MET.value, rules.Status.EXPIRING.value)
    status = case((and_(base.is_not(None), base.not_in(meets), follow_up), literal(rules.Status.FOLLOW_UP.value)),
                  else_=base)
    return status, base


@contextmanager
def joins_as_written(session: Session):
    """On PostgreSQL, join in the order the query is written (people, their results, the requirements).

    The planner cannot estimate how many requirement rows a function has (a constant table), so
    it likes to pair every person with every requirement first and look up each pair's result:
    a million lookups. Written order looks up each person's results once and then the requirement.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL join_collapse_limit = 1"))
    session.execute(text("SET LOCAL random_page_cost = 1.1"))  # the results are in memory: index lookups are cheap
    try:
        yield
    finally:
        session.execute(text("RESET join_collapse_limit"))
        session.execute(text("RESET random_page_cost"))


def status_select(organisation: m.Organisation, req, day: date, as_of: date | None, pop=None):
    """(key, ..., skill_id, status, base, observed_at) for every person and requirement.

    People without a requirement (no function, or one without mandatory requirements) get one row
    with ``skill_id`` and ``status`` NULL, so they are counted too. With a scoped population
    (:func:`scoped_population`) as ``pop`` only those people are counted, with their ``group_no``.
    This is the reference the dashboard's :func:`observed_select` is held to, and what the person
    views and exports read.
    """
    pop = pop if pop is not None else population(organisation, day)
    lvl = levels(as_of)
    ex, fu = exemption_keys(organisation, day), open_help(organisation, day)
    status, base = _statuses(req, lvl, ex, fu)
    return (
        select(*pop.c, req.c.skill_id, req.c.test_mask, status.label("status"), base.label("base"),
               lvl.c.observed_at)
        .select_from(pop)
        .outerjoin(req, req.c.profile_id == pop.c.profile_id)
        .outerjoin(lvl, and_(lvl.c.person_id == pop.c.person_id, lvl.c.skill_id == req.c.skill_id))
        .outerjoin(ex, and_(ex.c.key == pop.c.key, ex.c.skill_id == req.c.skill_id))
        .outerjoin(fu, and_(fu.c.person_id == pop.c.person_id, fu.c.skill_id == req.c.skill_id))
    )


def observed_select(organisation: m.Organisation, req, day: date, as_of: date | None, pop):
    """The rows of :func:`status_select` that are not plainly "not tested", without the others.

    Only requirements with a result, an exemption or an open help request come back: the
    dashboard counts "not tested" by subtraction (people x requirements of their function minus
    these rows), so the database joins the results it has instead of every person with every
    requirement. The statuses are the same expressions as :func:`status_select`'s.
    Columns: group_no, key, profile_id, skill_id, test_mask, status, base.
    """
    lvl = levels(as_of)
    ex, fu = exemption_keys(organisation, day), open_help(organisation, day)
    flagged = union(select(ex.c.key, ex.c.skill_id), select(fu.c.person_id, fu.c.skill_id)).subquery("flagged")
    untested = (select(flagged.c.key.label("person_id"), flagged.c.skill_id, cast(null(), Integer()).label("level"),
                       cast(null(), UTCDateTime()).label("observed_at"))
                .where(~exists().where(lvl.c.person_id == flagged.c.key, lvl.c.skill_id == flagged.c.skill_id))
                .subquery("untested"))

    def rows(src, on):
        status, base = _statuses(req, src, ex, fu)
        return (select(pop.c.group_no, pop.c.key, pop.c.profile_id, src.c.skill_id, req.c.test_mask,
                       status.label("status"), base.label("base"))
                .select_from(pop)
                .join(src, on)
                .join(req, and_(req.c.profile_id == pop.c.profile_id, req.c.skill_id == src.c.skill_id))
                .outerjoin(ex, and_(ex.c.key == pop.c.key, ex.c.skill_id == src.c.skill_id))
                .outerjoin(fu, and_(fu.c.person_id == pop.c.person_id, fu.c.skill_id == src.c.skill_id)))

    # results of the people (by person id), and exemptions or help without a result (by key)
    return union_all(rows(lvl, lvl.c.person_id == pop.c.person_id), rows(untested, untested.c.person_id == pop.c.key))
