"""The employee changes their own function (with a reason); the LMS and HR data still win;
"weet ik niet / staat er niet bij" gives the organisation's default function."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.operations.people import assign_function, get_profile


def assignments(database, person_id):
    with database.begin() as session:
        rows = session.scalars(
            select(m.FunctionAssignment).where(m.FunctionAssignment.person_id == person_id)
            .order_by(m.FunctionAssignment.id)
        ).all()
        return [(a.profile.code, a.source, a.reason, a.is_default, a.valid_until is None) for a in rows]


def set_default(database, code: str | None, org_slug: str = "zorg-a") -> None:
    with database.begin() as session:
        org = session.scalars(select(m.Organisation).where(m.Organisation.slug == org_slug)).one()
        org.default_function_profile_id = get_profile(session, code).id if code else None


def test_a_self_chosen_function_is_changed_with_a_reason(browser, make_person, database):
    person = make_person(function=None)
    browser.sign_in(person)
    browser.post("/functie", data={"function": "helpende"})
    page = browser.get("/functie").get_data(as_text=True)
    assert "Je koos deze functie zelf. Je kunt hem veranderen." in page and 'name="reason"' in page
    too_long = browser.post("/functie", data={"function": "verzorgende-ig", "reason": "x" * 501})
    assert too_long.status_code == 422
    assert "Je uitleg is te lang: 501 tekens. Er passen er 500 in." in too_long.get_data(as_text=True)
    changed = browser.post("/functie?next=/mijn-overzicht",
                           data={"function": "verzorgende-ig", "reason": "Ik ben net VIG geworden."})
    assert changed.location == "/mijn-overzicht"
    assert assignments(database, person) == [
        ("helpende", m.AssignmentSource.SELF_CHOSEN, None, False, False),
        ("verzorgende-ig", m.AssignmentSource.SELF_CHOSEN, "Ik ben net VIG geworden.", False, True),
    ]
    assert "Je functie: Verzorgende IG." in browser.get("/mijn-overzicht").get_data(as_text=True)


def test_a_function_from_the_lms_cannot_be_changed_here(browser, make_person, database):
    person = make_person(function="verzorgende-ig")  # given by the LMS launch
    browser.sign_in(person)
    page = browser.get("/functie").get_data(as_text=True)
    assert "Je functie komt uit je leeromgeving. Die gaat voor." in page
    assert 'name="reason"' not in page  # no form to change it
    refused = browser.post("/functie", data={"function": "helpende", "reason": "Klopt niet"})
    assert refused.status_code == 422
    assert "Je functie komt uit je leeromgeving." in refused.get_data(as_text=True)
    assert assignments(database, person) == [("verzorgende-ig", m.AssignmentSource.LTI, None, False, True)]


def test_the_lms_still_wins_after_a_self_chosen_change(browser, make_person, database):
    person = make_person(function=None)
    browser.sign_in(person)
    browser.post("/functie", data={"function": "helpende"})
    browser.post("/functie", data={"function": "verzorgende-ig", "reason": "Nieuwe baan"})
    with database.begin() as session:  # the next launch sends the function the LMS knows
        who = session.get(m.Person, person)
        assign_function(session, who, get_profile(session, "helpende"), m.AssignmentSource.LTI, datetime.now(UTC))
    assert assignments(database, person)[-1] == ("helpende", m.AssignmentSource.LTI, None, False, True)


def test_dont_know_routes_to_the_organisations_default_function(browser, make_person, database):
    person = make_person(function=None)
    browser.sign_in(person)
    without = browser.get("/functie").get_data(as_text=True)
    assert "Weet ik niet / staat er niet bij" not in without  # no default: not offered
    refused = browser.post("/functie", data={"function": "weet-ik-niet"})
    assert refused.status_code == 422
    assert "Je organisatie heeft geen standaardfunctie." in refused.get_data(as_text=True)
    assert assignments(database, person) == []

    set_default(database, "helpende")
    page = browser.get("/functie").get_data(as_text=True)
    assert "Weet ik niet / staat er niet bij" in page and "Dan vergelijken we je resultaat met Helpende." in page
    chosen = browser.post("/functie?next=/toetsen", data={"function": "weet-ik-niet"})
    assert chosen.location == "/toetsen"
    assert assignments(database, person) == [("helpende", m.AssignmentSource.SELF_CHOSEN, None, True, True)]
    assert "de functie die je organisatie kiest als je het niet weet" in browser.get("/functie").get_data(as_text=True)


def test_the_admin_sets_the_default_function_on_the_settings_page(browser, make_person, database):
    from tests.integration.web.test_admin import make_admin

    browser.sign_in(make_admin(database, make_person))
    page = browser.get("/beheer/instellingen").get_data(as_text=True)
    assert "Functie voor wie zijn functie niet weet" in page
    base = {"result_visibility": "employee_only", "min_group_size": "5", "help_request_mode": "opt_in",
            "retention_months": "36"}
    unknown = browser.post("/beheer/instellingen", data={**base, "default_function": "astronaut"})
    assert unknown.status_code == 422
    saved = browser.post("/beheer/instellingen", data={**base, "default_function": "helpende"})
    assert saved.status_code == 302
    employee = make_person("emp-9", function=None)
    browser.sign_in(employee)
    assert "Dan vergelijken we je resultaat met Helpende." in browser.get("/functie").get_data(as_text=True)
