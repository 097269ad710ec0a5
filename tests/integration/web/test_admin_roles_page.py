"""/beheer/rollen is bounded: 50 people a page, a search, and the same few SQL statements at any size."""

from __future__ import annotations

import re

from sqlalchemy import event, insert, select

from service import models as m
from service.operations.people import grant_role


def _admin(database, make_person, **org_settings):
    person_id = make_person("admin-1", function=None, **org_settings)
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def _add_people(database, count, org_slug="zorg-a", start=0):
    """``count`` people in one statement: p00000 ... with a name, e-mail and personnel number."""
    with database.begin() as session:
        org_id = session.scalar(select(m.Organisation.id).where(m.Organisation.slug == org_slug))
        session.execute(insert(m.Person), [
            {"organisation_id": org_id, "issuer": "https://lms.example", "subject": f"p{n:05d}",
             "name": f"Persoon {n:05d}", "email": f"persoon{n:05d}@zorg.example", "personnel_number": f"PN{n:05d}"}
            for n in range(start, start + count)
        ])


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)', page)


def test_people_come_fifty_a_page_with_accessible_page_links(browser, make_person, database):
    browser.sign_in(_admin(database, make_person, store_personal_data=True))
    _add_people(database, 120)
    first = browser.get("/beheer/rollen").get_data(as_text=True)
    assert len(_rows(first)) == 50
    assert "121 personen gevonden." in first
    assert 'aria-label="Pagina\'s"' in first and "Pagina 1 van 3" in first
    assert 'href="/beheer/rollen?pagina=2"' in first and "Vorige" not in first
    last = browser.get("/beheer/rollen?pagina=3").get_data(as_text=True)
    assert len(_rows(last)) == 21 and "Persoon 00119" in last and "Volgende" not in last
    beyond = browser.get("/beheer/rollen?pagina=99").get_data(as_text=True)
    assert "Pagina 3 van 3" in beyond


def test_search_by_name_email_or_personnel_number(browser, make_person, database):
    browser.sign_in(_admin(database, make_person, store_personal_data=True))
    _add_people(database, 60)
    by_name = browser.get("/beheer/rollen?zoek=persoon 0004").get_data(as_text=True)
    assert [r.strip() for r in _rows(by_name)] == [f"Persoon 0004{n}" for n in range(10)]
    assert "10 personen gevonden." in by_name
    by_mail = browser.get("/beheer/rollen?zoek=persoon00051@zorg").get_data(as_text=True)
    assert [r.strip() for r in _rows(by_mail)] == ["Persoon 00051"]
    by_number = browser.get("/beheer/rollen?zoek=PN00007").get_data(as_text=True)
    assert [r.strip() for r in _rows(by_number)] == ["Persoon 00007"]
    wildcard = browser.get("/beheer/rollen?zoek=%25").get_data(as_text=True)  # a literal %, not "everything"
    assert "0 personen gevonden." in wildcard


def test_without_personal_data_names_are_not_searched_or_shown(browser, make_person, database):
    browser.sign_in(_admin(database, make_person, store_personal_data=False))
    _add_people(database, 5)  # names inserted directly: the LMS launch would not have stored them
    page = browser.get("/beheer/rollen?zoek=Persoon").get_data(as_text=True)
    assert "0 personen gevonden." in page
    found = browser.get("/beheer/rollen?zoek=PN00003").get_data(as_text=True)
    assert "1 persoon gevonden." in found
    assert [r.strip() for r in _rows(found)] == ["Medewerker p00003"] and "personeelsnummer PN00003" not in found


def test_only_people_with_a_granted_role_and_a_save_keeps_the_search(browser, make_person, database):
    browser.sign_in(_admin(database, make_person, store_personal_data=True))
    _add_people(database, 70)
    with database.begin() as session:
        person_id = session.scalar(select(m.Person.id).where(m.Person.subject == "p00061"))
    page = browser.get("/beheer/rollen?zoek=Persoon 0006").get_data(as_text=True)
    assert 'name="zoek" value="Persoon 0006"' in page
    response = browser.post("/beheer/rollen", data={"person": str(person_id), "role": ["coach"], "zoek": "Persoon 0006"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/beheer/rollen?zoek=Persoon+0006")
    with_role = browser.get("/beheer/rollen?met_rol=1").get_data(as_text=True)
    assert [r.strip() for r in _rows(with_role)] == ["Persoon 00061"]
    assert 'id="role-%d-coach" name="role" value="coach" checked' % person_id in with_role


def test_another_organisations_people_are_never_listed(browser, make_person, database):
    browser.sign_in(_admin(database, make_person, store_personal_data=True))
    make_person("other-admin", function=None, org_slug="zorg-b", store_personal_data=True)
    _add_people(database, 3, org_slug="zorg-b", start=500)
    page = browser.get("/beheer/rollen?zoek=Persoon").get_data(as_text=True)
    assert "Persoon 00500" not in page and "0 personen gevonden." in page
    assert "Persoon 00500" not in browser.get("/beheer/rollen").get_data(as_text=True)


def test_a_bad_page_number_is_a_dutch_400(browser, make_person, database):
    browser.sign_in(_admin(database, make_person))
    for bad in ("abc", "0", "-1", "99999999999"):
        response = browser.get(f"/beheer/rollen?pagina={bad}")
        assert response.status_code == 400
        assert "Het paginanummer moet een heel getal zijn" in response.get_data(as_text=True)


def test_the_page_runs_the_same_statements_for_20_or_200_people(browser, make_person, database, engine):
    browser.sign_in(_admin(database, make_person, store_personal_data=True))

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 (before_cursor_execute: statement)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert browser.get("/beheer/rollen").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    _add_people(database, 20)
    with database.begin() as session:
        for person in session.scalars(select(m.Person).limit(20)):
            grant_role(session, person, m.ToolRole.COACH, source=m.RoleSource.TOOL)
    statements()  # the first request fills per-process caches
    small = statements()
    _add_people(database, 180, start=20)
    assert statements() == small
