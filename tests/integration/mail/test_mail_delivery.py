"""Mail through the outbox to a real SMTP server on loopback: once, never lost, dead letters with reasons.

The server is aiosmtpd (tests/support/smtp.py); every test reads the mails back from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service import models as m
from service.jobs import mail as mail_job
from service.operations import mail
from tests.support.smtp import SENDER, free_port

LATER = timedelta(days=1)  # a clock past every backoff


def make_org(database, slug="zorg-a") -> int:
    with database.begin() as session:
        org = m.Organisation(slug=slug, name=f"Zorg {slug}")
        session.add(org)
        session.flush()
        return org.id


def queue(database, org_id, to="coach@zorg.example", key="een", **kwargs):
    with database.begin() as session:
        org = session.get(m.Organisation, org_id)
        return mail.enqueue(session, org, to, "help_request_arrived", {"count": 1}, dedupe_key=key, **kwargs).id


def statuses(database) -> dict[str, int]:
    with database.begin() as session:
        rows = session.execute(select(m.OutboxItem.status, func.count()).where(m.OutboxItem.kind == m.OutboxKind.MAIL)
                               .group_by(m.OutboxItem.status))
        return {status.value: count for status, count in rows}


def row(database, item_id) -> m.OutboxItem:
    with database.begin() as session:
        return session.get(m.OutboxItem, item_id)


def test_a_queued_mail_arrives_once_with_text_html_and_a_stable_message_id(database, smtp_server):
    org_id = make_org(database)
    item_id = queue(database, org_id)
    assert queue(database, org_id) == item_id  # queued twice with the same key: one mail
    report = mail_job.send_pending(database, smtp_server.target())
    assert (report.delivered, report.rejected, report.deferred) == (1, 0, 0)
    assert mail_job.send_pending(database, smtp_server.target(), clock=lambda: datetime.now(UTC) + LATER).delivered == 0
    [received] = smtp_server.wait_for(1)
    assert len(smtp_server.received()) == 1
    assert received["To"] == "coach@zorg.example" and received["From"] == SENDER
    assert received["Subject"] == "Nieuwe hulpvraag voor een digicoach"
    assert received["Message-ID"] == row(database, item_id).payload["message_id"]
    assert received["Message-ID"].endswith("@127.0.0.1>")  # the base URL's host in the test settings' default
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "http://127.0.0.1:5000/coach" in text and 'href="http://127.0.0.1:5000/coach"' in html
    assert statuses(database) == {"delivered": 1}


def test_the_mail_is_in_the_recipients_language(database, smtp_server, make_person):
    person_id = make_person("coach-en")
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        person.email, person.locale = "coach.en@zorg.example", "en"
        mail.enqueue(session, person.organisation, person, "help_request_arrived", {"count": 2}, dedupe_key="en")
    mail_job.send_pending(database, smtp_server.target())
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "New help request for a digital coach"
    assert "There are 2 new help requests for a digital coach." in received.get_body(("plain",)).get_content()


def test_no_mail_for_a_person_without_address_and_a_bad_address_is_refused(database, make_person):
    person_id = make_person("zonder-adres")
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        assert mail.enqueue(session, person.organisation, person, "help_request_arrived", {"count": 1},
                            dedupe_key="x") is None
    from service.errors import InvalidInputError

    org_id = make_org(database, "zorg-b")
    with pytest.raises(InvalidInputError, match="geen geldig e-mailadres"):
        queue(database, org_id, to="coach@zorg.example\r\nBcc: iedereen@zorg.example")
    assert statuses(database) == {}


def test_while_the_server_is_down_the_mail_waits_then_arrives_once(database, smtp_server):
    org_id = make_org(database)
    item_id = queue(database, org_id)
    smtp_server.stop()
    report = mail_job.send_pending(database, smtp_server.target(timeout=5))
    assert (report.delivered, report.deferred) == (0, 1)
    waiting = row(database, item_id)
    assert waiting.status is m.OutboxStatus.PENDING and "127.0.0.1" in waiting.last_error
    assert waiting.attempts == 0  # a server that is down is no fault of the mail: never a dead letter for it
    # not due again at once: the backoff holds it
    assert mail_job.send_pending(database, smtp_server.target(timeout=5)).batches == 0
    smtp_server.start()
    assert mail_job.send_pending(database, smtp_server.target(), clock=lambda: datetime.now(UTC) + LATER).delivered == 1
    assert len(smtp_server.wait_for(1)) == 1
    assert statuses(database) == {"delivered": 1}


def test_a_permanent_refusal_is_a_dead_letter_with_the_servers_reason(database, smtp_server):
    org_id = make_org(database)
    refused = queue(database, org_id, to="weiger@zorg.example", key="weg")
    fine = queue(database, org_id, to="coach@zorg.example", key="goed")
    report = mail_job.send_pending(database, smtp_server.target())
    assert (report.delivered, report.rejected) == (1, 1)
    dead = row(database, refused)
    assert dead.status is m.OutboxStatus.DEAD and dead.last_error.startswith("550") and "Mailbox unavailable" in dead.last_error
    assert row(database, fine).status is m.OutboxStatus.DELIVERED
    assert [r["To"] for r in smtp_server.wait_for(1)] == ["coach@zorg.example"]


def test_temporary_refusals_become_a_dead_letter_after_the_last_attempt(database, smtp_server):
    org_id = make_org(database)
    item_id = queue(database, org_id, to="weiger@zorg.example")
    with database.begin() as session:  # as if it had been refused temporarily MAX_ATTEMPTS - 1 times before
        session.get(m.OutboxItem, item_id).attempts = mail_job.MAX_ATTEMPTS - 1
    mail_job.send_pending(database, smtp_server.target())
    assert row(database, item_id).status is m.OutboxStatus.DEAD
    assert row(database, item_id).attempts == mail_job.MAX_ATTEMPTS


def test_without_smtp_mails_wait(database):
    org_id = make_org(database)
    queue(database, org_id)
    assert mail_job.send_pending(database, None).batches == 0
    assert statuses(database) == {"pending": 1}


def test_a_closed_port_is_a_wait_not_a_loss(database):
    org_id = make_org(database)
    queue(database, org_id)
    target = mail_job.SmtpTarget("127.0.0.1", free_port(), SENDER, "none", timeout=5)
    assert mail_job.send_pending(database, target).deferred == 1
    assert statuses(database) == {"pending": 1}
