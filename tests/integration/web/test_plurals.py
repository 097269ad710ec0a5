"""Counts read naturally in both languages: "1 minuut" / "6 minuten", "1 minute" / "6 minutes".

The texts go through ngettext, and the English catalogue holds both plural forms.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from service import models as m
from service.web.templating import privacy_lines
from tests.integration.web.test_admin import make_admin

TEST = "ecd-rapportage"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def set_minutes(database, minutes: int) -> None:
    with database.begin() as session:
        version = session.scalars(select(m.TestVersion).join(m.DigiTest).where(m.DigiTest.code == TEST)).one()
        version.minutes = minutes


@pytest.mark.parametrize(("lang", "one", "six"), [
    ("nl", "Ongeveer 1 minuut", "Ongeveer 6 minuten"),
    ("en", "About 1 minute", "About 6 minutes"),
])
def test_the_length_of_a_test_in_the_list(browser, make_person, database, lang, one, six):
    browser.sign_in(make_person())
    browser.get(f"/taal/{lang}")
    assert six in text(browser.get("/toetsen"))
    set_minutes(database, 1)
    page = text(browser.get("/toetsen"))
    assert one in page and "1 minuten" not in page and "1 minutes" not in page


@pytest.mark.parametrize(("lang", "one", "six"), [
    ("nl", "Het duurt ongeveer 1 minuut.", "Het duurt ongeveer 6 minuten."),
    ("en", "It takes about 1 minute.", "It takes about 6 minutes."),
])
def test_the_length_of_a_test_on_its_intro_page(browser, make_person, database, lang, one, six):
    browser.sign_in(make_person())
    browser.get(f"/taal/{lang}")
    assert six in text(browser.get(f"/toets/{TEST}"))
    set_minutes(database, 1)
    assert one in text(browser.get(f"/toets/{TEST}"))


@pytest.mark.parametrize(("lang", "one", "ten"), [
    ("nl", "Je hebt nog ongeveer 1 minuut.", "Je hebt nog ongeveer 10 minuten."),
    ("en", "You have about 1 minute left.", "You have about 10 minutes left."),
])
def test_the_time_left_during_a_timed_test(browser, make_person, database, lang, one, ten):
    browser.sign_in(make_person())
    browser.get(f"/taal/{lang}")
    registration = browser.post(f"/toetsen/{TEST}/start").location.rsplit("/", 1)[-1]

    def deadline_in(delta: timedelta) -> None:
        with database.begin() as session:
            attempt = session.scalars(select(m.Attempt)).one()
            attempt.deadline_at = datetime.now(UTC) + delta

    # Whole minutes left, rounded down: a minute of slack either way, so a slow machine passes.
    deadline_in(timedelta(minutes=10, seconds=59))
    assert ten in text(browser.get(f"/poging/{registration}/vraag/1"))
    deadline_in(timedelta(minutes=1, seconds=59))
    assert one in text(browser.get(f"/poging/{registration}/vraag/1"))


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("nl", "1 bericht wordt opnieuw verstuurd.", "2 berichten worden opnieuw verstuurd."),
    ("en", "1 message will be sent again.", "2 messages will be sent again."),
])
def test_the_number_of_messages_sent_again(browser, make_person, database, lang, one, two):
    browser.sign_in(make_admin(database, make_person))
    browser.get(f"/taal/{lang}")

    def dead_letters(*keys: str) -> None:
        with database.begin() as session:
            org = session.scalars(select(m.Organisation)).one()
            for key in keys:
                session.add(m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key=key,
                                         status=m.OutboxStatus.DEAD, payload={"verb": {"id": "x/voided"}}))

    browser.get("/beheer/xapi")
    dead_letters("a", "b")
    assert two in text(browser.post("/beheer/xapi/opnieuw", follow_redirects=True))
    dead_letters("c")
    assert one in text(browser.post("/beheer/xapi/opnieuw", follow_redirects=True))


@pytest.mark.parametrize(("lang", "one", "twelve"), [
    ("nl", "Je toetsantwoorden worden na 1 maand verwijderd.", "Je toetsantwoorden worden na 12 maanden verwijderd."),
    ("en", "Your test answers are deleted after 1 month.", "Your test answers are deleted after 12 months."),
])
def test_the_retention_period_in_the_privacy_lines(app, lang, one, twelve):
    org = m.Organisation(slug="zorg-a", name="Zorg A", retention_months=12, min_group_size=5,
                         result_visibility=m.ResultVisibility.EMPLOYEE_ONLY, help_request_mode=m.HelpRequestMode.OPT_IN,
                         store_personal_data=False)
    with app.test_request_context(), force_locale(lang):
        assert twelve in privacy_lines(org)
        org.retention_months = 1
        assert one in privacy_lines(org)
        people = "5 mensen" if lang == "nl" else "5 people"
        assert any(people in line for line in privacy_lines(org))


def test_extraction_keeps_both_forms_and_the_catalogue_has_english_plurals(tmp_path):
    """`make translations` extracts ngettext (Babel's default keywords, plus lazy_ngettext) with both
    forms, and the English catalogue holds a singular and a plural for each."""
    from tests.integration.web.test_i18n import PO, extract, read_catalogue

    sources = {m.id[0]: m.id for m in extract(tmp_path) if isinstance(m.id, tuple)}
    assert sources["Ongeveer %(num)d minuut"] == ("Ongeveer %(num)d minuut", "Ongeveer %(num)d minuten")
    assert "%(num)d bericht wordt opnieuw verstuurd." in sources  # Python code, not only templates
    catalogue = read_catalogue(PO)
    assert catalogue.num_plurals == 2
    for singular, ids in sources.items():
        entry = catalogue.get(singular)
        assert entry is not None and entry.pluralizable and entry.id == ids, singular
