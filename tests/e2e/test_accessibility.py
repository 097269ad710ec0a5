"""axe-core finds no WCAG 2.1 A/AA violations on the pages an employee sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from service import models as m
from service.operations.demo import DEMO_PEOPLE
from tests.e2e.conftest import AXE_JS
from tests.e2e.person import axe_violations, describe, sign_in, visit_every_page
from tests.e2e.teacher import open_course_overview

pytestmark = pytest.mark.browser


class Findings:
    """Violations per page; the assertion prints them all (id, impact, targets, summary)."""

    def __init__(self, page):
        self.page = page
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []

    def __call__(self, name: str) -> None:
        self.checked.append(name)
        violations = axe_violations(self.page)
        if violations:
            self.found[name] = violations

    def assert_none(self) -> None:
        assert not self.found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(self.found)


def test_the_csp_refuses_inline_scripts_so_axe_is_injected_with_bypass_csp(page):
    page.goto("/")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(path=str(AXE_JS))
    assert page.evaluate("typeof window.axe") == "undefined"


def test_start_and_login_pages_have_no_violations(axe_page):
    check = Findings(axe_page)
    axe_page.goto("/")
    check("start page /")
    axe_page.goto("/dev/login")
    check("dev login /dev/login")
    check.assert_none()


def test_function_choice_page_has_no_violations(axe_page):
    eva = next(p for p in DEMO_PEOPLE if p.function is None)
    sign_in(axe_page, eva.name)
    assert re.search(r"/functie\?next=", axe_page.url), axe_page.url  # no function yet: choose first
    check = Findings(axe_page)
    check("function choice /functie")
    check.assert_none()


def test_every_page_of_a_whole_attempt_has_no_violations(axe_page):
    check = Findings(axe_page)
    visit_every_page(axe_page, check)
    assert [name.split(" (")[1] for name in check.checked if name.startswith("question")] == [
        "single)", "ordering)", "multiple)", "self_rating)"
    ]
    check.assert_none()


def test_the_teachers_course_overview_has_no_violations(axe_page, live_server):
    """With levels shown (the fullest version of the page) and a score waiting for the gradebook."""
    open_course_overview(axe_page, live_server, levels=True)
    card = axe_page.locator("li.participant").filter(has=axe_page.get_by_role("heading", name="Ans de Vries"))
    assert "Wacht op verzenden" in card.inner_text() and "Niveau per vaardigheid" in card.inner_text()
    check = Findings(axe_page)
    check("teacher course overview /docent/cursus")
    check.assert_none()


def test_the_hr_import_pages_have_no_violations(axe_page):
    """Upload, choose columns, a preview with errors per row and column, a clean preview that asks to
    confirm the leavers (refused until ticked), and the list of imports."""
    hr = next(p for p in DEMO_PEOPLE if m.ToolRole.HR in p.roles)
    sign_in(axe_page, hr.name)
    check = Findings(axe_page)
    axe_page.goto("/hr/import")
    check("HR import upload /hr/import")

    def upload(text: str) -> None:
        axe_page.goto("/hr/import")
        axe_page.get_by_label("HR-bestand (CSV of Excel)").set_input_files(
            {"name": "hr.csv", "mimeType": "text/csv", "buffer": text.encode()})
        with axe_page.expect_navigation():
            axe_page.get_by_role("button", name="Bestand bekijken").click()

    upload("Nr;Functiecode;Team\n1001;VIG;Noord\n1002;=1+1;Zuid\n")
    assert axe_page.url.endswith("/kolommen")
    check("HR import columns /hr/import/<token>/kolommen")
    axe_page.get_by_label("Personeelsnummer (verplicht)").select_option("Nr")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Verder").click()
    assert "er staat een formule in" in axe_page.inner_text("main")
    check("HR import preview with errors /hr/import/<token>")
    upload("Nr;Functiecode;Team\n1001;VIG;Noord\n1002;HELP;Zuid\n")
    # The demo organisation has many more employees than these two rows, so the preview asks
    # HR to confirm that the missing ones really left before anything is stored.
    assert "Nieuwe medewerkers" in axe_page.inner_text("main")
    assert "Is het bestand compleet?" in axe_page.inner_text("main")
    check("HR import preview with many leavers /hr/import/<token>")
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Alles opslaan").click()
    assert "Zet eerst het vinkje" in axe_page.inner_text("main")
    check("HR import preview, leavers not confirmed /hr/import/<token>")
    axe_page.get_by_label("Ja, deze medewerkers zijn echt uit dienst").check()
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Alles opslaan").click()
    assert "Eerder ingelezen" in axe_page.inner_text("main")
    check("HR import done /hr/import")
    check.assert_none()


def test_the_accreditation_pages_have_no_violations(axe_page, live_server, tmp_path):
    """My registries (with a refused number), the administrator's /accreditatie, a paste list, an export's progress."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from mappings.model import ActivityKind
    from service.jobs import accreditation_exports as exports_job
    from service.jobs import points as points_job
    from service.operations import accreditation_admin, points
    from service.operations.people import grant_role

    sign_in(axe_page)
    with live_server.database.begin() as session:
        ans = session.scalar(select(m.Person).where(m.Person.name == "Ans de Vries"))
        grant_role(session, ans, m.ToolRole.ACCREDITATION, granted_by="test")
        points.add_hours(session, ans.organisation_id, ans.id, ActivityKind.COACHING, 180,
                         datetime(2026, 6, 1, 9, tzinfo=UTC), "coaching_session", "e2e-axe")
        org = ans.organisation_id
    points_job.run(live_server.database, [org], clock=lambda: datetime(2026, 6, 2, tzinfo=UTC))
    check = Findings(axe_page)
    axe_page.goto("/mijn-overzicht/registers")
    check("my registries /mijn-overzicht/registers")
    form = axe_page.locator("section", has=axe_page.get_by_role("heading", name="KNMG-GAIA"))
    form.get_by_label("BIG-nummer").fill("123")
    with axe_page.expect_navigation():
        form.get_by_role("button", name="Nummer opslaan").click()
    assert "Een BIG-nummer heeft 11 cijfers." in axe_page.inner_text("main")
    check("my registries with a refused number")
    form = axe_page.locator("section", has=axe_page.get_by_role("heading", name="KNMG-GAIA"))
    form.get_by_label("BIG-nummer").fill("12345678901")
    form.get_by_role("checkbox").check()
    with axe_page.expect_navigation():
        form.get_by_role("button", name="Nummer opslaan").click()
    axe_page.goto("/accreditatie")
    check("accreditation administrator /accreditatie")
    axe_page.get_by_label("Register", exact=True).select_option(label="KNMG-GAIA")
    axe_page.get_by_label("Lijst om te plakken in het scherm Importeren van PE-online").check()
    with axe_page.expect_navigation():
        axe_page.get_by_role("button", name="Exporteren").click()
    assert "12345678901" in axe_page.input_value("textarea")
    check("paste list /accreditatie/export")
    # a long export's progress page, waiting (it refreshes itself) and then done
    with live_server.database.begin() as session:
        ans = session.get(m.Person, ans.id)
        queued = accreditation_admin.queue_export(session, ans.organisation, ans, "certificates", {"activity_id": (
            session.scalar(select(m.AccreditationRecord.activity_id).where(
                m.AccreditationRecord.certificate_code.is_not(None))))}, 1, datetime.now(UTC))
        export_id, progress = queued.id, f"/accreditatie/exports/{queued.uuid}"
    axe_page.goto(progress)
    assert "De certificaten staan klaar om gemaakt te worden." in axe_page.inner_text("main")
    check("export progress /accreditatie/exports/<id>, waiting")
    assert exports_job.run(live_server.database, export_id, live_server.url, tmp_path / "exports")
    axe_page.goto(progress)
    assert "De certificaten zijn klaar: 1 van 1." in axe_page.inner_text("main")
    check("export progress, done")
    with live_server.database.begin() as session:
        code = session.scalar(select(m.AccreditationRecord.certificate_code).where(
            m.AccreditationRecord.certificate_code.is_not(None)))
    axe_page.goto(f"/verify/{code}")
    assert "Dit certificaat is echt." in axe_page.inner_text("main")
    check("certificate check /verify/<code>")
    check.assert_none()


def test_the_admin_start_page_has_no_violations(axe_page):
    admin = next(p for p in DEMO_PEOPLE if m.ToolRole.ORG_ADMIN in p.roles)
    sign_in(axe_page, admin.name)
    check = Findings(axe_page)
    axe_page.goto("/beheer")
    assert axe_page.locator("h1").inner_text() == "Beheer"
    check("admin start page /beheer")
    check.assert_none()
