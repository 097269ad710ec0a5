"""The .ics of a planned coaching moment, so the employee can put it in their calendar.

Built with the ``icalendar`` library (RFC 5545 escaping, line folding and UTC times done right).
METHOD:PUBLISH: an appointment to add, not a meeting request that mail programs answer with
accept/decline mails to a tool that cannot read them. A moved moment keeps its ``uid`` and gets
a higher ``sequence``, so calendars update the event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations.mail import Attachment

PRODUCT_ID = "-//Digitoets//Digicoach//NL"


def moment_ics(uid: str, start: datetime, end: datetime, summary: str, location: str | None = None,
               description: str | None = None, url: str | None = None, sequence: int = 0,
               stamp: datetime | None = None) -> Attachment:
    """An .ics attachment with one event from ``start`` to ``end`` (timezone-aware datetimes).

    Raises:
        InvalidInputError: when a time has no timezone or the end is not after the start.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInputError(N_("Een tijd zonder tijdzone kan niet in een agenda."), {"start": ["geen tijdzone"]})
    if end <= start:
        raise InvalidInputError(N_("Het einde moet na het begin liggen."), {"end": ["niet na het begin"]})
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("sequence", sequence)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    return Attachment("afspraak.ics", "text/calendar", calendar.to_ical(), (("method", "PUBLISH"), ("charset", "utf-8")))
