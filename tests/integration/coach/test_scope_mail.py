"""Mail about new help requests goes to the coaches of the request's scope only, at once and in the digest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from service import models as m
from service.jobs import coach_digest
from service.models.people import CoachMail
from service.operations import help_request_mail
from tests.integration.coach.conftest import NOW, ask_help

ADDRESSES = {"coach": "anna@zorg.example", "rival": "bram@zorg.example", "south_coach": "sanne@zorg.example",
             "coordinator": "cor@zorg.example", "stranger_coach": "xander@zorg-b.example"}


def give_addresses(database, world, choice=CoachMail.IMMEDIATE):
    with database.begin() as session:
        for field, address in ADDRESSES.items():
            person = session.get(m.Person, getattr(world, field))
            person.email, person.coach_mail = address, choice


def sent_to(database, template) -> list[str]:
    with database.begin() as session:
        rows = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL).order_by(m.OutboxItem.id))
        return [row.payload["to"] for row in rows if row.payload["template"] == template]


def test_a_new_request_is_mailed_to_the_coaches_of_its_team_and_location_only(browser, world, database):
    give_addresses(database, world)
    ask_help(browser, world)  # the employee works in team north, at location north
    # anna has location north, bram team north; sanne (south), the coordinator (no scope of
    # their own) and the coach of another organisation hear nothing
    assert sent_to(database, "help_request_arrived") == ["anna@zorg.example", "bram@zorg.example"]


def test_a_coach_whose_role_was_taken_away_gets_no_mail_for_the_old_scope(browser, world, database):
    give_addresses(database, world)
    with database.begin() as session:
        session.execute(delete(m.PersonRole).where(m.PersonRole.person_id == world.rival))
    ask_help(browser, world)
    assert sent_to(database, "help_request_arrived") == ["anna@zorg.example"]


def test_the_digest_goes_only_to_coaches_whose_scope_had_requests(browser, world, database):
    give_addresses(database, world, CoachMail.DAILY)
    _, request_id = ask_help(browser, world)
    with database.begin() as session:
        session.get(m.HelpRequest, request_id).created_at = NOW - timedelta(days=1)
    assert sent_to(database, "help_request_arrived") == []
    assert coach_digest.run(database, NOW) == 2
    assert sent_to(database, "coach_digest") == ["anna@zorg.example", "bram@zorg.example"]
    with database.begin() as session:  # the south coach is given north: the next day's digest reaches her
        session.add(m.CoachScope(organisation_id=world.org_id, person_id=world.south_coach, location_id=world.north))
        session.get(m.HelpRequest, request_id).created_at = NOW
        assert help_request_mail.queue_digest(session, session.get(m.Organisation, world.org_id),
                                              help_request_mail.digest_day(NOW + timedelta(days=1)), NOW) == 3
    assert sent_to(database, "coach_digest")[2:] == ["anna@zorg.example", "bram@zorg.example", "sanne@zorg.example"]
