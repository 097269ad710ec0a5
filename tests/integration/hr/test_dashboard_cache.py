"""/hr's stored figures (hr_dashboard_figures): equal to the live computation, refreshed, per organisation (both databases).

The worker (service/jobs/hr_dashboard.py) stores each organisation's default views; the page
reads them and says when they were computed, and computes live without them (none yet, too old,
another day) and for filtered or scoped views.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mappings import compliance as rules
from service import create_app
from service import models as m
from service.jobs import hr_dashboard as job
from service.operations import compliance as c
from service.operations import compliance_sql as q
from service.operations import hr_dashboard_cache as cache
from service.operations.hr_exports import drill_args
from service.operations.hr_import.files import read_hr_file
from service.operations.hr_import.plan import apply
from service.operations.hr_import.uploads import mapping_for
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_compliance_fast_path import vary
from tests.integration.hr.test_dashboard_pages import shown
from tests.support.compliance_org import NOW, TODAY, Builder, at

COMPUTED = re.compile(r"Cijfers van (\d\d:\d\d)\. Ze worden elke (\d+) minuten bijgewerkt\.")


def refresh(database, organisation_id: int, when) -> int:
    with database.begin() as session:
        return cache.refresh(session, session.get(m.Organisation, organisation_id), when)


def view_of(key: str) -> tuple[str, c.Filters]:
    """The level and filters a stored view's key stands for (``team:l3``, ``function:l3:t7``)."""
    level, *parts = key.split(":")
    chosen = {part[0]: frozenset({int(part[1:])}) for part in parts}
    return level, c.Filters(location_ids=chosen.get("l"), team_ids=chosen.get("t"))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_stored_view_is_exactly_the_live_computation(database, hr_org, seed, monkeypatch):
    if seed == 1:  # as for a large organisation: on PostgreSQL the temporary tables
        monkeypatch.setattr(q, "TEMPORARY_FROM", 0)
    with database.begin() as session:
        vary(session, hr_org.built, seed)
        organisation = session.get(m.Organisation, hr_org.organisation.id)
        organisation.min_group_size = 3
        stored = cache.refresh(session, organisation, NOW)
        rows = session.execute(select(m.HrDashboardFigures.view_key, m.HrDashboardFigures.figures)
                               .where(m.HrDashboardFigures.organisation_id == organisation.id)).all()
        assert stored == len(rows)
        keys = {key for key, _ in rows}
        # every level of the whole organisation, and the drill-downs: locations -> teams -> functions
        assert set(rules.LEVELS) <= keys
        assert any(k.startswith("team:l") for k in keys) and any(k.startswith("function:l") for k in keys)
        groups_seen = 0
        for key, text in rows:
            level, filters = view_of(key)
            found = cache.read(session, organisation, level=level, filters=filters, teams=None, now=NOW)
            live = c.dashboard(session, organisation, today=TODAY, level=level, filters=filters)
            assert found is not None and found.figures == live, key
            groups_seen += len(live.groups)
            # group figures only: every group shown has at least the minimum, and no person is named
            data = json.loads(text)
            figures = ([data["total"]] if data["total"] else []) + data["groups"]
            assert all(group[3] >= organisation.min_group_size for group in figures)  # group[3]: headcount
            assert set(data) == {"level", "as_of", "min", "filters", "total", "groups"}
        numbers = session.scalars(select(m.HrRecord.personnel_number)
                                  .where(m.HrRecord.organisation_id == organisation.id)).all()
        everything = "".join(text for _, text in rows)
        assert not [n for n in numbers if f'"{n}"' in everything]
        # each link of a stored page leads to a stored page
        for key, _ in rows:
            level, filters = view_of(key)
            board = cache.read(session, organisation, level=level, filters=filters, teams=None, now=NOW).figures
            for group in board.groups:
                args = drill_args(group, filters)
                if args:
                    deeper = c.Filters(frozenset({args["locatie"]}), frozenset({args["team"]}) if "team" in args
                                       else None)
                    assert cache.view_key(args["niveau"], deeper, None) in keys
    assert groups_seen > 20


