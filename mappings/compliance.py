"""The compliance picture: one status per person and requirement, and which groups may be shown.

Pure functions on frozen dataclasses; no database. :mod:`service.operations.compliance` computes
the same statuses in SQL for thousands of people at once; the integration tests and the HR
benchmark hold that SQL to these rules.

Status precedence (the first that applies wins):

1. ``exempt``: HR granted an exemption for the skill that still runs on ``today`` (``until`` inclusive).
2. ``met`` / ``expiring``: the latest result is still valid and at or above the minimum level;
   ``expiring`` when it expires within the organisation's window (``expiring_days``).
3. ``follow_up``: the requirement is not met (``not_met``, ``expired`` or ``not_tested`` below)
   and an open help request for the skill exists. Person-level views never show this status
   (it would reveal a help request): they use ``base`` instead.
4. ``expired``: the latest result is older than the validity (the requirement's
   ``valid_months``, else the organisation's), whatever its level.
5. ``not_met``: the latest result is below the minimum level.
6. ``not_tested``: no result for the skill.

Only the latest result counts (a newer attempt replaces an older one, also when it is lower).
Validity is counted in whole UTC days: a result of day D valid for N months expires on
``add_months(D, N)``; on that day it is ``expired``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from mappings.requirements import add_months


class Status(enum.StrEnum):
    """One person's standing on one requirement; the value is stored in snapshots and exports."""

    EXEMPT = "exempt"
    MET = "met"
    EXPIRING = "expiring"
    FOLLOW_UP = "follow_up"
    EXPIRED = "expired"
    NOT_MET = "not_met"
    NOT_TESTED = "not_tested"


#: Statuses that count as meeting the requirement ("% meeting all requirements").
MEETS = frozenset({Status.EXEMPT, Status.MET, Status.EXPIRING})
#: How good a status is, for "a better attempt never lowers a status" (higher is better).
RANK = {
    Status.NOT_TESTED: 0, Status.NOT_MET: 1, Status.EXPIRED: 1, Status.FOLLOW_UP: 2,
    Status.EXPIRING: 3, Status.MET: 4, Status.EXEMPT: 5,
}
#: The four-way split of the dashboard: met / not yet / not tested / expired (exempt apart).
SPLIT = {
    Status.MET: "met", Status.EXPIRING: "met", Status.NOT_MET: "not_met", Status.FOLLOW_UP: "not_met",
    Status.NOT_TESTED: "not_tested", Status.EXPIRED: "expired", Status.EXEMPT: "exempt",
}


@dataclass(frozen=True)
class Policy:
    """The organisation's settings: the expiring-soon window and the default validity (None: forever)."""

    expiring_days: int = 60
    valid_months: int | None = None

    def __post_init__(self) -> None:
        if self.expiring_days < 0:
            raise ValueError(f"expiring_days must be 0 or more, got {self.expiring_days}")
        if self.valid_months is not None and self.valid_months < 1:
            raise ValueError(f"valid_months must be 1 or more, got {self.valid_months}")


@dataclass(frozen=True)
class Rule:
    """A requirement of a function: a skill, its minimum level, and its own validity (None: the organisation's)."""

    skill: str
    min_level: int
    valid_months: int | None = None


@dataclass(frozen=True)
class Result:
    """One demonstrated level of a skill and the moment it was shown (timezone-aware)."""

    level: int
    observed_at: datetime


@dataclass(frozen=True)
class Assessment:
    """The outcome for one requirement. ``base`` is ``status`` without follow-up (for person views)."""

    skill: str
    status: Status
    base: Status
    level: int | None
    observed_on: date | None
    expires_on: date | None


def latest(results: Iterable[Result]) -> Result | None:
    """The newest result (on equal moments the higher level), or None."""
    return max(results, key=lambda r: (r.observed_at, r.level), default=None)


def validity(rule: Rule, policy: Policy) -> int | None:
    """Months a result stays valid: the requirement's own, else the organisation's, else None (forever)."""
    return rule.valid_months if rule.valid_months is not None else policy.valid_months


def expiry_cutoff(months: int, on: date) -> date:
    """The first observation day that is still valid on ``on``: valid iff observed on or after it.

    ``add_months`` on dates never decreases as the day grows, so the days whose result has
    expired by ``on`` are exactly the days before this cutoff. SQL uses it as a plain comparison.
    """
    day = add_months(on, -months)
    while add_months(day, months) <= on:
        day += timedelta(days=1)
    while add_months(day - timedelta(days=1), months) > on:
        day -= timedelta(days=1)
    return day


def assess(rule: Rule, result: Result | None, today: date, policy: Policy, *,
           exempt_until: date | None = None, follow_up: bool = False) -> Assessment:
    """The status of one requirement for one person (see the module docstring for the precedence)."""
    observed_on = result.observed_at.date() if result is not None else None
    months = validity(rule, policy)
    expires_on = add_months(observed_on, months) if observed_on is not None and months is not None else None
    if exempt_until is not None and exempt_until >= today:
        base = Status.EXEMPT
    elif result is None:
        base = Status.NOT_TESTED
    elif expires_on is not None and today >= expires_on:
        base = Status.EXPIRED
    elif result.level < rule.min_level:
        base = Status.NOT_MET
    elif expires_on is not None and today + timedelta(days=policy.expiring_days) >= expires_on:
        base = Status.EXPIRING
    else:
        base = Status.MET
    status = Status.FOLLOW_UP if follow_up and base not in MEETS else base
    return Assessment(rule.skill, status, base, result.level if result else None, observed_on, expires_on)


def meets_all(assessments: Iterable[Assessment]) -> bool:
    """True when every requirement is met, expiring or exempt (a function without requirements meets all)."""
    return all(a.status in MEETS for a in assessments)


