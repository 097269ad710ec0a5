"""Spreadsheet files streamed row by row: CSV for Dutch Excel and XLSX (openpyxl write-only).

One place that makes cells safe: a text starting with ``= + - @`` (or a tab or carriage return)
would be a formula in Excel, so it gets a leading quote in both formats (formula injection).
Memory stays flat for any number of rows: both are written row by row (XLSX by openpyxl's
write-only workbook) to a temporary file within the request's transaction, which the response
then reads out in chunks, so an export is only sent once its audit row is committed.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Numbers stay numbers; any other value becomes text, quoted when a spreadsheet would read it as a formula."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float) or value is None:
        return "" if value is None else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def spool() -> IO[bytes]:
    """A temporary file for an export: in memory while small, on disk when large; gone when closed."""
    return tempfile.SpooledTemporaryFile(max_size=CHUNK * 16)


def write_csv(out: IO[bytes], header: Sequence, rows: Iterable[Sequence],
              filters: Sequence[tuple[str, str]] = ()) -> None:
    """``;``-separated UTF-8 with a BOM (so Dutch Excel shows accents); the filters first as ``# name;value`` lines."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    for name, value in filters:
        writer.writerow([f"# {name}", safe_cell(value)])
    writer.writerow([_csv_value(safe_cell(v)) for v in header])
    for row in rows:
        writer.writerow([_csv_value(safe_cell(v)) for v in row])
    text.detach()


def _csv_value(value):
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else value


def write_xlsx(out: IO[bytes], title: str, header: Sequence, rows: Iterable[Sequence],
               filters: Sequence[tuple[str, str]] = ()) -> None:
    """The data sheet with a frozen header row, and a sheet "Filters" with the filters used."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([safe_cell(v) for v in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    used = workbook.create_sheet("Filters")
    used.append(["filter", "waarde"])
    for name, value in filters:
        used.append([safe_cell(name), safe_cell(value)])
    workbook.save(out)


def chunks(out: IO[bytes]) -> Iterator[bytes]:
    """Read a written export from the start in chunks, then close it (the body of a streamed response)."""
    with out:
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk
