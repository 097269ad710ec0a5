"""/beheer/xapi and /beheer/berichten stay bounded: counts from an index and a counter, at most 100 refused rows listed."""

from __future__ import annotations

import re

from sqlalchemy import insert, select

from service import models as m
from service.operations.people import grant_role


def _admin(database, make_person):
    person_id = make_person("admin-1", function=None)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
        return person_id, session.get(m.Person, person_id).organisation_id


def _add(database, org_id, count, status, prefix, kind=m.OutboxKind.XAPI):
    verb = {"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}
    with database.begin() as session:
        session.execute(insert(m.OutboxItem), [
            {"organisation_id": org_id, "kind": kind, "dedupe_key": f"{prefix}{n}", "payload": verb, "status": status,
             "last_error": "refused" if status is m.OutboxStatus.DEAD else None} for n in range(count)])


def test_the_lrs_page_counts_delivered_rows_and_lists_the_oldest_hundred_refused(browser, make_person, database):
    admin_id, org_id = _admin(database, make_person)
    other = make_person("other", function=None, org_slug="zorg-b")
    with database.begin() as session:
        other_org = session.get(m.Person, other).organisation_id
    _add(database, org_id, 1200, m.OutboxStatus.DELIVERED, "d")
    _add(database, org_id, 130, m.OutboxStatus.DEAD, "x")
    _add(database, org_id, 4, m.OutboxStatus.PENDING, "p")
    _add(database, other_org, 50, m.OutboxStatus.DELIVERED, "o")  # another organisation's: never counted here
    browser.sign_in(admin_id)
    page = browser.get("/beheer/xapi").get_data(as_text=True)
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', page))
    assert cells == {"Wacht op verzending": "4", "Verzonden": "1200", "Geweigerd door het LRS": "130",
                     "Ander bericht met hetzelfde nummer in het LRS": "0"}
    assert "de oudste 100 van de 130 geweigerde berichten" in page
    assert len(re.findall(r'name="id" value="\d+"', page)) == 100
    messages = browser.get("/beheer/berichten").get_data(as_text=True)
    assert re.search(r'data-kind="xapi"><th scope="row">[^<]+</th><td>4</td><td>1200</td>\s*<td>130</td>', messages)


def test_retry_all_puts_every_refused_row_back_in_one_statement(browser, make_person, database):
    admin_id, org_id = _admin(database, make_person)
    _add(database, org_id, 130, m.OutboxStatus.DEAD, "x")
    browser.sign_in(admin_id)
    browser.get("/beheer/xapi")
    assert browser.post("/beheer/xapi/opnieuw").status_code == 302
    with database.begin() as session:
        statuses = set(session.scalars(select(m.OutboxItem.status)))
    assert statuses == {m.OutboxStatus.PENDING}