# --- Which groups may be shown ----------------------------------------------------------------
#
# The rule (group minimum with complementary pooling). People fall into cells: (location, team,
# function). Cells are pooled bottom-up into *blocks* of at least ``min_size`` people:
#
# 1. In a team, every function cell under the minimum goes into the team's "overig" block. If
#    that block is still too small, the team's smallest shown cells join it until it is large
#    enough, so "team total minus the functions shown" is never a small group.
# 2. A team under the minimum as a whole goes, with its cells, into the location's "overig"
#    block; the same complement step pulls in the smallest shown teams when that is too small.
# 3. Locations the same way into the organisation's "overig"; an organisation under the minimum
#    shows nothing at all.
#
# Every figure on every screen and export is a sum over whole blocks, chosen by the block's
# label (filters and manager scope select blocks, never people). Blocks are disjoint and each has
# at least ``min_size`` people, so any sum, difference or intersection of shown figures is again
# a union of blocks: no combination of filters can single out a smaller group. The price: a
# function filter leaves out the people pooled into an "overig" block.


class _Other:
    """The label of a pooled dimension ("overig"), unlike None (no team / no location known)."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER = _Other()


@dataclass(frozen=True)
class Cell:
    """The number of people in one (location, team, function); keys are any hashable (ids, None)."""

    location: object
    team: object
    function: object
    size: int

    @property
    def key(self) -> tuple:
        return (self.location, self.team, self.function)


@dataclass(frozen=True)
class Scope:
    """What a viewer asked for and may see: each set limits a dimension (None: all)."""

    locations: frozenset | None = None
    teams: frozenset | None = None
    functions: frozenset | None = None

    def admits(self, label: tuple | None) -> bool:
        """True when a block with this label is inside the scope; a pooled dimension never matches a filter."""
        if label is None:
            return False
        return all(wanted is None or value in wanted
                   for value, wanted in zip(label, (self.locations, self.teams, self.functions), strict=True))


LEVELS = ("organisation", "location", "team", "function")


def group_of(label: tuple, level: str) -> tuple:
    """The group a block belongs to at a level of the hierarchy (``()`` is the whole organisation)."""
    return label[:LEVELS.index(level)]


def release(cells: Iterable[Cell], min_size: int) -> dict[tuple, tuple | None]:
    """Give every cell the label of the block it is shown in, or None when it cannot be shown.

    See the comment above for the rule. The result is deterministic (smallest first, then by key).

    Raises:
        ValueError: when ``min_size`` is below 1.
    """
    if min_size < 1:
        raise ValueError(f"min_size must be 1 or more, got {min_size}")
    cells = [c for c in cells if c.size > 0]
    labels: dict[tuple, tuple | None] = {c.key: c.key for c in cells}
    teams: dict[tuple, list[Cell]] = {}
    for cell in cells:
        teams.setdefault((cell.location, cell.team), []).append(cell)
    locations: dict[object, list[list[Cell]]] = {}
    for (location, team), members in teams.items():
        locations.setdefault(location, []).append(members)
        if sum(c.size for c in members) >= min_size:
            for cell in _pooled([[c] for c in members], min_size):
                labels[cell.key] = (location, team, OTHER)
    whole: list[list[Cell]] = []
    for location, units in locations.items():
        members = [c for unit in units for c in unit]
        whole.append(members)
        if sum(c.size for c in members) >= min_size:
            for cell in _pooled(units, min_size):
                labels[cell.key] = (location, OTHER, OTHER)
    if sum(c.size for c in cells) < min_size:
        return {c.key: None for c in cells}
    for cell in _pooled(whole, min_size):
        labels[cell.key] = (OTHER, OTHER, OTHER)
    return labels


def _pooled(units: list[list[Cell]], min_size: int) -> list[Cell]:
    """The cells of the units that go into "overig": all small units, plus the smallest others as complement."""
    def size(unit: list[Cell]) -> int:
        return sum(c.size for c in unit)

    small = [u for u in units if size(u) < min_size]
    if not small:
        return []
    rest = sorted((u for u in units if size(u) >= min_size), key=lambda u: (size(u), repr(sorted(map(repr, u)))))
    pool = list(small)
    while sum(map(size, pool)) < min_size and rest:
        pool.append(rest.pop(0))
    return [c for unit in pool for c in unit]


@dataclass(frozen=True)
class Tally:
    """Additive figures of a group: people, people meeting all, (requirement, status) and test counts."""

    headcount: int = 0
    all_met: int = 0
    statuses: Mapping[tuple, int] = field(default_factory=dict)
    tests: Mapping[object, int] = field(default_factory=dict)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.headcount + other.headcount, self.all_met + other.all_met,
                     _merge(self.statuses, other.statuses), _merge(self.tests, other.tests))


def assign(labels: Mapping[tuple, tuple | None], scope: Scope, level: str) -> dict[tuple, tuple]:
    """The group at ``level`` of every cell whose block is inside the scope (cell key -> group key)."""
    return {key: group_of(label, level) for key, label in labels.items() if scope.admits(label)}


def rollup(values: Mapping[tuple, Tally], labels: Mapping[tuple, tuple | None], scope: Scope,
           level: str) -> dict[tuple, Tally]:
    """Add up cell figures into the groups of one level, keeping only blocks inside the scope.

    ``values`` and ``labels`` are keyed by cell key; a cell without a label is left out.
    """
    groups: dict[tuple, Tally] = {}
    for key, group in assign(labels, scope, level).items():
        if key in values:
            groups[group] = groups[group] + values[key] if group in groups else values[key]
    return groups


def _merge(left: Mapping, right: Mapping) -> dict:
    merged = dict(left)
    for key, count in right.items():
        merged[key] = merged.get(key, 0) + count
    return merged
