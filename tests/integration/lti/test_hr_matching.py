"""HR rows that match nobody wait, and link at the person's first launch (through the real LTI exchange)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.operations.hr_import.files import read_hr_file
from service.operations.hr_import.plan import apply
from service.operations.hr_import.uploads import mapping_for
from tests.integration.lti.conftest import LAUNCH_URL, follow, launch, register
from tests.support.platform import INSTITUTION_ADMIN, TestPlatform, User
from tests.support.web import Browser

HR_FILE = ("Personeelsnummer;E-mail;Functiecode;Afdeling;Locatie;Leidinggevende\n"
           "1001;anna@zorg.example;VIG;Team Noord;Huis Noord;2000\n"
           "2000;cor@zorg.example;HELP;Team Zuid;Huis Zuid;\n").encode()


def import_hr(database, org_id):
    with database.begin() as session:
        org = session.get(m.Organisation, org_id)
        parsed = read_hr_file(HR_FILE, "hr.csv")
        report = apply(session, org, parsed, "hr.csv", "sha", mapping_for(session, org, parsed.headers)[0],
                       datetime.now(UTC))
        return report.unmatched


def record(database, number):
    with database.begin() as session:
        row = session.scalar(select(m.HrRecord).where(m.HrRecord.personnel_number == number))
        person = row.person
        return row.person_id, (person.function_assignments[-1].profile.code, person.function_assignments[-1].source,
                               person.team.name) if person else None


def test_rows_wait_and_link_at_the_first_launch_with_lis_person_sourcedid(client, lms, content, database):
    org_id = register(database, lms)
    assert import_hr(database, org_id) == ["1001", "2000"]
    assert record(database, "1001") == (None, None)
    assert launch(client, lms, user=User(id="lms-7", sourcedid="1001")).response.status_code == 302
    person_id, person = record(database, "1001")
    assert person_id is not None
    assert person == ("verzorgende-ig", m.AssignmentSource.HR_IMPORT, "Team Noord")
    assert record(database, "2000") == (None, None)


def test_a_custom_parameter_of_the_registration_carries_the_number(client, lms, content, database):
    org_id = register(database, lms)
    import_hr(database, org_id)
    launch(client, lms, user=User(id="boss"), custom={"digitoets_personnel_number": "2000"})
    _, person = record(database, "2000")
    assert person == ("helpende", m.AssignmentSource.HR_IMPORT, "Team Zuid")
    with database.begin() as session:
        boss = session.scalar(select(m.Person).where(m.Person.subject == "boss"))
        assert boss.has_role(m.ToolRole.MANAGER)  # HR names them manager of 1001
    launch(client, lms, user=User(id="boss"))  # the LMS does not know the role: HR's grant stays
    with database.begin() as session:
        boss = session.scalar(select(m.Person).where(m.Person.subject == "boss"))
        assert boss.has_role(m.ToolRole.MANAGER)


def test_a_number_sent_before_the_import_links_at_the_import(client, lms, content, database):
    org_id = register(database, lms)
    launch(client, lms, user=User(id="lms-7", sourcedid="1001"))
    assert import_hr(database, org_id) == ["2000"]
    _, person = record(database, "1001")
    assert person[0] == "verzorgende-ig"


def test_email_links_only_where_the_organisation_keeps_names(client, lms, content, database):
    org_id = register(database, lms, store_personal_data=True)
    import_hr(database, org_id)
    launch(client, lms, user=User(id="lms-9"))  # anna@zorg.example, no personnel number
    assert record(database, "1001")[0] is not None


def test_no_email_link_in_a_pseudonymous_organisation(client, lms, content, database):
    org_id = register(database, lms)
    import_hr(database, org_id)
    launch(client, lms, user=User(id="lms-9"))
    assert record(database, "1001") == (None, None)


def test_the_admin_names_the_personnel_number_parameter_of_a_new_lms(client, lms, tool, content, database):
    """The admin page registers a second LMS that sends the number as ``employee_no``; its launches link."""
    register(database, lms)
    page = follow(client, launch(client, lms, user=User(id="admin-1"), roles=[INSTITUTION_ADMIN]).response)
    assert page.status_code == 200
    admin = Browser(client)
    form = admin.get("/beheer/lti").get_data(as_text=True)
    assert 'name="personnel_number_parameter"' in form and 'value="digitoets_personnel_number"' in form
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as second:
        response = admin.post("/beheer/lti", data={
            "name": "Tweede LMS", "issuer": second.issuer, "client_id": second.client_id,
            "deployment_id": second.deployment_id, "auth_login_url": second.auth_url,
            "auth_token_url": second.token_url, "key_set_url": second.jwks_url,
            "function_parameter": "digitoets_function", "role_parameter": "digitoets_roles",
            "personnel_number_parameter": "employee_no"})
        assert response.status_code == 302, response.get_data(as_text=True)
        with database.begin() as session:
            org_id = session.scalar(select(m.LtiRegistration.organisation_id).where(
                m.LtiRegistration.issuer == second.issuer))
        import_hr(database, org_id)
        launch(client, second, user=User(id="lms-7"), custom={"employee_no": "1001"})
        _, person = record(database, "1001")
        assert person[0] == "verzorgende-ig"