def test_the_page_shows_the_stored_figures_and_when_they_were_computed(client, database, hr_org):
    refresh(database, hr_org.organisation.id, NOW - timedelta(minutes=5))
    # a result after the refresh: the stored page does not show it yet, a filtered (live) view does
    with database.begin() as session:
        p4 = session.get(m.Person, hr_org.people["p4"])
        Builder(session).level(p4, "ecd-rapporteren", 2, NOW - timedelta(minutes=1))
    browser = signed_in(client, hr_org.hr)
    page = browser.get("/hr").get_data(as_text=True)
    assert COMPUTED.search(page).groups() == ("12:55", "10")  # 11:55 UTC is 12:55 in the Netherlands in winter
    assert shown(page) == {"Den Haag": (12, 3), "Rotterdam": (6, 0)}
    link = re.search(r'<a href="([^"]+)">Den Haag</a>', page).group(1).replace("&amp;", "&")
    page = browser.get(link).get_data(as_text=True)  # the drill-down is stored too
    assert COMPUTED.search(page) and shown(page) == {"Afdeling Zon": (6, 2), "Afdeling Maan": (6, 1)}
    vig = hr_org.profiles["vig"]
    page = browser.get(f"/hr?niveau=organisation&functie={vig}").get_data(as_text=True)
    assert not COMPUTED.search(page) and shown(page) == {"Hele organisatie": (6, 3)}  # live: p4 now meets all
    page = browser.get("/hr?niveau=team&periode=2026-11").get_data(as_text=True)
    assert not COMPUTED.search(page)


def test_without_fresh_stored_figures_the_page_computes_live(client, database, hr_org):
    browser = signed_in(client, hr_org.hr)
    page = browser.get("/hr").get_data(as_text=True)  # nothing stored yet
    assert not COMPUTED.search(page) and shown(page) == {"Den Haag": (12, 3), "Rotterdam": (6, 0)}
    for when in (NOW - cache.STALE, NOW - timedelta(days=1)):  # too old, or another day's
        refresh(database, hr_org.organisation.id, when)
        with database.begin() as session:
            p4 = session.get(m.Person, hr_org.people["p4"])
            if not session.scalar(select(m.CurrentSkillLevel.id).where(m.CurrentSkillLevel.person_id == p4.id)):
                Builder(session).level(p4, "ecd-rapporteren", 2, NOW - timedelta(minutes=1))
        page = browser.get("/hr").get_data(as_text=True)
        assert not COMPUTED.search(page) and shown(page) == {"Den Haag": (12, 4), "Rotterdam": (6, 0)}
    refresh(database, hr_org.organisation.id, NOW - cache.STALE + timedelta(minutes=1))
    assert COMPUTED.search(browser.get("/hr").get_data(as_text=True))


def test_a_manager_sees_live_figures_of_their_own_teams(client, database, hr_org):
    refresh(database, hr_org.organisation.id, NOW)
    page = signed_in(client, hr_org.people["manager"]).get("/hr?niveau=team").get_data(as_text=True)
    assert not COMPUTED.search(page) and shown(page) == {"Afdeling Zon": (6, 2)}


def test_the_worker_refreshes_after_a_new_scored_attempt_at_most_every_interval(client, database, hr_org):
    org = hr_org.organisation.id
    refresh(database, org, NOW - timedelta(minutes=15))
    with database.begin() as session:
        organisation = session.get(m.Organisation, org)
        every = timedelta(minutes=10)
        assert not cache.due(session, organisation, NOW, every)  # nothing changed
        p4 = session.get(m.Person, hr_org.people["p4"])
        Builder(session).level(p4, "ecd-rapporteren", 2, at(2026, 11, 30))
        assert not cache.due(session, organisation, NOW - timedelta(minutes=6), every)  # changed, but 9 minutes old
        assert cache.due(session, organisation, NOW, every)
    step = job.RefreshStep(database, every_minutes=10, background=False, clock=lambda: NOW)
    step()
    assert step.refreshed >= 1
    page = signed_in(client, hr_org.hr).get("/hr").get_data(as_text=True)
    assert COMPUTED.search(page).group(1) == "13:00"
    assert shown(page) == {"Den Haag": (12, 4), "Rotterdam": (6, 0)}  # p4 now meets all
    refreshed = step.refreshed
    step.checked.clear()
    step()  # stored just now and nothing changed: left alone
    assert step.refreshed == refreshed


