"""SQL statements per request of the employee flow stay bounded (issue 13): counts, not times.

Counted with tests/support/sql_counter.py on SQLite and PostgreSQL, after the content is in
memory (the first request after a content release reads it once). Bounds: question page and
autosave <= 5, submit <= 15, result page <= 10, overview <= 10. The flow here is the fixture
content's ``ecd-rapportage`` (5 questions, every type); the statements of each step do not grow
with the number of questions or skills.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from mappings.loader import load_folder
from service import models as m
from tests.conftest import FIXTURE_CONTENT
from tests.support.sql_counter import count_sql

TEST = "ecd-rapportage"
LIMITS = {"question": 5, "autosave": 5, "submit": 15, "result": 10, "overview": 10}


def answer_for(item) -> object:
    if item.type.value == "self_rating":
        return 2
    if item.type.value == "ordering":
        return list(item.steps)
    correct = [o.code for o in item.options if o.correct]
    return correct if item.type.value == "multiple" else correct[0]


def counted(database, counts: dict, name: str, call):
    with count_sql(database) as sql:
        response = call()
    assert response.status_code < 400, (name, response.status_code)
    counts[name] = max(counts.get(name, 0), sql.statements)
    counts.setdefault("reports", {})[name] = sql.report()
    counts.setdefault("counted", []).append(sql)
    return response


@pytest.fixture
def flow_counts(browser, make_person, database):
    """Statements per step of one whole flow (the maximum where a step repeats)."""
    items = next(t for t in load_folder(FIXTURE_CONTENT).tests if t.code == TEST).items
    browser.sign_in(make_person())
    browser.get(f"/toets/{TEST}")
    started = browser.post(f"/toetsen/{TEST}/start")
    registration = started.headers["Location"].rstrip("/").split("/")[-1]
    browser.get(f"/poging/{registration}/vraag/1")  # the content is read into memory once here
    counts: dict = {}
    for number, item in enumerate(items, start=1):
        counted(database, counts, "question", lambda n=number: browser.get(f"/poging/{registration}/vraag/{n}"))
        counted(database, counts, "autosave", lambda i=item: browser.post_json(
            f"/poging/{registration}/antwoord", {"item": i.code, "value": answer_for(i)}))
    counted(database, counts, "submit", lambda: browser.post(f"/poging/{registration}/inleveren"))
    result = counted(database, counts, "result", lambda: browser.get(f"/poging/{registration}/resultaat"))
    overview = counted(database, counts, "overview", lambda: browser.get("/mijn-overzicht"))
    assert "Rapporteren in het ECD" in result.get_data(as_text=True)  # the pages really were built
    assert "Rapporteren in het ECD" in overview.get_data(as_text=True)
    return counts


@pytest.mark.parametrize("step", sorted(LIMITS))
def test_statements_per_request_stay_within_the_bound(flow_counts, step):
    assert flow_counts[step] <= LIMITS[step], flow_counts["reports"][step]


def test_no_request_reads_content_rows_once_the_content_is_in_memory(flow_counts):
    """Items, skills, themes, versions, profiles and tips come from memory: no query names their tables."""
    for sql in flow_counts["counted"]:
        for table in ("items", "item_skills", "skills", "skill_levels", "themes", "test_versions", "digi_tests",
                      "function_profiles", "requirements", "learning_resources"):
            assert sql.touching(table) == 0, sql.report()


def test_the_newest_content_release_is_read_with_the_roles_not_again(flow_counts):
    """Each request checks whether its in-memory content is current: the newest release rides
    the per-request roles read (service/web/sessions.py); no request asks for it a second time."""
    for sql in flow_counts["counted"]:
        assert sql.touching("content_releases") == 1, sql.report()
        assert sum("content_releases" in s and "person_roles" in s for s in sql.sql) == 1, sql.report()


def test_an_autosave_writes_its_answer_in_one_statement_without_reading_the_others(browser, make_person, database):
    """A changed answer replaces the earlier one in one upsert; the attempt's other answers are not read."""
    browser.sign_in(make_person())
    browser.get(f"/toets/{TEST}")
    registration = browser.post(f"/toetsen/{TEST}/start").headers["Location"].rstrip("/").split("/")[-1]
    save = f"/poging/{registration}/antwoord"
    assert browser.post_json(save, {"item": "ecd-01", "value": "a"}).status_code == 200
    assert browser.post_json(save, {"item": "ecd-02", "value": ["a"]}).status_code == 200
    with count_sql(database) as sql:
        changed = browser.post_json(save, {"item": "ecd-01", "value": "b"})
    assert changed.status_code == 200
    assert sql.statements == 3 and sql.touching("responses") == 1, sql.report()  # roles, attempt, upsert
    with database.begin() as session:
        stored = dict(session.execute(
            select(m.Item.code, m.Response.answer).join(m.Response.item).join(m.Response.attempt)
            .where(m.Attempt.registration == uuid.UUID(registration))).all())
    assert stored == {"ecd-01": {"value": "b"}, "ecd-02": {"value": ["a"]}}
