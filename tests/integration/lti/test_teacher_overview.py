"""A teacher launched from the course sees its placements: who took the test, and what the gradebook got.

Every launch goes through the real LTI exchange with the test LMS; grades go to its AGS.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from service import models as m
from service.jobs import grades, roster
from tests.integration.lti.conftest import LAUNCH_URL, follow, launch, register
from tests.integration.lti.test_advantage import take_test
from tests.support.platform import INSTRUCTOR, LEARNER, TestPlatform, User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
TEACHER = User(id="9", name="Karin Mulder", given_name="Karin", family_name="Mulder", email="karin@zorg.example")
ANSWERS = ("Waar schrijf je een rapportage?", "Op een briefje", "Je wachtwoord", "Zoek de cliënt")


def teacher_page(client, lms, **initiation):
    """Launch as the course's Instructor and follow to where the tool sends them."""
    result = launch(client, lms, user=TEACHER, roles=[INSTRUCTOR], custom={"digitoets_test": "ecd-rapportage"},
                    **initiation)
    return follow(client, result.response)


def course_id(database, context_id="course-1") -> int:
    with database.begin() as session:
        return session.scalars(select(m.LtiContext.id).where(m.LtiContext.context_id == context_id)).one()


def cells(html: str) -> list[str]:
    """The participants' cards as plain text, one string per person."""
    cards = [chunk.split("</dl>")[0] for chunk in html.split('<li class="card participant">')[1:]]
    return [" ".join(re.sub(r"<[^>]+>", " ", card).split()) for card in cards]


def pseudonym(database, subject: str) -> str:
    with database.begin() as session:
        person = session.scalars(select(m.Person).where(m.Person.subject == subject)).one()
        return str(person.pseudonym)[:8]


def test_an_instructor_launch_lands_on_the_course_overview(client, lms, registered, database, tool):
    launch(client, lms, custom=ECD)  # Anna (learner, "2") takes the test
    take_test(database, client)
    page = teacher_page(client, lms)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.request.path == f"/docent/cursus/{course_id(database)}"
    assert "Overzicht van je cursus" in html and "Rapporteren in het ECD" in html
    [row] = cells(html)
    assert f"Deelnemer {pseudonym(database, '2')}" in row  # no names stored: a pseudonym
    assert "Klaar op" in row and "80 van 100" in row and "Wacht op verzenden" in row
    assert "Anna" not in html
    assert not any(answer in html for answer in ANSWERS)  # never the employee's answers
    assert "Je organisatie laat docenten geen niveaus zien" in html and "Veilige wachtwoorden" not in html

    assert grades.send_scores(database, tool.ags).delivered == 1
    [row] = cells(client.get(page.request.path).get_data(as_text=True))
    assert "Verstuurd" in row and "Wacht op verzenden" not in row


def test_names_and_levels_show_when_the_organisation_allows(client, lms, content, database):
    register(database, lms, store_personal_data=True, teacher_sees_levels=True)
    launch(client, lms, custom=ECD)
    take_test(database, client)
    html = teacher_page(client, lms).get_data(as_text=True)
    [row] = [r for r in cells(html) if "Anna de Vries" in r]
    card = html.split('<li class="card participant">')[1].split("</dl>")[0]
    levels = dict(line.split(": ", 1) for line in re.findall(r"<li>(.*?)</li>", card, re.S))
    assert "(niveau 0)" in levels["Veilige wachtwoorden"] and "nodig" in levels["Veilige wachtwoorden"]  # ecd-05 wrong
    assert "(niveau 2)" in levels["Zoeken in het ECD"] and "(niveau 3)" in levels["Rapporteren in het ECD"]
    assert not any(answer in html for answer in ANSWERS)


def test_progress_and_a_refused_score_are_shown_per_person(client, lms, registered, database, tool):
    launch(client, lms, custom=ECD, user=User(id="31", name=None))  # starts, does not finish
    token = client.get("/toets/ecd-rapportage").get_data(as_text=True).split('name="csrf-token" content="')[1]
    assert client.post("/toetsen/ecd-rapportage/start", data={"csrf_token": token.split('"')[0]}).status_code == 302
    # someone the LMS does not grade (an Instructor) takes it: the LMS refuses the score
    launch(client, lms, custom=ECD, user=User(id="32", name=None), roles=[INSTRUCTOR])
    take_test(database, client)
    assert grades.send_scores(database, tool.ags).rejected == 1
    rows = cells(teacher_page(client, lms).get_data(as_text=True))
    [busy] = [r for r in rows if pseudonym(database, "31") in r]
    [refused] = [r for r in rows if pseudonym(database, "32") in r]
    assert "Nog bezig" in busy and "van 100" not in busy
    assert "Klaar op" in refused and "Mislukt" in refused


