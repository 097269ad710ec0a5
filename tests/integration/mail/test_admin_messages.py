"""The admin sees what waits in the outbox of their own organisation, per kind, and why mails were refused."""

from __future__ import annotations

import re
from dataclasses import replace

from service import create_app
from service import models as m
from service.operations import mail
from service.operations.people import grant_role
from tests.support.web import Browser


def admin_of(database, make_person, org_slug):
    person_id = make_person(f"admin-{org_slug}", org_slug=org_slug)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def queue(database, org_slug, key, status=m.OutboxStatus.PENDING, reason=None):
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=org_slug).one()
        item = mail.enqueue(session, org, "coach@zorg.example", "help_request_arrived", {"count": 1}, dedupe_key=key)
        item.status, item.last_error = status, reason


def row_counts(page: str, kind: str) -> tuple[int, int, int]:
    cells = re.search(rf'<tr data-kind="{kind}">.*?</tr>', page, re.S).group(0)
    return tuple(int(n) for n in re.findall(r"<td>(\d+)</td>", cells))


def test_without_smtp_the_admin_sees_mails_waiting_for_their_own_organisation_only(browser, make_person, database):
    admin_a = admin_of(database, make_person, "zorg-a")
    admin_of(database, make_person, "zorg-b")
    queue(database, "zorg-a", "1")
    queue(database, "zorg-a", "2")
    queue(database, "zorg-a", "3", m.OutboxStatus.DEAD, "550 5.1.1 Mailbox unavailable")
    for n in range(5):
        queue(database, "zorg-b", f"b{n}")
    queue(database, "zorg-b", "geheim", m.OutboxStatus.DEAD, "550 andere organisatie")
    page = browser.sign_in(admin_a).get("/beheer/berichten").get_data(as_text=True)
    assert "Er is geen mailserver ingesteld." in page
    assert row_counts(page, "mail") == (2, 0, 1)  # waiting, sent, refused: zorg-b's six are not counted
    assert row_counts(page, "xapi") == (0, 0, 0)
    assert "550 5.1.1 Mailbox unavailable" in page and "andere organisatie" not in page


def test_with_smtp_there_is_no_waiting_notice(settings, database, make_person):
    admin = admin_of(database, make_person, "zorg-a")
    app = create_app(replace(settings, smtp_host="127.0.0.1", smtp_security="none", smtp_from="noreply@zorg.example"),
                     database=database)
    page = Browser(app.test_client()).sign_in(admin).get("/beheer/berichten").get_data(as_text=True)
    assert "Er is geen mailserver ingesteld." not in page
    assert "Er zijn geen geweigerde e-mails." in page


def test_an_employee_may_not_see_the_messages_page(browser, make_person):
    assert browser.sign_in(make_person("emp-x")).get("/beheer/berichten").status_code == 403


def test_the_admin_sends_their_own_refused_mails_again(browser, make_person, database):
    admin_a = admin_of(database, make_person, "zorg-a")
    admin_of(database, make_person, "zorg-b")
    queue(database, "zorg-a", "weg", m.OutboxStatus.DEAD, "550 5.1.1 Mailbox unavailable")
    queue(database, "zorg-b", "ook-weg", m.OutboxStatus.DEAD, "550 andere organisatie")
    browser.sign_in(admin_a).get("/beheer/berichten")
    assert browser.post("/beheer/berichten/opnieuw").status_code == 302
    with database.begin() as session:
        states = {row.dedupe_key.split(":", 1)[1]: row.status for row in session.query(m.OutboxItem)}
    assert states == {"weg": m.OutboxStatus.PENDING, "ook-weg": m.OutboxStatus.DEAD}  # zorg-b's stays refused
