"""The HR dashboard's default views, computed ahead by the worker and stored for every web process.

At 50,000 employees one view reads about 1.6 million current levels and takes seconds. The
views /hr shows without a period, function filter or manager scope (each level of the whole
organisation, and every drill-down its links lead to) are therefore computed together
(:func:`service.operations.compliance.blocks`, one function-level computation, then summed per
view) and stored per organisation as JSON in ``hr_dashboard_figures``. Each view is exactly
what :func:`service.operations.compliance.dashboard` gives for it: group figures only, groups
under the minimum pooled the same way, never a person.

- :func:`refresh` computes and stores an organisation's views (the worker calls it through
  :mod:`service.jobs.hr_dashboard`, and an applied HR import at once through
  :func:`refresh_or_forget`).
- :func:`read` gives a stored view for the page, or None: then the page computes it live (no
  stored view yet, a view that is not stored, figures of another day or older than ``STALE``).
- :func:`due` tells the worker whether to refresh: nothing stored, stored on another day,
  older than its interval and something changed (:func:`state`), or older than ``REFRESH_ANYWAY``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.operations import compliance as groups
from service.operations import compliance_sql as q
from service.operations.hr_exports import drill_args

logger = logging.getLogger(__name__)

#: stored figures older than this are not shown (the worker is not running): the page computes live
STALE = timedelta(hours=1)
#: figures are recomputed this often even when nothing seemed to change (a change :func:`state` misses)
REFRESH_ANYWAY = timedelta(minutes=30)
#: the view /hr opens with
TOP = "location"
LOCAL = ZoneInfo("Europe/Amsterdam")
_Row = m.HrDashboardFigures


def view_key(level: str, filters: groups.Filters, teams: frozenset[int] | None) -> str | None:
    """The stored view's name for a request, or None for a view that is always computed live.

    Stored: any level for all teams, optionally one location and/or one team, today. Live: a
    function filter, a past month, a manager's scope, several locations or teams.
    """
    if (teams is not None or filters.profile_ids is not None or filters.as_of is not None
            or level not in rules.LEVELS):
        return None
    key = level
    for prefix, chosen in (("l", filters.location_ids), ("t", filters.team_ids)):
        if chosen is not None:
            if len(chosen) != 1:
                return None
            key += f":{prefix}{next(iter(chosen))}"
    return key


# --- the figures as JSON ----------------------------------------------------------------------

def _key_out(value):
    return "*" if value is rules.OTHER else value


def _key_in(value):
    return rules.OTHER if value == "*" else value


def _ids(chosen: frozenset[int] | None) -> list[int] | None:
    return None if chosen is None else sorted(chosen)


def _group_out(group: groups.Group) -> list:
    return [group.level, [_key_out(v) for v in group.key], group.name, group.headcount, group.all_met,
            [[s.skill_id, s.skill_code, s.skill_name, dict(s.counts)] for s in group.requirements],
            [[t.test_id, t.code, t.title, t.people] for t in group.tests_to_take]]


def _group_in(data: list) -> groups.Group:
    level, key, name, headcount, all_met, splits, tests = data
    return groups.Group(level, tuple(_key_in(v) for v in key), name, headcount, all_met,
                        tuple(groups.Split(*split) for split in splits),
                        tuple(groups.TestToTake(*test) for test in tests))


def dump(board: groups.Dashboard) -> str:
    f = board.filters
    return json.dumps({
        "level": board.level, "as_of": board.as_of.isoformat(), "min": board.min_group_size,
        "filters": [_ids(f.location_ids), _ids(f.team_ids), _ids(f.profile_ids),
                    f.as_of.isoformat() if f.as_of else None],
        "total": _group_out(board.total) if board.total else None,
        "groups": [_group_out(g) for g in board.groups],
    }, separators=(",", ":"), ensure_ascii=False)


def load(text: str) -> groups.Dashboard:
    data = json.loads(text)
    locations, teams, profiles, as_of = data["filters"]
    filters = groups.Filters(*(None if ids is None else frozenset(ids) for ids in (locations, teams, profiles)),
                             date.fromisoformat(as_of) if as_of else None)
    return groups.Dashboard(data["level"], date.fromisoformat(data["as_of"]), filters, data["min"],
                            _group_in(data["total"]) if data["total"] else None,
                            tuple(_group_in(g) for g in data["groups"]))


# --- computing and storing ----------------------------------------------------------------------

def views(found: groups.Blocks) -> dict[str, groups.Dashboard]:
    """Every stored view: each level of the whole organisation, then every drill-down their links lead to."""
    # a drill-down sums only its location's or team's blocks (a filter admits no other block): the
    # same figures as from all blocks, without testing 3,000 blocks for each of 400 views
    within: dict[tuple, dict] = {}
    for label, tally in found.tallies.items():
        within.setdefault(label[:1], {})[label] = tally
        within.setdefault(label[:2], {})[label] = tally
    todo = [(level, groups.Filters()) for level in rules.LEVELS]
    made: dict[str, groups.Dashboard] = {}
    while todo:
        level, filters = todo.pop()
        key = view_key(level, filters, None)
        if key is None or key in made:
            continue
        part = found
        if filters.location_ids is not None:
            prefix = (*filters.location_ids, *(filters.team_ids or ()))
            part = replace(found, tallies=within.get(prefix, {}))
        board = made[key] = groups.from_blocks(part, level=level, filters=filters)
        for group in board.groups:
            args = drill_args(group, filters)
            if args and not {"functie", "periode"} & args.keys():
                todo.append((args["niveau"], groups.Filters(
                    frozenset({args["locatie"]}) if "locatie" in args else None,
                    frozenset({args["team"]}) if "team" in args else None)))
    return made


def state(session: Session, organisation: m.Organisation) -> str:
    """A digest of what the figures depend on: it changes with a scored attempt, an HR import, an exemption ...

    Counts and latest moments per table (a few index scans), and the organisation's settings.
    Something it misses is picked up by the refresh every ``REFRESH_ANYWAY`` and every new day.
    """
    org = organisation.id
    person = m.Person
    of_people = select(person.id).where(person.organisation_id == org).scalar_subquery()
    found = [
        (organisation.min_group_size, organisation.expiring_days, organisation.valid_months,
         organisation.default_function_profile_id),
        *(session.execute(query).one() for query in (
            select(func.count(m.Attempt.scored_at), func.max(m.Attempt.scored_at))
            .where(m.Attempt.organisation_id == org),
            select(func.count(), func.max(m.HrRecord.updated_at), func.max(m.HrRecord.last_import_id))
            .where(m.HrRecord.organisation_id == org),
            select(func.count(), func.max(person.created_at), func.count(person.pseudonymised_at),
                   func.sum(person.team_id)).where(person.organisation_id == org),
            select(func.count(), func.max(m.FunctionAssignment.id), func.count(m.FunctionAssignment.valid_until))
            .where(m.FunctionAssignment.person_id.in_(of_people)),
            select(func.count(), func.max(m.Exemption.id), func.max(m.Exemption.until))
            .where(m.Exemption.organisation_id == org),
            select(func.count(), func.max(m.HelpRequest.id))
            .where(m.HelpRequest.organisation_id == org, m.HelpRequest.status.in_(q.OPEN_HELP)),
            select(func.count(), func.max(m.CourseMembership.synced_at))
            .where(m.CourseMembership.person_id.in_(of_people)),
            select(func.count(), func.max(m.PersonRole.id)).where(m.PersonRole.person_id.in_(of_people)),
            select(func.count(), func.sum(m.Team.location_id)).where(m.Team.organisation_id == org),
            select(func.count(), func.max(m.ContentRelease.id)),
        )),
    ]
    return hashlib.sha256(repr([tuple(row) for row in found]).encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """When an organisation's views were computed, for which day, and from what (:func:`state`)."""

    computed_at: datetime
    as_of: date
    state: str


