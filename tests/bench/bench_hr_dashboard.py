"""Benchmark: the HR dashboard on PostgreSQL with 50,000 employees x 40 requirements and a year of attempts.

    .venv/bin/python -m tests.bench.bench_hr_dashboard [--employees 50000] [--runs 3]

Seeds a fresh database with COPY (tests/bench/hr_seed.py), then measures in one run:

1. the top level (organisation -> locations), 2. one drill-down (one location's teams),
3. a streamed export of every person's status per requirement,
4. the same top level and drill-down read from the figures the worker stores
   (service/operations/hr_dashboard_cache.py), and the worker's refresh that stores them,

each the way the service does it (grouped SQL + one pass in Python) and the naive way (a query
per person, statuses with the pure rules in Python), checks that both give the same figures, and
prints the times in ms and the ratios. Targets: top level < 1 s, drill-down < 300 ms, export of
50,000 rows < 10 s, memory flat (the tracemalloc peak of the export for a tenth and for all rows).

The machine is shared, so every figure is also printed as a multiple of a baseline measured in
the same run: ``SELECT count(*)`` over the results table (one row per person and skill), the
least any figure computed from the results has to read. A target is printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from mappings import compliance as rules
from service import models as m
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import compliance as c
from service.operations import compliance_people as people
from service.operations import compliance_sql as q
from service.operations import hr_dashboard_cache as cache
from service.operations.attempts import required_levels
from tests.bench.hr_seed import seed
from tests.conftest import PG_BASE_URL, _drop_postgres_database, _new_postgres_database

TODAY = date(2026, 11, 30)


def timed(runs: int, action):
    """Median milliseconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def naive_tallies(session, organisation, today, location_ids=None, rows=None):
    """Per cell figures the naive way: one query per person, the pure rules per requirement in Python."""
    policy = q.policy_of(organisation)
    codes = dict(session.execute(select(m.Skill.id, m.Skill.code)).all())
    rule_sets = {}
    for profile in session.scalars(select(m.FunctionProfile)):
        rule_sets[profile.id] = [rules.Rule(code, r.min_level, r.recertify_months)
                                 for code, r in required_levels(session, profile).items() if r.mandatory]
    exempt = {(e.person_id, codes[e.skill_id]): e.until for e in session.scalars(
        select(m.Exemption).where(m.Exemption.organisation_id == organisation.id))}
    follow = {(h.person_id, codes[h.skill_id]) for h in session.scalars(
        select(m.HelpRequest).where(m.HelpRequest.organisation_id == organisation.id,
                                    m.HelpRequest.status.in_(q.OPEN_HELP)))}
    covering = {}
    for profile, skill, test in c._covering(session):
        covering.setdefault((profile, codes[skill]), set()).add(test)
    members = []
    for record in session.scalars(select(m.HrRecord).where(m.HrRecord.organisation_id == organisation.id,
                                                           m.HrRecord.left_at.is_(None))):
        team = session.get(m.Team, record.team_id) if record.team_id else None
        location = record.location_id or (team.location_id if team else None)
        members.append((record, location))
    assigned = dict(session.execute(select(m.FunctionAssignment.person_id, m.FunctionAssignment.function_profile_id)
                                    .where(m.FunctionAssignment.valid_until.is_(None))).all())
    sizes = Counter()
    for record, location in members:
        profile = assigned.get(record.person_id) or record.function_profile_id
        sizes[(location, record.team_id, profile)] += 1
    labels = rules.release([rules.Cell(*key, n) for key, n in sizes.items()], organisation.min_group_size)
    tallies: dict[tuple, rules.Tally] = {}
    for record, location in members:
        profile = assigned.get(record.person_id) or record.function_profile_id
        cell = (location, record.team_id, profile)
        if location_ids is not None and (labels[cell] is None or labels[cell][0] not in location_ids):
            continue
        results = {}
        if record.person_id is not None:
            for level in session.scalars(select(m.CurrentSkillLevel).where(
                    m.CurrentSkillLevel.person_id == record.person_id)):
                results[codes[level.skill_id]] = rules.Result(level.level, level.observed_at)
        found = [rules.assess(rule, results.get(rule.skill), today, policy,
                              exempt_until=exempt.get((record.person_id, rule.skill)),
                              follow_up=(record.person_id, rule.skill) in follow)
                 for rule in rule_sets.get(profile, [])]
        if rows is not None:
            rows.append((record.person_id, [(a.skill, a.base.value, a.observed_on) for a in found]))
        ids = {code: i for i, code in codes.items()}
        due = set()
        for a in found:
            if a.base in (rules.Status.NOT_TESTED, rules.Status.EXPIRED):
                due |= covering.get((profile, a.skill), set())
        tally = rules.Tally(1, int(profile is not None and rules.meets_all(found)),
                            Counter((ids[a.skill], a.status.value) for a in found), {t: 1 for t in due})
        tallies[cell] = tallies[cell] + tally if cell in tallies else tally
    return tallies, labels


def naive_level(session, organisation, today, level, location_ids=None):
    tallies, labels = naive_tallies(session, organisation, today, location_ids)
    scope = rules.Scope(locations=location_ids)
    return {key: (t.headcount, t.all_met, dict(t.statuses))
            for key, t in rules.rollup(tallies, labels, scope, level).items()}