def test_a_teacher_cannot_open_another_course(client, lms, registered, database):
    launch(client, lms, custom=ECD, context={"id": "course-2", "title": "Andere cursus"})
    take_test(database, client)
    other = course_id(database, "course-2")
    teacher_page(client, lms)  # teacher of course-1
    refused = client.get(f"/docent/cursus/{other}")
    assert refused.status_code == 403
    assert pseudonym(database, "2") not in refused.get_data(as_text=True)
    assert client.get(f"/docent/cursus/{course_id(database)}").status_code == 200


def test_a_teacher_of_another_organisation_sees_nothing(client, lms, registered, database, tool):
    launch(client, lms, custom=ECD)
    take_test(database, client)
    course_a = course_id(database)
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as lms_b:
        register(database, lms_b, slug="zorg-b")
        own = teacher_page(client, lms_b)  # same context id "course-1", but organisation B's
        assert own.status_code == 200 and pseudonym(database, "2") not in own.get_data(as_text=True)
        refused = client.get(f"/docent/cursus/{course_a}")
    assert refused.status_code == 403
    assert pseudonym(database, "2") not in refused.get_data(as_text=True)


def test_an_employee_gets_403(client, lms, registered, database):
    launch(client, lms, custom=ECD, roles=[LEARNER])
    take_test(database, client)
    assert client.get(f"/docent/cursus/{course_id(database)}").status_code == 403


def test_each_view_of_the_overview_is_audited(client, lms, registered, database):
    launch(client, lms, custom=ECD)
    take_test(database, client)
    teacher_page(client, lms)
    with database.begin() as session:
        teacher = session.scalars(select(m.Person).where(m.Person.subject == "9")).one()
        [event] = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "course_overview.view")).all()
        assert (event.actor_id, event.action) == (teacher.id, "course_overview.view")
        assert event.subject == f"lti_context:{course_id(database)}"
        assert event.organisation_id == teacher.organisation_id and event.detail == "participants=1, levels=hidden"


def test_course_members_who_have_not_started_are_counted_from_the_roster(client, lms, registered, database, tool):
    launch(client, lms, custom=ECD)
    take_test(database, client)
    for n in range(3):
        lms.add_member("course-1", f"member-{n}", ["Learner"])
    page = teacher_page(client, lms)  # the teacher ("9", Instructor) is a member too, but no learner
    assert "cursisten zijn nog niet begonnen" not in page.get_data(as_text=True)  # no roster read yet
    assert roster.sync_roster(database, tool.nrps).members == 5
    html = client.get(page.request.path).get_data(as_text=True)
    assert "3 cursisten zijn nog niet begonnen." in html


def test_a_teacher_whose_cookie_was_blocked_continues_to_the_overview_in_a_new_window(app, client, lms, registered,
                                                                                    database):
    result = launch(client, lms, user=TEACHER, roles=[INSTRUCTOR], custom={"digitoets_test": "ecd-rapportage"})
    client.delete_cookie("session")  # the browser dropped our cookie in the LMS frame
    page = client.get(result.response.location).get_data(as_text=True)
    token = page.split('href="/lti/doorgaan/')[1].split('"')[0]
    new_window = app.test_client()
    asked = new_window.get(f"/lti/doorgaan/{token}").get_data(as_text=True)
    csrf = asked.split('name="csrf_token" value="')[1].split('"')[0]
    opened = new_window.post("/lti/doorgaan", data={"csrf_token": csrf})
    assert opened.location == f"/docent/cursus/{course_id(database)}"
    assert "Overzicht van je cursus" in new_window.get(opened.location).get_data(as_text=True)


class _FormValues(HTMLParser):
    """The values a browser would submit for the page's settings form, as it is shown."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.values[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.values):
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def test_the_admin_lets_teachers_see_levels_and_employees_are_told(client, lms, registered, database):
    launch(client, lms, custom=ECD)
    result = f"/poging/{take_test(database, client)}/resultaat"  # it says who sees what
    assert "Je docent ziet of je de toets hebt gemaakt en je score. Niet je niveaus" in client.get(
        result).get_data(as_text=True)
    assert "Niveau per vaardigheid" not in teacher_page(client, lms).get_data(as_text=True)
    admin = User(id="50", name=None)
    launch(client, lms, user=admin, roles=["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"])
    form = _FormValues()
    form.feed(client.get("/beheer/instellingen").get_data(as_text=True))
    assert "teacher_sees_levels" not in form.values  # off by default
    saved = client.post("/beheer/instellingen", data={**form.values, "teacher_sees_levels": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Niveau per vaardigheid" in teacher_page(client, lms).get_data(as_text=True)
    launch(client, lms, custom=ECD)  # Anna again
    assert "Je docent ziet of je de toets hebt gemaakt, je score en je niveau per vaardigheid." in client.get(
        result).get_data(as_text=True)