def stored(session: Session, organisation: m.Organisation) -> Stored | None:
    row = session.execute(select(_Row.computed_at, _Row.as_of, _Row.state)
                          .where(_Row.organisation_id == organisation.id, _Row.view_key == TOP)).first()
    return Stored(*row) if row else None


def due(session: Session, organisation: m.Organisation, now: datetime, every: timedelta) -> bool:
    """True when the organisation's views should be computed again (see the module docstring)."""
    found = stored(session, organisation)
    if found is None or found.as_of != now.date() or now - found.computed_at >= REFRESH_ANYWAY:
        return True
    return now - found.computed_at >= every and state(session, organisation) != found.state


#: the first key of the advisory locks of ``claim`` (ASCII "HRFG"); the second is the organisation's id
_LOCK_SPACE = 0x48524647


def claim(session: Session, organisation: m.Organisation) -> bool:
    """Whether this transaction may compute the organisation's figures: False while another does.

    Two workers (or two worker rounds) would otherwise both spend seconds on a large
    organisation, one of them for nothing. PostgreSQL: a transaction-level advisory lock, tried
    without waiting. SQLite: the transaction holds the database's write lock already, so a second
    one waits for the first and then finds fresh figures (``due`` says no).
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_SPACE, organisation.id))))


def refresh(session: Session, organisation: m.Organisation, now: datetime) -> int:
    """Compute the organisation's stored views for ``now``'s day and replace the stored ones; returns how many.

    Two refreshes at once (two workers, or a worker and an import) both write, one after the
    other (the organisation's row is locked for the replacement); one that finds newer figures
    stored keeps those.
    """
    digest = state(session, organisation)  # before the figures: a change meanwhile shows next time
    made = views(groups.blocks(session, organisation, today=now.date()))
    session.execute(select(m.Organisation.id).where(m.Organisation.id == organisation.id)
                    .with_for_update(key_share=True))
    newer = session.scalar(select(func.count()).select_from(_Row)
                           .where(_Row.organisation_id == organisation.id, _Row.computed_at > now))
    if newer:
        return 0
    session.execute(delete(_Row).where(_Row.organisation_id == organisation.id))
    session.add_all(_Row(organisation_id=organisation.id, view_key=key, as_of=now.date(), computed_at=now,
                         state=digest, figures=dump(board)) for key, board in made.items())
    session.flush()
    return len(made)


def forget(session: Session, organisation: m.Organisation) -> None:
    """Remove the organisation's stored figures after a change that makes them wrong (an HR import).

    The page then computes live, so HR sees the change at once, and the worker stores new
    figures at its next look (nothing stored is always due). Recomputing here instead would
    make a large organisation's import wait seconds longer inside its web request.
    """
    session.execute(delete(_Row).where(_Row.organisation_id == organisation.id))


# --- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cached:
    """A stored view and when it was computed."""

    figures: groups.Dashboard
    computed_at: datetime

    @property
    def local_time(self) -> str:
        """The moment of computing as the page shows it: ``09:05`` (Dutch time)."""
        return self.computed_at.astimezone(LOCAL).strftime("%H:%M")


def read(session: Session, organisation: m.Organisation, *, level: str, filters: groups.Filters,
         teams: frozenset[int] | None, now: datetime) -> Cached | None:
    """The stored view for this request, or None when the page must compute it (see the module docstring)."""
    key = view_key(level, filters, teams)
    if key is None:
        return None
    row = session.execute(select(_Row.figures, _Row.computed_at, _Row.as_of)
                          .where(_Row.organisation_id == organisation.id, _Row.view_key == key)).first()
    if row is None or row.as_of != now.date() or now - row.computed_at >= STALE:
        return None
    return Cached(load(row.figures), row.computed_at)
