"""Dutch by default, English after /taal/en: the catalogue covers every text, and is what runs.

Texts are written in Dutch in the templates and code (``_()``, ``_l()``, and ``N_()`` for the
messages of the service's errors); service/translations/en/LC_MESSAGES/messages.po holds the
English. When a test here fails after you changed a text: ``make translations``, fill in every
empty ``msgstr`` in the .po, then ``make install`` (compiles the .mo).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "service" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "N_", "-k", "lazy_ngettext:1,2"]  # as BABEL_KEYWORDS in the Makefile
HTML_LANG = re.compile(r'<html lang="([a-z]+)">')
FIX = "run `make translations`, translate every empty msgstr in {po}, then `make install`"


def read_catalogue(path: Path, reader=read_po):
    with path.open("rb") as f:
        return reader(f, locale="en") if reader is read_po else reader(f)


def extract(tmp_path: Path):
    """The texts the sources mark today, extracted as `make translations` does."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "-o", str(pot), str(ROOT)]
    )
    return read_catalogue(pot)


def where(message) -> str:
    return ", ".join(f"{Path(file).relative_to(ROOT) if Path(file).is_absolute() else file}:{line}"
                     for file, line in message.locations)


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return "fuzzy" not in message.flags and all(s and s.strip() for s in strings)


# -- (a) the catalogue is complete ------------------------------------------------------------


def test_every_dutch_text_in_the_sources_has_an_english_translation(tmp_path):
    sources = extract(tmp_path)
    catalogue = read_catalogue(PO)
    assert not catalogue.fuzzy, f"the header of {PO.name} is marked fuzzy: pybabel compile would skip it"
    problems = []
    for message in sources:
        if not message.id:
            continue
        entry = catalogue.get(message.id, message.context)
        if entry is None:
            problems.append(f"not in the catalogue: {message.id!r} ({where(message)})")
        elif not translated(entry):
            problems.append(f"{'fuzzy' if 'fuzzy' in entry.flags else 'empty'}: {message.id!r} ({where(message)})")
    assert not problems, f"{FIX.format(po=PO.relative_to(ROOT))}\n" + "\n".join(problems)


def test_the_catalogue_holds_only_texts_the_sources_still_use(tmp_path):
    used = {(m.id, m.context) for m in extract(tmp_path) if m.id}
    stale = [m.id for m in read_catalogue(PO) if m.id and (m.id, m.context) not in used]
    assert not stale, "run `make translations` to drop these:\n" + "\n".join(map(repr, stale))


def test_translations_keep_the_placeholders_of_the_dutch_text():
    problems = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in read_catalogue(PO).check()]
    assert not problems, "\n".join(problems)


def test_translations_add_no_html():
    """In templates a translation is inserted as safe markup (Jinja's newstyle gettext), also
    inside attributes such as data-saved-text="...": a quote or < would break the page."""
    problems = [
        f"{m.id!r}: {ch!r} in {m.string!r}"
        for m in read_catalogue(PO) if m.id for ch in '"<>&' if ch in m.string and ch not in m.id
    ]
    assert not problems, "\n".join(problems)


# The service's errors are raised with a Dutch message that the web layer translates on its way
# out (service.web.i18n.error_message). That only works for a literal text marked with N_, so
# pybabel puts it in the catalogue and the lookup finds it.
USER_FACING_ERRORS = {"NotFoundError", "ConflictError", "InvalidInputError", "ForbiddenError"}
NOT_YET_TRANSLATABLE: set[tuple[str, str]] = set()  # every user-facing error text is translatable now


def _text_of(node: ast.expr) -> str:
    """A readable form of a message expression: the literal, or the f-string/format pattern."""
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _text_of(node.func.value)
    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)


def _is_marked(node: ast.expr, constants: dict[str, ast.expr]) -> bool:
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name) and len(node.args) == 2):
        # a choice from a table of marked texts, with a marked default: MESSAGES.get(code, GENERIC)
        table = constants.get(node.func.value.id)
        return (isinstance(table, ast.Dict) and all(_is_marked(v, constants) for v in table.values)
                and _is_marked(node.args[1], constants))
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"N_", "_", "gettext", "_l"}


def test_error_messages_shown_to_people_are_marked_for_translation():
    problems = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # module constants and local variables (``message = N_("...")`` raised twice)
        constants = {t.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                     for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            call = node.exc if isinstance(node, ast.Raise) else None
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.args):
                continue
            if call.func.id not in USER_FACING_ERRORS or _is_marked(call.args[0], constants):
                continue
            relative = path.relative_to(ROOT).as_posix()
            if (relative, _text_of(call.args[0])) not in NOT_YET_TRANSLATABLE:
                problems.append(f"{relative}:{node.lineno}: {_text_of(call.args[0])!r}")
    assert not problems, (
        "raise these with a literal Dutch text wrapped in N_ (from service.i18n_markers import N_),"
        " then " + FIX.format(po=PO.relative_to(ROOT)) + ":\n" + "\n".join(problems)
    )


# -- (d) what runs is the catalogue as it is now ------------------------------------------------