def test_an_hr_import_shows_at_once_and_the_worker_stores_the_new_figures(database, hr_org):
    other = hr_org.other.id
    refresh(database, other, NOW - timedelta(minutes=20))
    rows = "".join(f"N{n};verzorgende-ig;Team Noord;Huis Noord\n" for n in range(6))
    parsed = read_hr_file(f"Personeelsnummer;Functiecode;Afdeling;Locatie\n{rows}".encode(), "hr.csv")
    with database.begin() as session:
        organisation = session.get(m.Organisation, other)
        before = cache.read(session, organisation, level="location", filters=c.Filters(), teams=None,
                            now=NOW - timedelta(minutes=20))
        assert before.figures.total.headcount == 6
        mapping, _ = mapping_for(session, organisation, parsed.headers)
        apply(session, organisation, parsed, "hr.csv", "sha", mapping, NOW)
    with database.begin() as session:
        organisation = session.get(m.Organisation, other)
        # the old figures are gone: the page computes live and shows the import at once
        assert cache.read(session, organisation, level="location", filters=c.Filters(), teams=None, now=NOW) is None
        assert cache.due(session, organisation, NOW, timedelta(minutes=10))
        live = c.dashboard(session, organisation, level="location", filters=c.Filters(), today=TODAY)
        assert live.total.headcount == 12
    refresh(database, other, NOW)  # the worker's next look
    with database.begin() as session:
        organisation = session.get(m.Organisation, other)
        after = cache.read(session, organisation, level="location", filters=c.Filters(), teams=None, now=NOW)
        assert after.computed_at == NOW and after.figures.total.headcount == 12
        assert {g.name for g in after.figures.groups} == {"Huis Noord", None}


def test_an_organisation_never_gets_another_organisations_stored_figures(client, database, hr_org):
    refresh(database, hr_org.organisation.id, NOW)
    with database.begin() as session:
        other = session.get(m.Organisation, hr_org.other.id)
        assert cache.read(session, other, level="location", filters=c.Filters(), teams=None, now=NOW) is None
    page = signed_in(client, hr_org.hr_other).get("/hr?niveau=organisation").get_data(as_text=True)
    assert not COMPUTED.search(page)  # B computes its own, live
    assert "Den Haag" not in page and shown(page) == {"Hele organisatie": (6, 0)}
    refresh(database, hr_org.other.id, NOW)
    page = signed_in(client, hr_org.hr_other).get("/hr?niveau=organisation").get_data(as_text=True)
    assert COMPUTED.search(page) and shown(page) == {"Hele organisatie": (6, 0)}
    # a drill-down of A's location typed into B's address is refused, not served from A's figures
    location = hr_org.locations["L1"]
    response = signed_in(client, hr_org.hr_other).get(f"/hr?niveau=team&locatie={location}")
    assert response.status_code == 422 and "Den Haag" not in response.get_data(as_text=True)


def test_the_forward_worker_stores_every_organisations_figures(settings, database, hr_org):
    runner = create_app(settings, database=database).test_cli_runner()
    result = runner.invoke(args=["xapi", "forward"])
    assert result.exit_code == 0, result.output
    assert "HR figures refreshed for" in result.output
    with database.begin() as session:
        for organisation_id in (hr_org.organisation.id, hr_org.other.id):
            found = cache.stored(session, session.get(m.Organisation, organisation_id))
            assert found is not None and found.state == cache.state(session, session.get(m.Organisation,
                                                                                         organisation_id))

