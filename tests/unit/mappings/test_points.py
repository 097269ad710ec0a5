"""Points from the ledger: thresholds, per-hour blocks, validity periods and reversals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.model import AccreditedActivity, ActivityKind, ActivityType, Counting, EarningRule
from mappings.points import Entry, allowed_points, counted_minutes, evaluate, net, reconcile

COACHING = EarningRule("digicoaching-3-uur", (ActivityKind.COACHING,), min_hours=3, points=3, period_months=12)
PER_HOUR = EarningRule("e-learning-per-uur", (ActivityKind.ELEARNING, ActivityKind.TEST), min_hours=1, points=1,
                       counting=Counting.PER_HOUR, test_minutes=15)
ACTIVITY = AccreditedActivity("digicoaching", "Digicoaching", ActivityType.EXPERTISEGROEP, "digicoaching-3-uur",
                              valid_from=date(2026, 1, 1), valid_until=date(2027, 12, 31), pe_course_id=451907)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def entry(id_, minutes, days=0, kind=ActivityKind.COACHING, person=1, reverses=None):
    return Entry(id_, person, kind, minutes, START + timedelta(days=days), reverses)


def test_180_minutes_of_coaching_within_a_year_give_3_points():
    awards = evaluate(ACTIVITY, COACHING, [entry(1, 60), entry(2, 60, days=30), entry(3, 60, days=200)])
    assert [(a.points, a.minutes, a.entry_ids) for a in awards] == [(3, 180, (1, 2, 3))]
    assert awards[0].completed_at == START + timedelta(days=200)


def test_179_minutes_give_nothing():
    assert evaluate(ACTIVITY, COACHING, [entry(1, 60), entry(2, 60), entry(3, 59)]) == []


def test_minutes_older_than_the_window_no_longer_count():
    # 120 minutes in January 2026, 60 in March 2027: more than 12 months apart
    assert evaluate(ACTIVITY, COACHING, [entry(1, 120), entry(2, 60, days=430)]) == []
    # one more hour in 2027 completes 180 minutes inside the window that starts at entry 2
    [award] = evaluate(ACTIVITY, COACHING, [entry(1, 120), entry(2, 60, days=430), entry(3, 120, days=440)])
    assert award.entry_ids == (2, 3)


def test_minutes_outside_the_validity_period_earn_nothing():
    before = Entry(1, 1, ActivityKind.COACHING, 300, datetime(2025, 12, 31, 23, tzinfo=UTC))
    after = Entry(2, 1, ActivityKind.COACHING, 300, datetime(2028, 1, 1, 8, tzinfo=UTC))
    assert evaluate(ACTIVITY, COACHING, [before, after]) == []
    last_day = Entry(3, 1, ActivityKind.COACHING, 300, datetime(2027, 12, 31, 20, tzinfo=UTC))
    assert [a.points for a in evaluate(ACTIVITY, COACHING, [last_day])] == [3]


def test_other_kinds_do_not_count_for_coaching():
    assert evaluate(ACTIVITY, COACHING, [entry(1, 600, kind=ActivityKind.ELEARNING)]) == []


def test_each_hour_of_e_learning_gives_a_point_and_a_passed_test_counts_its_fixed_minutes():
    awards = evaluate(ACTIVITY, PER_HOUR, [entry(1, 45, kind=ActivityKind.ELEARNING),
                                           entry(2, 1, kind=ActivityKind.TEST, days=1),
                                           entry(3, 130, kind=ActivityKind.ELEARNING, days=2)])
    assert [(a.points, a.minutes) for a in awards] == [(1, 60), (2, 130)]
    assert counted_minutes(entry(9, 1, kind=ActivityKind.TEST), PER_HOUR) == 15


def test_a_reversal_takes_the_award_away_and_reconcile_reverses_it():
    entries = [entry(1, 100), entry(2, 100, days=3)]
    [award] = evaluate(ACTIVITY, COACHING, entries)
    corrected = evaluate(ACTIVITY, COACHING, [*entries, entry(3, -100, days=4, reverses=2)])
    assert corrected == []
    plan = reconcile(corrected, [award.key])
    assert plan.new == () and plan.reverse == (award.key,)


def test_stored_awards_are_not_stored_again():
    awards = evaluate(ACTIVITY, COACHING, [entry(1, 200), entry(2, 200, days=5)])
    assert len(awards) == 2
    plan = reconcile(awards, [awards[0].key])
    assert plan.new == (awards[1],) and plan.reverse == ()


entries_strategy = st.lists(
    st.builds(lambda person, kind, minutes, days: (person, kind, minutes, days),
              st.integers(1, 3), st.sampled_from(list(ActivityKind)), st.integers(1, 240), st.integers(-30, 800)),
    max_size=40,
)


def _ledger(raw):
    return [Entry(i + 1, p, k, mins, START + timedelta(days=d)) for i, (p, k, mins, d) in enumerate(raw)]


@settings(max_examples=200, deadline=None)
@given(entries_strategy, st.sampled_from([COACHING, PER_HOUR]))
def test_points_never_exceed_what_the_rule_allows(raw, rule):
    ledger = _ledger(raw)
    awards = evaluate(ACTIVITY, rule, ledger)
    for person in {e.person_id for e in ledger}:
        counted = sum(counted_minutes(e, rule) for e in ledger if e.person_id == person
                      and e.kind in rule.activity_kinds and ACTIVITY.valid_from <= e.occurred_at.date()
                      <= ACTIVITY.valid_until)
        assert sum(a.points for a in awards if a.person_id == person) <= allowed_points(rule, counted)
    used = [i for a in awards for i in a.entry_ids]
    assert len(used) == len(set(used)), "an entry earned points twice"


@settings(max_examples=200, deadline=None)
@given(entries_strategy, st.sampled_from([COACHING, PER_HOUR]), st.data())
def test_reversing_entries_net_to_zero(raw, rule, data):
    ledger = _ledger(raw)
    chosen = data.draw(st.sets(st.sampled_from([e.id for e in ledger]) if ledger else st.nothing()))
    reversals = [Entry(1000 + e.id, e.person_id, e.kind, -e.minutes, e.occurred_at + timedelta(days=1), e.id)
                 for e in ledger if e.id in chosen]
    kept = [e for e in ledger if e.id not in chosen]
    assert net([*ledger, *reversals]) == net(kept)
    assert evaluate(ACTIVITY, rule, [*ledger, *reversals]) == evaluate(ACTIVITY, rule, kept)


@settings(max_examples=200, deadline=None)
@given(entries_strategy, st.sampled_from([COACHING, PER_HOUR]), st.randoms())
def test_the_same_ledger_gives_the_same_awards_in_any_order(raw, rule, rnd):
    ledger = _ledger(raw)
    shuffled = list(ledger)
    rnd.shuffle(shuffled)
    first = evaluate(ACTIVITY, rule, ledger)
    assert first == evaluate(ACTIVITY, rule, shuffled)
    assert [a.key for a in first] == [a.key for a in evaluate(ACTIVITY, rule, ledger)]
    assert reconcile(first, [a.key for a in first]).new == ()
