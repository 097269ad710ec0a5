"""Tenant isolation of HR matching at launch: an HR record of one organisation never links a person of another.

A launch links a waiting HR record by personnel number (sent by the LMS) or, where the
organisation keeps personal data, by e-mail. Both organisations here keep personal data and
both send the same number and address: only the record of the launching person's own
organisation may link, at the first launch and at every launch after it (the launch of a known
person reads the linked record together with the person).
"""

from __future__ import annotations

from sqlalchemy import select

from service import models as m
from tests.integration.lti.conftest import LAUNCH_URL, launch, register
from tests.support.platform import TestPlatform, User

NUMBER = "P4711"
MAIL = "anna@zorg.example"


def _organisation(database, slug: str) -> int:
    with database.begin() as session:
        org = m.Organisation(slug=slug, name=f"Zorg {slug}", store_personal_data=True)
        session.add(org)
        session.flush()
        return org.id


def _waiting_record(database, organisation_id: int) -> int:
    with database.begin() as session:
        record = m.HrRecord(organisation_id=organisation_id, personnel_number=NUMBER, email=MAIL, name="Anna")
        session.add(record)
        session.flush()
        return record.id


def _linked(database, record_id: int) -> tuple[int | None, int | None]:
    """(the person the record links, that person's organisation)."""
    with database.begin() as session:
        return tuple(session.execute(select(m.HrRecord.person_id, m.Person.organisation_id)
                               .outerjoin(m.Person, m.Person.id == m.HrRecord.person_id)
                               .where(m.HrRecord.id == record_id)).one())


def test_an_hr_record_of_another_organisation_never_links_at_launch(app, database, content, lms, tool):
    other = _organisation(database, "zorg-b")
    foreign_record = _waiting_record(database, other)
    own = register(database, lms, slug="zorg-a", store_personal_data=True)
    user = User(id="anna", email=MAIL, sourcedid=NUMBER)
    custom = {"digitoets_personnel_number": NUMBER}

    client = app.test_client()
    for _ in range(2):  # the first launch (a new person) and a launch of the known person
        assert launch(client, lms, user=user, custom=custom).response.status_code == 302
        assert _linked(database, foreign_record) == (None, None)

    # the same number and address in the person's own organisation do link (so the check can fail)
    own_record = _waiting_record(database, own)
    assert launch(client, lms, user=user, custom=custom).response.status_code == 302
    person_id, organisation_id = _linked(database, own_record)
    assert person_id is not None and organisation_id == own
    assert _linked(database, foreign_record) == (None, None)

    # a person of the other organisation (its own LMS) links the other organisation's record
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as other_lms:
        with database.begin() as session:
            slug = session.get(m.Organisation, other).slug
        register(database, other_lms, slug=slug)
        assert launch(app.test_client(), other_lms, user=user, custom=custom).response.status_code == 302
    person_b, organisation_b = _linked(database, foreign_record)
    assert person_b not in (None, person_id) and organisation_b == other
