"""Our fields, the column names HR systems use for them, and turning one row into checked values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from service.i18n_markers import N_
from service.operations.hr_import.files import Problem

#: field -> Dutch label (for the mapping page and reports)
FIELDS: dict[str, str] = {
    "personnel_number": N_("Personeelsnummer"),
    "first_name": N_("Voornaam"),
    "last_name": N_("Achternaam"),
    "name": N_("Naam"),
    "email": N_("E-mailadres"),
    "function_code": N_("Functiecode"),
    "function_name": N_("Functienaam"),
    "team": N_("Team of afdeling"),
    "location": N_("Locatie"),
    "manager": N_("Leidinggevende (personeelsnummer)"),
    "employed_from": N_("In dienst"),
    "employed_until": N_("Uit dienst"),
}
REQUIRED = ("personnel_number", "function_code")

#: header names of Youforce, AFAS and hand-made exports, compared without case, spaces and punctuation
SYNONYMS: dict[str, tuple[str, ...]] = {
    "personnel_number": ("personeelsnummer", "personeelsnr", "persnr", "pnr", "medewerkernummer", "medewerkernr",
                         "werknemernummer", "employeeid", "employeenumber", "employeecode", "medewerker"),
    "first_name": ("voornaam", "roepnaam", "firstname", "givenname", "voornamen"),
    "last_name": ("achternaam", "geslachtsnaam", "lastname", "familyname", "surname"),
    "name": ("naam", "volledigenaam", "medewerkernaam", "displayname", "name", "fullname"),
    "email": ("email", "emailadres", "emailzakelijk", "zakelijkemail", "zakelijkemailadres", "emailwerk",
              "werkemail", "mail", "businessemail", "mailwerk"),
    "function_code": ("functiecode", "functienummer", "jobprofile", "jobprofilecode", "functie"),
    "function_name": ("functienaam", "functieomschrijving", "primairefunctie", "jobprofilename", "omschrijvingfunctie"),
    "team": ("team", "teamnaam", "afdeling", "afdelingsnaam", "organisatieeenheid", "organisatorischeeenheid",
             "organizationunit", "orgeenheid",
             "kostenplaats"),
    "location": ("locatie", "vestiging", "werklocatie", "location", "standplaats"),
    "manager": ("leidinggevende", "personeelsnummerleidinggevende", "leidinggevendenummer", "manager", "managerid"),
    "employed_from": ("indienst", "datumindienst", "indienstdatum", "startdatum", "begindatum", "hiredate",
                      "startdienstverband", "begindienstverband"),
    "employed_until": ("uitdienst", "datumuitdienst", "uitdienstdatum", "einddatum", "dischargedate", "enddate",
                       "einddienstverband"),
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """Field -> header, guessed from the header names; each header is used at most once."""
    by_key = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name, names in SYNONYMS.items():
        for name in names:
            header = by_key.get(name)
            if header and header not in used:
                mapping[field_name] = header
                used.add(header)
                break
    return mapping


def missing_columns(mapping: dict[str, str], headers: list[str]) -> list[Problem]:
    """A problem per required field without a column, and per mapped column the file lacks."""
    problems = []
    for field_name in REQUIRED:
        if not mapping.get(field_name):
            problems.append(Problem(N_("De kolom voor %(field)s ontbreekt. Die is nodig."), {"field": FIELDS[field_name]},
                                    row=1, column=FIELDS[field_name]))
    for header in mapping.values():
        if header and header not in headers:
            problems.append(Problem(N_("De kolom %(column)s staat niet in dit bestand."), {"column": header},
                                    row=1, column=header))
    return problems


_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def parse_date(text: str, today: date) -> date:
    """A Dutch or ISO date: dd-mm-jjjj, d-m-jj, dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd.

    A two-digit year is in this century unless that would put it more than ten years ahead.

    Raises:
        ValueError: for anything else, or a day that does not exist (31-02-2025).
    """
    text = text.strip()
    if match := _YMD.match(text):
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day)
    if match := _DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year <= today.year % 100 + 10 else 1900
        return date(year, month, day)
    raise ValueError(text)


_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class HrRow:
    """One checked row of the file."""

    row: int
    personnel_number: str
    name: str | None
    email: str | None
    function_code: str
    function_name: str | None
    team: str | None
    location: str | None
    manager_number: str | None
    employed_from: date | None
    employed_until: date | None


def check_rows(parsed_rows: list[tuple[int, list[str]]], headers: list[str], mapping: dict[str, str],
               known_function: Callable[[str], bool], today: date) -> tuple[list[HrRow], list[Problem]]:
    """Checked rows and a problem per wrong cell: a bad date, an unknown function code, an empty
    personnel number or function code, a personnel number that occurs twice."""
    position = {field_name: headers.index(header) for field_name, header in mapping.items() if header in headers}
    rows: list[HrRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, cells in parsed_rows:
        values = {name: cells[at].strip() if at < len(cells) else "" for name, at in position.items()}
        row = _check_row(number, values, mapping, seen, known_function, today, problems)
        if row is not None:
            rows.append(row)
    return rows, problems


def _check_row(number: int, cells: dict[str, str], mapping: dict[str, str], seen: dict[str, int],
               known_function: Callable[[str], bool], today: date, problems: list[Problem]) -> HrRow | None:
    def cell(field_name: str) -> str:
        return cells.get(field_name, "")

    def wrong(field_name: str, text: str, **values) -> None:
        problems.append(Problem(text, {"row": number, "column": mapping[field_name], **values},
                                row=number, column=mapping.get(field_name)))

    before = len(problems)
    number_text = cell("personnel_number")
    if not number_text:
        wrong("personnel_number", N_("Rij %(row)s, kolom %(column)s: het personeelsnummer is leeg."))
    elif number_text in seen:
        wrong("personnel_number", N_("Rij %(row)s, kolom %(column)s: personeelsnummer %(value)s staat ook in rij %(other)s."),
              value=number_text, other=seen[number_text])
    else:
        seen[number_text] = number
    code = cell("function_code")
    if not code:
        wrong("function_code", N_("Rij %(row)s, kolom %(column)s: de functiecode is leeg."))
    elif not known_function(code):
        wrong("function_code", N_("Rij %(row)s, kolom %(column)s: functiecode %(value)s kennen we niet. "
                                  "Koppel die code eerst aan een functie."), value=code)
    dates = {}
    for field_name in ("employed_from", "employed_until"):
        text = cell(field_name)
        try:
            dates[field_name] = parse_date(text, today) if text else None
        except ValueError:
            wrong(field_name, N_("Rij %(row)s, kolom %(column)s: %(value)s is geen datum. Schrijf bijvoorbeeld 31-12-2025."),
                  value=text[:40])
            dates[field_name] = None
    if dates["employed_from"] and dates["employed_until"] and dates["employed_until"] < dates["employed_from"]:
        wrong("employed_until", N_("Rij %(row)s, kolom %(column)s: de datum uit dienst ligt voor de datum in dienst."))
    if len(problems) > before:
        return None
    name = cell("name") or " ".join(part for part in (cell("first_name"), cell("last_name")) if part)
    manager = cell("manager")
    if match := _IN_BRACKETS.search(manager):  # "J. de Vries (10023)"
        manager = match.group(1).strip()
    return HrRow(number, number_text[:64], name[:200] or None, cell("email")[:320].lower() or None, code[:64],
                 cell("function_name")[:200] or None, cell("team")[:200] or None, cell("location")[:200] or None,
                 manager[:64] or None, dates["employed_from"], dates["employed_until"])
