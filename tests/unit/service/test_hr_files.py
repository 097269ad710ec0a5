"""Reading HR exports: the CSV and XLSX shapes HR systems produce, and every kind of broken file."""

from __future__ import annotations

import io
import os
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from service.operations.hr_import.fields import check_rows, parse_date, suggest_mapping
from service.operations.hr_import.files import MAX_BYTES, HrFileError, read_hr_file

TODAY = date(2026, 3, 1)
YOUFORCE = ["Personeelsnummer", "Voornaam", "Achternaam", "E-mail", "Functiecode", "Functienaam",
            "Afdeling", "Locatie", "Leidinggevende", "In dienst", "Uit dienst"]
ROW = ["1001", "Zoë", "Çelik", "zoe@zorg.example", "VIG", "Verzorgende IG", "Team Noord", "Huis Noord",
       "J. Bakker (2000)", "01-02-2020", ""]


def checked(data: bytes):
    parsed = read_hr_file(data, "hr")
    mapping = suggest_mapping(parsed.headers)
    rows, problems = check_rows(parsed.rows, parsed.headers, mapping, lambda code: code in {"VIG", "HELP"}, TODAY)
    return parsed, rows, problems


@pytest.mark.parametrize("encoding, separator, bom", [
    ("utf-8", ";", False), ("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ";", False), ("utf-8", "\t", False),
])
def test_csv_separators_and_encodings(encoding, separator, bom):
    text = separator.join(YOUFORCE) + "\r\n" + separator.join(ROW) + "\r\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    parsed, rows, problems = checked(data)
    assert parsed.headers == YOUFORCE and problems == []
    row = rows[0]
    assert (row.personnel_number, row.name, row.function_code, row.team, row.manager_number, row.employed_from) == (
        "1001", "Zoë Çelik", "VIG", "Team Noord", "2000", date(2020, 2, 1))


def test_afas_shaped_headers_are_suggested():
    headers = ["Medewerker", "Roepnaam", "Geslachtsnaam", "E-mail werk", "Functie", "Omschrijving functie",
               "Organisatorische eenheid", "Standplaats", "Manager", "Datum in dienst", "Datum uit dienst"]
    assert suggest_mapping(headers) == {
        "personnel_number": "Medewerker", "first_name": "Roepnaam", "last_name": "Geslachtsnaam",
        "email": "E-mail werk", "function_code": "Functie", "function_name": "Omschrijving functie",
        "team": "Organisatorische eenheid", "location": "Standplaats", "manager": "Manager", "employed_from": "Datum in dienst",
        "employed_until": "Datum uit dienst"}


@pytest.mark.parametrize("text, expected", [
    ("01-02-2020", date(2020, 2, 1)), ("1-2-20", date(2020, 2, 1)), ("01/02/2020", date(2020, 2, 1)),
    ("1.2.2020", date(2020, 2, 1)), ("2020-02-01", date(2020, 2, 1)), ("2020-02-01 00:00:00", date(2020, 2, 1)),
    ("3-4-75", date(1975, 4, 3)),
])
def test_dutch_and_iso_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31-02-2024", "2020/13/01", "morgen", "1-2", "01-02-2020x"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text, TODAY)


def xlsx(rows, formula_at=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if formula_at:
        sheet[formula_at] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_date_cells_and_numbers():
    row = [1001, "Zoë", "Çelik", "zoe@zorg.example", "VIG", "Verzorgende IG", "Team Noord", "Huis Noord", 2000,
           datetime(2020, 2, 1), None]
    parsed, rows, problems = checked(xlsx([YOUFORCE, row]))
    assert problems == []
    assert (rows[0].personnel_number, rows[0].manager_number, rows[0].employed_from, rows[0].employed_until) == (
        "1001", "2000", date(2020, 2, 1), None)


def test_a_formula_in_an_xlsx_cell_is_reported_with_row_and_column_and_not_evaluated():
    parsed = read_hr_file(xlsx([YOUFORCE, ROW, ROW], formula_at="E3"), "hr.xlsx")
    assert [p.message() for p in parsed.problems] == [
        "Rij 3, kolom Functiecode: er staat een formule in (=1+1). Zet er de waarde in, geen formule."]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+31 6 1234", "-2+3", "@SUM(A1)"])
def test_a_csv_cell_that_excel_would_run_is_reported(cell):
    data = (";".join(YOUFORCE) + "\n" + ";".join(ROW[:7] + [cell] + ROW[8:]) + "\n").encode()
    parsed = read_hr_file(data, "hr.csv")
    assert len(parsed.problems) == 1
    assert parsed.problems[0].row == 2 and parsed.problems[0].column == "Locatie"


@pytest.mark.parametrize("data, expected", [
    (b"", "Het bestand is leeg."),
    (b"\n\n  \r\n", "Het bestand is leeg."),
    (os.urandom(4096), "Dit bestand is geen tabel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Dit is een oud Excel-bestand (.xls)"),
    (b"PK\x03\x04" + os.urandom(2000), "Dit Excel-bestand is beschadigd"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 200, "Dit bestand is geen tabel"),
])
def test_broken_files_get_a_clear_message(data, expected):
    with pytest.raises(HrFileError) as error:
        read_hr_file(data, "hr")
    assert str(error.value).startswith(expected)


def test_twenty_megabytes_of_junk_is_refused_by_size():
    junk = (b"lorem;ipsum;" * 2_000_000)[:20 * 1024 * 1024]
    assert len(junk) > MAX_BYTES
    with pytest.raises(HrFileError, match=r"te groot: 20.0 MB. Er past 15 MB in"):
        read_hr_file(junk, "hr.csv")


def test_text_junk_gives_missing_columns_not_a_crash():
    from service.operations.hr_import.fields import missing_columns

    parsed = read_hr_file(b"Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n", "hr.txt")
    assert [p.message() for p in missing_columns(suggest_mapping(parsed.headers), parsed.headers)] == [
        "De kolom voor Personeelsnummer ontbreekt. Die is nodig.", "De kolom voor Functiecode ontbreekt. Die is nodig."]


def test_progress_is_reported_for_large_files():
    text = ";".join(YOUFORCE) + "\n" + "".join(";".join([str(n)] + ROW[1:]) + "\n" for n in range(2500))
    seen = []
    parsed = read_hr_file(text.encode(), "hr.csv", progress=lambda done, total: seen.append((done, total)))
    assert len(parsed.rows) == 2500
    assert seen[0][0] == 1000 and seen[-1] == (2501, 2501)
