"""Two requests saving the same answer at once (autosave and a button press) both succeed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from mappings.loader import load_folder
from service import models as m
from service.operations import attempts
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT


def test_simultaneous_saves_of_one_answer_keep_one_response(committed_database):
    now = datetime.now(UTC)
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="zorg", name="Zorg")
        session.add(org)
        session.flush()
        person = find_or_create_person(session, org, "https://lms.example", "1", now)
        assign_function(session, person, get_profile(session, "helpende"), m.AssignmentSource.LTI, now)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        registration, person_id = attempt.registration, person.id
    barrier, errors = threading.Barrier(6), []

    def save(value):
        try:
            barrier.wait(5)
            with committed_database.begin() as session:
                person = session.get(m.Person, person_id)
                found = attempts.get_attempt(session, person, registration)
                attempts.save_answer(session, found, "ecd-02", value, datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(["a"] if n % 2 else ["a", "b"],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with committed_database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.Response)) == 1