def compiled_catalogue_problem() -> str | None:
    """Why the .mo the app reads is not the .po as it is now (compared by content, not by date)."""
    fix = f"run `make install` (or .venv/bin/pybabel compile -l en -i {PO.relative_to(ROOT)} -o {MO.relative_to(ROOT)})"
    if not MO.exists():
        return f"{MO.relative_to(ROOT)} is missing: {fix}"
    def plain(value):  # a plural is a tuple in the .po and a list in the .mo
        return tuple(value) if isinstance(value, list | tuple) else value

    wanted = {plain(m.id): plain(m.string) for m in read_catalogue(PO) if m.id and translated(m)}
    compiled = {plain(m.id): plain(m.string) for m in read_catalogue(MO, read_mo) if m.id}
    if compiled != wanted:
        return f"{MO.relative_to(ROOT)} is older than the .po: {fix}"
    return None


def test_the_compiled_catalogue_matches_the_po():
    """The app reads the .mo, which `make install` compiles and git does not keep."""
    problem = compiled_catalogue_problem()
    assert problem is None, problem


@pytest.fixture
def english(browser):
    """Switch to English the way a person does, once the compiled catalogue is known to be current."""
    problem = compiled_catalogue_problem()
    if problem:
        pytest.fail(problem)
    response = browser.get("/taal/en")
    assert response.status_code == 302
    return browser


def html_lang(response) -> str:
    return HTML_LANG.search(response.get_data(as_text=True)).group(1)


# -- (b) English after /taal/en, Dutch again after /taal/nl ---------------------------------------


def test_an_employee_takes_a_test_in_english_and_switches_back(english, make_person):
    browser = english
    browser.sign_in(make_person())

    tests = browser.get("/toetsen")
    page = tests.get_data(as_text=True)
    assert html_lang(tests) == "en"
    assert "Digital skills tests" in page and "Tests for your job" in page
    assert "Start the test" in page and "About 6 minutes" in page
    assert "Skip to content" in page and "Nederlands" in page  # the way back to Dutch

    start = browser.post("/toetsen/ecd-rapportage/start")
    registration = start.location.rsplit("/", 1)[-1]
    question = browser.get(f"/poging/{registration}/vraag/1")
    page = question.get_data(as_text=True)
    assert html_lang(question) == "en"
    assert "Question 1 of 5" in page and "Choose one answer." in page and "Next question" in page
    assert "Your answer has been saved." in page  # for the autosave script

    wrong = browser.post(f"/poging/{registration}/vraag/1", data={"answer": "z"})  # an error raised in Dutch
    assert wrong.status_code == 422
    assert "This answer doesn&#39;t fit the question." in wrong.get_data(as_text=True)
    browser.post(f"/poging/{registration}/vraag/1", data={"answer": "a", "go": "next"})

    review = browser.get(f"/poging/{registration}/inleveren").get_data(as_text=True)
    assert "Ready to hand in?" in review and "You have answered 1 of the 5 questions." in review
    browser.post(f"/poging/{registration}/inleveren")

    result = browser.get(f"/poging/{registration}/resultaat")
    page = result.get_data(as_text=True)
    assert html_lang(result) == "en"
    assert "Your result: Rapporteren in het ECD" in page  # the test's own title is content, in Dutch
    assert "Well done for taking the test!" in page and "Who sees what?" in page
    assert "Not at level yet" in page and "Needed for your job" in page and "On my own (level 2)" in page
    assert "figures for groups of at least 5 people." in page
    assert "Ask a digital coach for help" in page
    assert "The test didn&#39;t show yet" in page  # a translation in a template is escaped like any text

    closed = browser.post_json(f"/poging/{registration}/antwoord", {"item": "ecd-01", "value": "b"})
    assert closed.status_code == 409
    assert closed.get_json()["message"] == "You have already handed in this test. You can't change your answers any more."

    overview = browser.get("/mijn-overzicht")
    page = overview.get_data(as_text=True)
    assert html_lang(overview) == "en"
    assert "My overview" in page and "My skills" in page and "My learning plan" in page
    assert "Your job: Verzorgende IG." in page

    browser.get("/taal/nl")
    again = browser.get("/mijn-overzicht")
    page = again.get_data(as_text=True)
    assert html_lang(again) == "nl"
    assert "Mijn vaardigheden" in page and "My skills" not in page
    assert "English" in page


def test_admin_pages_and_form_messages_are_in_english(english, make_person, database):
    from service import models as m
    from service.operations.people import grant_role

    browser = english
    person_id = make_person("admin-1")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    browser.sign_in(person_id)
    page = browser.get("/beheer/instellingen").get_data(as_text=True)
    assert "Who sees the results of an individual employee?" in page and "Only the employee" in page
    refused = browser.post("/beheer/instellingen", data={
        "result_visibility": "manager", "min_group_size": "1", "help_request_mode": "opt_in", "retention_months": "12",
    })
    assert refused.status_code == 422
    assert "Choose a number from 2 to 100." in refused.get_data(as_text=True)


# -- (c) Dutch unless asked otherwise ------------------------------------------------------------


def test_dutch_is_the_default(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert html_lang(response) == "nl"
    assert "Welkom bij Digitoets" in page and "Welcome to Digitoets" not in page


def test_lang_in_the_address_asks_for_english(client):
    response = client.get("/?lang=en")
    assert html_lang(response) == "en"
    assert "Welcome to Digitoets" in response.get_data(as_text=True)
    assert html_lang(client.get("/")) == "nl"  # only for that page: nothing was remembered


def test_an_unknown_language_keeps_dutch(client):
    client.get("/taal/fr")
    assert html_lang(client.get("/")) == "nl"
