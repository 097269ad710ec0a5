"""Reading an HR export (CSV or XLSX) into a header row and text rows, without trusting it.

CSV: ``;``, ``,`` or tab separated; UTF-8 with or without BOM, else Windows-1252. XLSX: read with
openpyxl in read-only mode; date cells become ISO dates; formulas are reported, never evaluated
(``data_only=False`` gives the formula text, not a cached result). A cell in a CSV starting with
``= + - @`` is reported the same way, because Excel would run it when HR opens the file again.
Anything we cannot read raises ``HrFileError`` with a problem that says what is wrong.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from openpyxl import load_workbook

from service.i18n_markers import N_

#: the largest file we read (a full export of 50,000 employees is about 8 MB as CSV)
MAX_BYTES = 15 * 1024 * 1024
#: the most data rows in one file
MAX_ROWS = 100_000
#: the most problems listed one by one; the rest is counted
MAX_LISTED = 200
FORMULA_START = ("=", "+", "-", "@")

NOT_A_TABLE = N_("Dit bestand is geen tabel: het bevat tekens die in een CSV- of Excel-bestand niet voorkomen.")
BROKEN_XLSX = N_("Dit Excel-bestand is beschadigd of geen Excel-bestand. Sla het opnieuw op als .xlsx of als CSV.")

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: a Dutch text (``N_``) with values, and where it is."""

    text: str
    values: dict = field(default_factory=dict)
    row: int | None = None  # the row number as a spreadsheet shows it (1 = the header row)
    column: str | None = None  # the header text of the column

    def message(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        return gettext(self.text) % self.values if self.values else gettext(self.text)


class HrFileError(Exception):
    """Raised when the file as a whole cannot be read (empty, too big, not a table)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message())
        self.problem = problem


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells as text)
    problems: list[Problem] = field(default_factory=list)


def _refuse(text: str, **values) -> HrFileError:
    return HrFileError(Problem(text, values))


def too_large(size: int) -> HrFileError:
    """The refusal of a file of ``size`` bytes (more than ``MAX_BYTES``)."""
    return _refuse(N_("Het bestand is te groot: %(mb)s MB. Er past %(max)s MB in."),
                   mb=round(size / 1024 / 1024, 1), max=MAX_BYTES // 1024 // 1024)


def read_hr_file(data: bytes, file_name: str, progress: Progress | None = None) -> ParsedFile:
    """The header row and data rows of an HR file; formulas come back as problems.

    Raises:
        HrFileError: empty, too large, binary, an old .xls, a broken XLSX, too many rows, no header.
    """
    if not data.strip():
        raise _refuse(N_("Het bestand is leeg."))
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data, progress)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(N_("Dit is een oud Excel-bestand (.xls). Sla het op als .xlsx of als CSV en probeer het opnieuw."))
    else:
        table = _csv_rows(_decode(data), progress)
    return _table(table, progress)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise _refuse(NOT_A_TABLE)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _refuse(NOT_A_TABLE) from exc
    sample = text[:65536]
    odd = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if odd > len(sample) // 100:
        raise _refuse(NOT_A_TABLE)
    return text


def _delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        first = next((line for line in text.splitlines() if line.strip()), "")
        return max(";,\t", key=first.count)


def _csv_rows(text: str, progress: Progress | None):
    total = text.count("\n") + 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for number, cells in enumerate(reader, start=1):
            if progress is not None and number % 1000 == 0:
                progress(number, total)
            yield number, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise _refuse(N_("Rij %(row)s kunnen we niet lezen: %(reason)s"), row=reader.line_num, reason=str(exc)) from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes, progress: Progress | None):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise _refuse(BROKEN_XLSX) from exc
    try:
        sheet = book.worksheets[0]
        total = sheet.max_row
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if progress is not None and number % 1000 == 0:
                progress(number, total)
            yield number, [("=" + str(c.value).lstrip("=")) if c.data_type == "f" else _cell_text(c.value)
                           for c in cells]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(BROKEN_XLSX) from exc
    finally:
        book.close()


def _table(table, progress: Progress | None) -> ParsedFile:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    number = 0
    for number, cells in table:
        if not any(cells):
            continue
        if headers is None:
            headers = cells
            for position, name in enumerate(headers):
                if name and name in headers[:position]:
                    problems.append(Problem(N_("De kolom %(column)s staat twee keer in het bestand."),
                                            {"column": name}, row=number, column=name))
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse(N_("Het bestand heeft meer dan %(max)s rijen. Splits het bestand."), max=MAX_ROWS)
        for position, cell in enumerate(cells):
            if cell.startswith(FORMULA_START) and cell != "-":
                column = headers[position] if position < len(headers) else f"#{position + 1}"
                problems.append(Problem(N_("Rij %(row)s, kolom %(column)s: er staat een formule in (%(cell)s). "
                                           "Zet er de waarde in, geen formule."),
                                        {"row": number, "column": column, "cell": cell[:40]}, row=number, column=column))
        rows.append((number, ["" if cell == "-" else cell for cell in cells]))
    if headers is None:
        raise _refuse(N_("Het bestand is leeg."))
    if progress is not None:
        progress(number, number)
    return ParsedFile(headers, rows, problems)
