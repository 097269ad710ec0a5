"""SQL statements of an employee flow after a real LTI launch with a gradebook (issue 13): counts.

tests/integration/web/test_flow_sql_counts.py counts a signed-in employee's flow; here the
employee comes through the real launch (login initiation, the test LMS's signed id_token) from
a placement with a line item, so the submit also queues the score for the LMS gradebook. The
bounds are the same: question page and autosave <= 5, submit <= 15, result and overview <= 10.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mappings.loader import load_folder
from service import models as m
from tests.conftest import FIXTURE_CONTENT
from tests.integration.lti.conftest import LAUNCH_URL, follow
from tests.integration.web.test_flow_sql_counts import LIMITS, answer_for
from tests.support.sql_counter import count_sql
from tests.support.web import TOKEN

TEST = "ecd-rapportage"
CUSTOM = {"digitoets_test": TEST, "digitoets_function": "VIG"}


@pytest.mark.parametrize("step", sorted(LIMITS))
def test_a_launched_flow_stays_within_the_bounds(app, lms, registered, database, step):
    lineitem = lms.add_lineitem("course-1", label="Digitoets ECD", score_maximum=100, resource_link_id="link-1")["id"]
    client = app.test_client()
    login = client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, custom=CUSTOM, lineitem=lineitem))
    intro = follow(client, client.post("/lti/launch", data=lms.authorize(login.location)))
    assert intro.status_code == 200, intro.get_data(as_text=True)
    token = TOKEN.search(intro.get_data(as_text=True)).group(1)
    started = client.post(f"/toetsen/{TEST}/start", data={"csrf_token": token})
    registration = started.headers["Location"].rstrip("/").split("/")[-1]
    client.get(f"/poging/{registration}/vraag/1")  # the content is read into memory once here
    items = next(t for t in load_folder(FIXTURE_CONTENT).tests if t.code == TEST).items
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    counts: dict[str, list] = {}

    def count(name, call):
        with count_sql(database) as sql:
            response = call()
        assert response.status_code < 400, (name, response.status_code)
        counts.setdefault(name, []).append(sql)

    for number, item in enumerate(items, start=1):
        count("question", lambda n=number: client.get(f"/poging/{registration}/vraag/{n}"))
        count("autosave", lambda i=item: client.post(f"/poging/{registration}/antwoord", headers=headers,
                                                     json={"item": i.code, "value": answer_for(i)}))
    count("submit", lambda: client.post(f"/poging/{registration}/inleveren", data={"csrf_token": token}))
    count("result", lambda: client.get(f"/poging/{registration}/resultaat"))
    count("overview", lambda: client.get("/mijn-overzicht"))
    with database.begin() as session:  # the launch's placement took the score to its gradebook
        assert session.scalar(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE)) is not None
    worst = max(counts[step], key=lambda sql: sql.statements)
    assert worst.statements <= LIMITS[step], worst.report()
