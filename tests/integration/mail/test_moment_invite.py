"""A planned moment's mail carries an .ics that a calendar reads with the right time and place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from service import models as m
from service.errors import InvalidInputError
from service.jobs import mail as mail_job
from service.operations import mail
from service.operations.calendar_invite import moment_ics

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_ics_attachment_arrives_and_parses_with_start_end_and_place(database, smtp_server, make_person):
    start = datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM)
    person_id = make_person("emp-ics")
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        person.email = "medewerker@zorg.example"
        invite = moment_ics("moment-42@digitoets.example", start, start + timedelta(minutes=45),
                            "Afspraak met een digicoach", location="Afdeling Zonnebloem, kamer 3; 2e etage",
                            url="http://127.0.0.1:5000/mijn-overzicht")
        mail.enqueue(session, person.organisation, person, "moment_planned",
                     {"starts": "maandag 7 december 10:00", "place": "Afdeling Zonnebloem"}, [invite], dedupe_key="moment:42")
    mail_job.send_pending(database, smtp_server.target())
    [received] = smtp_server.wait_for(1)
    assert "Wanneer: maandag 7 december 10:00" in received.get_body(("plain",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "afspraak.ics"
    assert attachment.get_param("method") == "PUBLISH"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam, winter time
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert str(event["location"]) == "Afdeling Zonnebloem, kamer 3; 2e etage"  # escaped and read back whole
    assert str(event["uid"]) == "moment-42@digitoets.example"
    assert str(calendar["method"]) == "PUBLISH"


def test_a_moved_moment_keeps_its_uid_with_a_higher_sequence():
    start = datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM)
    moved = moment_ics("moment-42@digitoets.example", start + timedelta(days=1), start + timedelta(days=1, hours=1),
                       "Afspraak", sequence=1)
    [event] = Calendar.from_ical(moved.data).walk("VEVENT")
    assert (str(event["uid"]), event.decoded("sequence")) == ("moment-42@digitoets.example", 1)


def test_an_end_before_the_start_or_a_time_without_zone_is_refused():
    start = datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM)
    with pytest.raises(InvalidInputError, match="Het einde moet na het begin liggen"):
        moment_ics("x", start, start, "Afspraak")
    with pytest.raises(InvalidInputError, match="tijdzone"):
        moment_ics("x", datetime(2026, 12, 7, 10, 0), datetime(2026, 12, 7, 11, 0), "Afspraak")