def service_level(board):
    return {g.key: (g.headcount, g.all_met, {(s.skill_id, st): n for s in g.requirements
                                               for st, n in s.counts.items()}) for g in board.groups}


def export(session, organisation, viewer, limit=None) -> int:
    rows = people.person_rows(session, organisation, viewer, today=TODAY, purpose="bench")
    count = 0
    for _row in rows:
        count += 1
        if limit is not None and count >= limit:
            rows.close()
            break
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-naive-export", action="store_true", help="leave out the slowest naive figure")
    args = parser.parse_args()
    if PG_BASE_URL is None:
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432 (or set DIGITOETS_TEST_DATABASE_URL)")
    url = _new_postgres_database()
    try:
        run(url, args)
    finally:
        _drop_postgres_database(url)


def run(url: str, args) -> dict:
    engine = make_engine(url)
    upgrade(url, engine=engine)
    database = Database(url, engine=engine)
    began = time.perf_counter()
    seeded = seed(database, args.employees, TODAY)
    with database.begin() as session:
        counts = {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("people", m.Person), ("attempts", m.Attempt), ("observations", m.SkillObservation),
            ("current levels", m.CurrentSkillLevel))}
    print(f"seeded in {time.perf_counter() - began:.1f} s: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()))
    location = frozenset({seeded.location_ids[0]})
    out = {}
    with database.begin() as session:
        organisation = session.get(m.Organisation, seeded.organisation_id)
        viewer = m.Person(organisation_id=organisation.id, issuer="bench", subject="hr")
        session.add(viewer)
        session.flush()
        baseline_ms, _ = timed(args.runs, lambda: session.scalar(
            select(func.count()).select_from(m.CurrentSkillLevel)))
        top_ms, top = timed(args.runs, lambda: c.dashboard(session, organisation, today=TODAY, level="location"))
        drill_ms, drill = timed(args.runs, lambda: c.dashboard(session, organisation, today=TODAY, level="team",
                                                               filters=c.Filters(location_ids=location)))
        moment = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
        refresh_ms, views = timed(1, lambda: cache.refresh(session, organisation, moment))
        stored_top_ms, stored_top = timed(args.runs, lambda: cache.read(
            session, organisation, level="location", filters=c.Filters(), teams=None, now=moment))
        stored_drill_ms, stored_drill = timed(args.runs, lambda: cache.read(
            session, organisation, level="team", filters=c.Filters(location_ids=location), teams=None, now=moment))
        assert stored_top.figures == top and stored_drill.figures == drill, "stored and live figures differ"
        export_ms, exported = timed(1, lambda: export(session, organisation, viewer))
        tracemalloc.start()
        export(session, organisation, viewer, limit=max(1, exported // 10))
        tenth_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        export(session, organisation, viewer)
        full_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        naive_top_ms, naive_top = timed(1, lambda: naive_level(session, organisation, TODAY, "location"))
        naive_drill_ms, naive_drill = timed(1, lambda: naive_level(session, organisation, TODAY, "team", location))
        assert naive_top == service_level(top), "top level: the naive and the service figures differ"
        assert naive_drill == service_level(drill), "drill-down: the naive and the service figures differ"
        naive_export_ms = None
        if not args.skip_naive_export:
            rows: list = []
            naive_export_ms, _ = timed(1, lambda: naive_tallies(session, organisation, TODAY, rows=rows))
            assert len(rows) == exported, "export: the naive and the service row counts differ"
        session.rollback()
    print(f"figures agree: {len(top.groups)} locations, {len(drill.groups)} teams in the drill-down, "
          f"{exported:,} people exported")
    print(f"baseline: count(*) of the results table ({counts['current levels']:,} rows) {baseline_ms:.0f} ms")
    print(f"{'measure':<28}{'service ms':>12}{'x baseline':>12}{'target ms':>11}{'naive ms':>12}"
          f"{'naive/service':>15}")
    for name, mine, naive, target in (("top level (locations)", top_ms, naive_top_ms, 1000),
                                      ("drill-down (one location)", drill_ms, naive_drill_ms, 300),
                                      (f"export ({exported:,} rows)", export_ms, naive_export_ms, 10000),
                                      ("top level, stored", stored_top_ms, None, 1000),
                                      ("drill-down, stored", stored_drill_ms, None, 300)):
        ratio = f"{naive / mine:.1f}x" if naive else "-"
        print(f"{name:<28}{mine:>12.1f}{mine / baseline_ms:>11.2f}x{'< ' + str(target):>11}"
              f"{f'{naive:.0f}' if naive else '-':>12}{ratio:>15}")
    print(f"stored figures: the worker's refresh computed and stored {views} views in {refresh_ms:.0f} ms "
          f"({refresh_ms / baseline_ms:.1f}x baseline); the page reads one view")
    print(f"export memory (tracemalloc peak): {tenth_peak / 1e6:.1f} MB for a tenth, {full_peak / 1e6:.1f} MB for all")
    out.update(headcount=top.total.headcount, baseline_ms=baseline_ms, top_ms=top_ms, drill_ms=drill_ms, export_ms=export_ms,
               stored_top_ms=stored_top_ms, stored_drill_ms=stored_drill_ms, refresh_ms=refresh_ms,
               exported=exported, tenth_peak=tenth_peak,
               full_peak=full_peak)
    engine.dispose()
    return out


if __name__ == "__main__":
    main()
