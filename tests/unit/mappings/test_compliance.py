"""Unit and property tests for mappings.compliance: statuses, expiry and the group minimum."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.compliance import (
    LEVELS,
    OTHER,
    RANK,
    Cell,
    Policy,
    Result,
    Rule,
    Scope,
    Status,
    Tally,
    assess,
    expiry_cutoff,
    latest,
    meets_all,
    release,
    rollup,
)
from mappings.requirements import add_months

TODAY = date(2026, 11, 30)
POLICY = Policy(expiring_days=60, valid_months=None)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_met_when_the_latest_result_reaches_the_minimum():
    result = assess(Rule("mail", 2), Result(3, at(date(2026, 1, 5))), TODAY, POLICY)
    assert (result.status, result.level, result.observed_on, result.expires_on) == (
        Status.MET, 3, date(2026, 1, 5), None)


def test_a_newer_lower_result_replaces_an_older_higher_one():
    newest = latest([Result(4, at(date(2026, 1, 1))), Result(1, at(date(2026, 6, 1)))])
    assert assess(Rule("mail", 2), newest, TODAY, POLICY).status is Status.NOT_MET


def test_not_tested_without_a_result():
    assert assess(Rule("mail", 2), None, TODAY, POLICY).status is Status.NOT_TESTED


def test_expired_on_the_day_the_validity_ends_and_expiring_before():
    rule = Rule("mail", 2, valid_months=12)
    shown = Result(3, at(date(2025, 11, 30)))
    assert assess(rule, shown, TODAY, POLICY).status is Status.EXPIRED
    assert assess(rule, shown, TODAY - timedelta(days=1), POLICY).status is Status.EXPIRING
    assert assess(rule, shown, TODAY - timedelta(days=61), POLICY).status is Status.MET


def test_the_requirement_validity_overrides_the_organisation():
    shown = Result(3, at(date(2025, 6, 1)))
    assert assess(Rule("mail", 2), shown, TODAY, Policy(valid_months=12)).status is Status.EXPIRED
    assert assess(Rule("mail", 2, valid_months=24), shown, TODAY, Policy(valid_months=12)).status is Status.MET


def test_exemption_wins_until_its_last_day():
    rule, old = Rule("mail", 2, valid_months=6), Result(1, at(date(2024, 1, 1)))
    assert assess(rule, old, TODAY, POLICY, exempt_until=TODAY).status is Status.EXEMPT
    assert assess(rule, old, TODAY, POLICY, exempt_until=TODAY - timedelta(days=1)).status is Status.EXPIRED


def test_follow_up_replaces_not_met_but_person_views_keep_the_base_status():
    low = assess(Rule("mail", 2), Result(1, at(date(2026, 3, 1))), TODAY, POLICY, follow_up=True)
    assert (low.status, low.base) == (Status.FOLLOW_UP, Status.NOT_MET)
    untested = assess(Rule("mail", 2), None, TODAY, POLICY, follow_up=True)
    assert (untested.status, untested.base) == (Status.FOLLOW_UP, Status.NOT_TESTED)
    met = assess(Rule("mail", 2), Result(2, at(date(2026, 3, 1))), TODAY, POLICY, follow_up=True)
    assert met.status is Status.MET


def test_meets_all_counts_expiring_and_exempt_as_met():
    rule = Rule("mail", 2, valid_months=12)
    expiring = assess(rule, Result(3, at(date(2025, 12, 20))), TODAY, POLICY)
    exempt = assess(Rule("teams", 3), None, TODAY, POLICY, exempt_until=TODAY)
    assert expiring.status is Status.EXPIRING
    assert meets_all([expiring, exempt])
    assert not meets_all([expiring, assess(Rule("ecd", 1), None, TODAY, POLICY)])


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(months=st.integers(1, 60), on=days, observed=days)
def test_expiry_cutoff_is_the_first_valid_observation_day(months, on, observed):
    assert (observed >= expiry_cutoff(months, on)) == (add_months(observed, months) > on)


@given(months=st.integers(1, 36), observed=days, today=days, level=st.integers(0, 4))
def test_expired_exactly_when_the_validity_has_passed(months, observed, today, level):
    result = assess(Rule("mail", 2, valid_months=months), Result(level, at(observed)), today, POLICY)
    assert (result.status is Status.EXPIRED) == (today >= add_months(observed, months))


results = st.builds(Result, level=st.integers(0, 4),
                    observed_at=st.dates(min_value=date(2024, 1, 1), max_value=TODAY).map(at))


@settings(max_examples=300)
@given(history=st.lists(results, max_size=4), extra_days=st.integers(0, 800), extra_level=st.integers(0, 4),
       min_level=st.integers(1, 4), months=st.one_of(st.none(), st.integers(1, 24)),
       window=st.integers(0, 90), follow_up=st.booleans(),
       exempt_until=st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))))
def test_adding_a_better_attempt_never_lowers_a_status(history, extra_days, extra_level, min_level, months,
                                                       window, follow_up, exempt_until):
    rule, policy = Rule("mail", min_level, months), Policy(expiring_days=window)
    before = latest(history)
    newest = before.observed_at if before else at(date(2024, 1, 1))
    better = Result(max(extra_level, before.level if before else 0),
                    min(newest + timedelta(days=extra_days), at(TODAY)))
    old = assess(rule, before, TODAY, policy, exempt_until=exempt_until, follow_up=follow_up)
    new = assess(rule, latest([*history, better]), TODAY, policy, exempt_until=exempt_until, follow_up=follow_up)
    assert RANK[new.status] >= RANK[old.status]


# --- group minimum --------------------------------------------------------------------------

def cells_of(people: list[tuple]) -> tuple[list[Cell], dict[tuple, list[int]]]:
    """people: (location, team, function) per person -> cells and the person numbers in each."""
    members: dict[tuple, list[int]] = {}
    for number, key in enumerate(people):
        members.setdefault(key, []).append(number)
    return [Cell(*key, len(ids)) for key, ids in members.items()], members


def scopes(people: list[tuple]):
    """Every filter combination a screen offers: one location, one team (or two, a manager), one function."""
    locations = {p[0] for p in people} | {None}
    teams = {p[1] for p in people}
    team_sets = [None] + [frozenset({t}) for t in teams] + [frozenset(c) for c in itertools.combinations(teams, 2)]
    functions = {p[2] for p in people} | {None}
    for location, team_set, function in itertools.product(locations, team_sets, functions):
        yield Scope(None if location is None else frozenset({location}), team_set,
                    None if function is None else frozenset({function}))


def shown_groups(people, min_size):
    """Every group of people any screen can show: per scope and level, the set of person numbers."""
    cells, members = cells_of(people)
    labels = release(cells, min_size)
    values = {key: Tally(headcount=len(ids), statuses={ids_key: 1 for ids_key in ids}) for key, ids in members.items()}
    shown = []
    for scope in scopes(people):
        for level in LEVELS:
            for group, tally in rollup(values, labels, scope, level).items():
                shown.append((scope, level, group, frozenset(tally.statuses), tally.headcount))
    return shown


teams_at = {0: 0, 1: 0, 2: 1, 3: 1, 4: 2, None: None}
person = st.builds(lambda team, function: (teams_at[team], team, function),
                   st.sampled_from([0, 1, 2, 3, 4, None]), st.integers(0, 3))


@settings(max_examples=150, deadline=None)
@given(people=st.lists(person, max_size=40), min_size=st.integers(1, 6))
def test_no_filter_combination_reveals_a_group_below_the_minimum(people, min_size):
    shown = shown_groups(people, min_size)
    assert all(len(ids) >= min_size for *_, ids, _count in shown)
    # Differencing: any people told apart by the shown groups (same membership in every shown
    # group) form an atom; every atom is a union of blocks, so at least the minimum.
    signature: dict[int, frozenset] = {}
    for index, (*_, ids, _count) in enumerate(shown):
        for number in ids:
            signature[number] = signature.get(number, frozenset()) | {index}
    atoms = Counter(signature.values())
    assert all(size >= min_size for size in atoms.values())


@settings(max_examples=150, deadline=None)
@given(people=st.lists(person, max_size=40), min_size=st.integers(1, 6))
def test_a_person_counts_once_per_group_and_once_per_level(people, min_size):
    for scope_level in itertools.groupby(shown_groups(people, min_size), key=lambda g: (g[0], g[1])):
        groups = list(scope_level[1])
        seen = [number for *_, ids, _count in groups for number in ids]
        assert len(seen) == len(set(seen))
        assert all(len(ids) == count for *_, ids, count in groups)


@given(people=st.lists(person, min_size=1, max_size=40), min_size=st.integers(1, 6))
def test_everyone_is_in_the_organisation_total_once_it_reaches_the_minimum(people, min_size):
    shown = [g for g in shown_groups(people, min_size) if g[0] == Scope() and g[1] == "organisation"]
    if len(people) >= min_size:
        assert [g[4] for g in shown] == [len(people)]
    else:
        assert shown == []


def test_a_function_filter_hides_a_small_function_of_a_team():
    # A team of 6: 4 verzorgenden and 2 helpenden. Filtering a function must not show the 4,
    # and the team total minus the functions shown must not give away the 2.
    people = [("loc", "t1", "vz")] * 4 + [("loc", "t1", "hp")] * 2 + [("loc", "t2", "vz")] * 5
    labels = release(cells_of(people)[0], 5)
    assert labels[("loc", "t1", "vz")] == labels[("loc", "t1", "hp")] == ("loc", "t1", OTHER)
    assert labels[("loc", "t2", "vz")] == ("loc", "t2", "vz")


def test_the_smallest_shown_cell_joins_a_too_small_overig():
    people = [("loc", "t1", "a")] * 5 + [("loc", "t1", "b")] * 7 + [("loc", "t1", "c")] * 2
    labels = release(cells_of(people)[0], 5)
    assert labels[("loc", "t1", "a")] == labels[("loc", "t1", "c")] == ("loc", "t1", OTHER)
    assert labels[("loc", "t1", "b")] == ("loc", "t1", "b")


def test_an_organisation_below_the_minimum_shows_nothing():
    assert set(release([Cell("l", "t", "f", 4)], 5).values()) == {None}


def test_min_size_must_be_positive():
    with pytest.raises(ValueError, match="min_size"):
        release([], 0)
