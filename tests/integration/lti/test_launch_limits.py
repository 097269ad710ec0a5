"""A valid launch with claims too long or of the wrong type: cut to size or refused, never a 500."""

from __future__ import annotations

from sqlalchemy import func, select

from service import models as m
from tests.integration.lti.conftest import launch, register
from tests.support.platform import User, _with

ECD = {"digitoets_test": "ecd-rapportage"}


def _count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_overlong_names_and_titles_are_cut_and_an_overlong_email_dropped(client, lms, content, database):
    register(database, lms, store_personal_data=True)
    user = User(name="Anna " + "a" * 400, given_name="\x00Anna", family_name="de Vries", email="a" * 400 + "@zorg.example")
    done = launch(client, lms, user=user, custom=ECD, context={"id": "course-1", "title": "T" * 900})
    assert done.response.status_code == 302
    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        course = session.scalars(select(m.LtiContext)).one()
        assert person.name == ("Anna " + "a" * 400)[:200]
        assert person.email is None
        assert course.title == "T" * 500


def test_an_overlong_or_odd_context_id_is_refused_and_nothing_is_stored(client, lms, registered, database):
    for context in ({"id": "c" * 256, "title": "Zorg"}, {"id": ["course-1"], "title": "Zorg"}):
        done = launch(client, lms, custom=ECD, tamper=_with(context=context))
        assert done.response.status_code == 400
        page = done.response.get_data(as_text=True)
        assert "bad_context_id" in page
    assert _count(database, m.Person) == 0 and _count(database, m.LtiContext) == 0


def test_a_custom_parameter_of_the_wrong_type_is_refused(client, lms, registered, database):
    done = launch(client, lms, custom=ECD, tamper=_with(custom={"digitoets_function": {"code": "VIG"}}))
    assert done.response.status_code == 400
    assert "bad_custom" in done.response.get_data(as_text=True)
    assert _count(database, m.Person) == 0


def test_an_overlong_sub_is_refused(client, lms, registered, database):
    done = launch(client, lms, custom=ECD, tamper=_with(sub="7" * 256))
    assert done.response.status_code == 400
    assert _count(database, m.Person) == 0
