"""Mails keep as little as they can: a sent mail loses its text, an erased person's mails go."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.jobs import mail as mail_job
from service.operations import mail, privacy


def person_with_address(database, make_person, subject, address):
    person_id = make_person(subject)
    with database.begin() as session:
        session.get(m.Person, person_id).email = address
    return person_id


def queue_to(database, person_id, key):
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        return mail.enqueue(session, person.organisation, person, "help_request_arrived", {"count": 1}, dedupe_key=key).id


def payload(database, item_id):
    with database.begin() as session:
        item = session.get(m.OutboxItem, item_id)
        return None if item is None else item.payload


def test_a_sent_mail_keeps_who_what_and_when_but_not_its_text(database, make_person, smtp_server):
    item_id = queue_to(database, person_with_address(database, make_person, "coach-1", "coach@zorg.example"), "een")
    assert "text" in payload(database, item_id)
    mail_job.send_pending(database, smtp_server.target())
    assert len(smtp_server.wait_for(1)) == 1
    kept = payload(database, item_id)
    assert kept["to"] == "coach@zorg.example" and kept["subject"] == "Nieuwe hulpvraag voor een digicoach"
    assert not {"text", "html", "attachments"} & set(kept)


def test_erasing_a_person_drops_their_waiting_mails_and_the_address_of_sent_ones(database, make_person, smtp_server):
    gone = person_with_address(database, make_person, "wordt-gewist", "weg@zorg.example")
    stays = person_with_address(database, make_person, "blijft", "blijft@zorg.example")
    sent = queue_to(database, gone, "verstuurd")
    mail_job.send_pending(database, smtp_server.target())
    waiting = queue_to(database, gone, "wacht")
    other = queue_to(database, stays, "ander")
    with database.begin() as session:
        person = session.get(m.Person, gone)
        removal = privacy.erase_person(session, person.organisation, gone, None, datetime.now(UTC))
    assert removal.counts["mails"] == 2
    assert payload(database, waiting) is None  # never goes out
    assert "to" not in payload(database, sent) and payload(database, sent)["subject"]
    assert payload(database, other)["to"] == "blijft@zorg.example"  # someone else's mail is untouched
    mail_job.send_pending(database, smtp_server.target())
    assert [msg["To"] for msg in smtp_server.wait_for(2)] == ["weg@zorg.example", "blijft@zorg.example"]
    with database.begin() as session:
        assert session.scalar(select(m.OutboxItem).where(m.OutboxItem.id == waiting)) is None
