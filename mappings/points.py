"""Points from the learning-hours ledger: pure rules, no database.

An accredited activity (``model.AccreditedActivity``) names the rule that earns its points.
``evaluate`` reads a person's ledger entries and returns every award the rule allows, each
with the entries it used. It is a full recomputation: the same ledger always gives the same
awards with the same keys, so storing only the awards whose key is new (``reconcile``) can
never count the same minutes twice, and an award whose entries were reversed disappears
from the result and is reversed in turn.

Rules:

* ``threshold``: at least ``min_hours`` within ``period_months`` gives ``points`` once; the
  minutes used are spent. Minutes older than the window when the threshold is reached no
  longer count.
* ``per_hour``: each full ``min_hours`` block gives ``points``; minutes that do not fill a
  block when the award is made are spent with it (an award rounds down, never up).
* A digi-toets entry counts ``test_minutes`` when the rule sets it (the source only writes
  tests that were passed at the function level).
* Only entries inside the activity's validity period count; outside it nothing is earned.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from mappings.model import AccreditedActivity, ActivityKind, Counting, EarningRule


class Entry(NamedTuple):
    """One ledger row: minutes of coaching, e-learning or a counted test, or a reversal.

    A named tuple, not a dataclass: a ledger of 100,000 rows is built in a fraction of the time.
    """

    id: int
    person_id: int
    kind: ActivityKind
    minutes: int
    occurred_at: datetime
    #: the id of the entry this one reverses (a correction); its own minutes are then ignored
    reverses: int | None = None


@dataclass(frozen=True)
class Award:
    """Points a person earned for one activity, and the ledger entries that earned them."""

    person_id: int
    activity: str
    points: float
    minutes: int
    started_at: datetime
    completed_at: datetime
    entry_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """Stable identity: the activity and the entries used. The same minutes give the same key."""
        raw = f"{self.activity}:{','.join(map(str, sorted(self.entry_ids)))}"
        return hashlib.sha256(raw.encode()).hexdigest()[:40]


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months; the 31st becomes the last day of a shorter month."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def net(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that still count: a reversal and the entry it reverses both drop out.

    Rows with no positive minutes that reverse nothing are not time spent and are ignored.
    """
    entries = list(entries)
    reversed_ids = {e.reverses for e in entries if e.reverses is not None}
    return [e for e in entries if e.reverses is None and e.id not in reversed_ids and e.minutes > 0]


def counted_minutes(entry: Entry, rule: EarningRule) -> int:
    """The minutes an entry counts for under ``rule`` (a passed test may count a fixed time)."""
    if entry.kind is ActivityKind.TEST and rule.test_minutes is not None:
        return rule.test_minutes
    return entry.minutes


def in_period(activity: AccreditedActivity, moment: datetime | date) -> bool:
    """Whether ``moment`` falls inside the activity's accreditation period (both days included)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return activity.valid_from <= day <= activity.valid_until


def evaluate(activity: AccreditedActivity, rule: EarningRule, entries: Iterable[Entry],
             netted: bool = False) -> list[Award]:
    """Every award ``rule`` allows for ``activity`` from these ledger entries, oldest first.

    ``netted``: the entries already went through ``net`` (evaluating many activities over
    one ledger nets it once).
    """
    per_person: dict[int, list[Entry]] = defaultdict(list)
    for entry in (entries if netted else net(entries)):
        if entry.kind in rule.activity_kinds and in_period(activity, entry.occurred_at):
            per_person[entry.person_id].append(entry)
    awards: list[Award] = []
    for person_id in sorted(per_person):
        ordered = sorted(per_person[person_id], key=lambda e: (e.occurred_at, e.id))
        awards.extend(_person_awards(activity, rule, person_id, ordered))
    return awards


def _person_awards(activity: AccreditedActivity, rule: EarningRule, person_id: int,
                   ordered: list[Entry]) -> list[Award]:
    block = round(rule.min_hours * 60)
    window: list[tuple[Entry, int]] = []
    total = 0
    awards = []
    threshold = rule.counting is Counting.THRESHOLD
    window_end = None  # when the oldest entry in the window stops counting
    for entry in ordered:
        minutes = counted_minutes(entry, rule)
        window.append((entry, minutes))
        total += minutes
        if threshold:
            if window_end is None:
                window_end = add_months(window[0][0].occurred_at, rule.period_months)
            while window_end < entry.occurred_at:
                total -= window.pop(0)[1]
                window_end = add_months(window[0][0].occurred_at, rule.period_months)
        if total < block:
            continue
        blocks = 1 if rule.counting is Counting.THRESHOLD else total // block
        awards.append(Award(
            person_id=person_id, activity=activity.code, points=rule.points * blocks, minutes=total,
            started_at=window[0][0].occurred_at, completed_at=entry.occurred_at,
            entry_ids=tuple(e.id for e, _ in window),
        ))
        window, total, window_end = [], 0, None
    return awards


def allowed_points(rule: EarningRule, minutes: int) -> float:
    """The most points ``minutes`` of counted time can ever give under ``rule``."""
    return rule.points * (minutes // round(rule.min_hours * 60))


@dataclass(frozen=True)
class Reconciliation:
    """What to store: awards not stored yet, and stored award keys to reverse."""

    new: tuple[Award, ...]
    reverse: tuple[str, ...]


def reconcile(awards: Iterable[Award], stored_keys: Iterable[str]) -> Reconciliation:
    """Compare a fresh evaluation with the awards already stored (not reversed).

    An award whose key is stored is left alone: the same minutes never earn twice. A stored
    key that the ledger no longer supports (its entries were reversed) is to be reversed.
    """
    awards = list(awards)
    stored = set(stored_keys)
    fresh = {a.key for a in awards}
    return Reconciliation(
        new=tuple(a for a in awards if a.key not in stored),
        reverse=tuple(sorted(stored - fresh)),
    )
