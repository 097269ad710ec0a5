"""The shared spreadsheet helper: formulas neutralised in CSV and XLSX, numbers kept, Dutch Excel's CSV."""

from __future__ import annotations

import io

import openpyxl
import pytest

from service.operations import tabular


@pytest.mark.parametrize("value, shown", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+31 6", "'+31 6"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("Zoë", "Zoë"), (None, ""), (-2, -2), (33.3, 33.3), (True, "ja"),
])
def test_safe_cell(value, shown):
    assert tabular.safe_cell(value) == shown


def test_csv_has_a_bom_semicolons_decimal_commas_and_the_filters_first():
    out = tabular.spool()
    tabular.write_csv(out, ["naam", "%"], [["=1+1", 16.7], ["Zoë", 5]], [("team", "-Zon")])
    body = b"".join(tabular.chunks(out))
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines() == ["# team;'-Zon", "naam;%", "'=1+1;16,7", "Zoë;5"]


def test_xlsx_has_a_frozen_header_a_filters_sheet_and_no_formulas():
    out = tabular.spool()
    tabular.write_xlsx(out, "Groepen", ["naam", "n"], ([f"=A{n}", n] for n in range(3)), [("niveau", "team")])
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(tabular.chunks(out))))
    sheet = workbook["Groepen"]
    assert sheet.freeze_panes == "A2"
    assert list(sheet.values) == [("naam", "n"), ("'=A0", 0), ("'=A1", 1), ("'=A2", 2)]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert list(workbook["Filters"].values) == [("filter", "waarde"), ("niveau", "team")]
