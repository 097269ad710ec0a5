"""Targets, the monthly snapshots' trend line, and whether people got better per skill.

Snapshots store only shown groups (at least the organisation's minimum, pooled as on the
dashboard), so the trend can never reveal more than the dashboard of that month did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import compliance as groups
from service.operations import compliance_sql as q


def group_key(key: tuple) -> str:
    """A stored name for a group's ids: ``l3.t7.f2``; ``*`` for a pooled "overig", ``-`` for none."""
    parts = []
    for prefix, value in zip("ltf", key, strict=False):
        parts.append(prefix + ("*" if value is rules.OTHER else "-" if value is None else str(value)))
    return ".".join(parts)


def snapshot_rows(session: Session, organisation: m.Organisation, month: date, day: date,
                  today: date) -> list[m.ComplianceSnapshot]:
    """The figures of every shown group at every level on ``day``, as unsaved snapshot rows."""
    rows = []
    for level in rules.LEVELS:
        board = groups.dashboard(session, organisation, today=today, level=level, filters=groups.Filters(as_of=day))
        for group in board.groups:  # at the organisation level the one group is the total
            statuses = {split.skill_code: dict(split.counts) for split in group.requirements}
            rows.append(m.ComplianceSnapshot(organisation_id=organisation.id, month=month, level=level,
                                             group_key=group_key(group.key), headcount=group.headcount,
                                             all_met=group.all_met, statuses=statuses))
    return rows


@dataclass(frozen=True)
class Point:
    month: date
    headcount: int
    percent_met: float


@dataclass(frozen=True)
class Target:
    name: str
    level: str
    percent: int
    due_on: date


@dataclass(frozen=True)
class Trend:
    """% meeting all requirements per month for one group, with the organisation's targets at that level."""

    level: str
    group_key: str
    points: tuple[Point, ...]
    targets: tuple[Target, ...]


def trend(session: Session, organisation: m.Organisation, *, level: str = "organisation",
          key: str = "") -> Trend:
    """The line of % met per month for one group (``key`` as :func:`group_key`; "" for the organisation)."""
    snaps = session.execute(
        select(m.ComplianceSnapshot.month, m.ComplianceSnapshot.headcount, m.ComplianceSnapshot.all_met)
        .where(m.ComplianceSnapshot.organisation_id == organisation.id, m.ComplianceSnapshot.level == level,
               m.ComplianceSnapshot.group_key == key)
        .order_by(m.ComplianceSnapshot.month)).all()
    points = tuple(Point(month, n, round(100 * met / n, 1) if n else 0.0) for month, n, met in snaps)
    targets = tuple(Target(t.name, t.level, t.percent, t.due_on) for t in session.scalars(
        select(m.ComplianceTarget).where(m.ComplianceTarget.organisation_id == organisation.id,
                                         m.ComplianceTarget.level == level).order_by(m.ComplianceTarget.due_on)))
    return Trend(level, key, points, targets)


def set_target(session: Session, organisation: m.Organisation, actor: m.Person, name: str, level: str,
               percent: int | None, due_on: date | None) -> m.ComplianceTarget:
    """Add a target such as "80% voldoet aan het basisniveau" by a date.

    Raises:
        InvalidInputError: for an empty name, an unknown level, a percentage outside 1-100 or no date.
    """
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = [N_("Geef het doel een naam van hoogstens 200 tekens.")]
    if level not in rules.LEVELS:
        errors["level"] = [N_("Kies organisatie, locatie, team of functie.")]
    if percent is None or not 1 <= percent <= 100:
        errors["percent"] = [N_("Vul een percentage van 1 tot en met 100 in.")]
    if due_on is None:
        errors["due_on"] = [N_("Vul de datum in waarop het doel gehaald moet zijn.")]
    if errors:
        raise InvalidInputError(N_("Het doel is niet opgeslagen. Kijk de velden na."), errors)
    target = m.ComplianceTarget(organisation_id=organisation.id, name=name, level=level, percent=percent,
                                due_on=due_on, created_by_id=actor.id)
    session.add(target)
    session.flush()
    return target


@dataclass(frozen=True)
class SkillProgress:
    """Per skill, over the people with a first and a later result: mean levels then and now."""

    skill_code: str
    skill_name: str
    people: int
    first_mean: float
    latest_mean: float
    better: int
    worse: int


def progress(session: Session, organisation: m.Organisation, *, today: date) -> tuple[SkillProgress, ...]:
    """Did people get better? First and latest level per skill, from the summary table, organisation-wide.

    Only for the whole organisation (no filters, so no differencing) and only skills with at
    least ``min_group_size`` people who took it twice or more.
    """
    pop = q.population(organisation, today)
    c = m.CurrentSkillLevel
    retested = c.first_observed_at < c.observed_at
    rows = session.execute(
        select(m.Skill.code, m.Skill.name, func.count(), func.avg(c.first_level), func.avg(c.level),
               func.sum(case((c.level > c.first_level, 1), else_=0)),
               func.sum(case((c.level < c.first_level, 1), else_=0)))
        .join(pop, pop.c.person_id == c.person_id).join(m.Skill, m.Skill.id == c.skill_id)
        .where(retested).group_by(m.Skill.code, m.Skill.name).order_by(m.Skill.code)).all()
    return tuple(SkillProgress(code, name, n, round(float(first), 2), round(float(latest), 2), int(up), int(down))
                 for code, name, n, first, latest, up, down in rows if n >= organisation.min_group_size)


def snapshot_months(session: Session, organisation: m.Organisation) -> Mapping[date, int]:
    """The months with a snapshot and how many groups each holds."""
    return dict(session.execute(select(m.ComplianceSnapshotRun.month, m.ComplianceSnapshotRun.groups)
                                .where(m.ComplianceSnapshotRun.organisation_id == organisation.id)).all())
