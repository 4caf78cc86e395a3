"""The XLSX reader streams: rows read are released, and the values are openpyxl's own."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import iterparse

from openpyxl import Workbook, load_workbook

from commons_core.io.readers import _releasing_rows, open_table

SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
    + b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
        for i in range(1, 501)
    )
    + b"</sheetData><mergeCells/></worksheet>"
)


def test_rows_leave_the_sheet_once_the_parser_moves_on() -> None:
    sheet_data = None
    seen = 0
    for event, element in _releasing_rows(iterparse)(io.BytesIO(SHEET)):
        assert event == "end"
        if element.tag.endswith("}row"):
            seen += 1
            assert len(element) == 1  # the parser gets the row whole
        if element.tag.endswith("}sheetData"):
            sheet_data = element
    assert seen == 500
    assert sheet_data is not None and len(sheet_data) == 0


def test_xlsx_reader_gives_what_openpyxl_reads(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名 / name", "出生日期 / birth_date", "户号 / household_no", "note"])
    for i in range(3000):
        sheet.append(
            [
                f"居民{i}",
                date(1950 + i % 60, 1 + i % 12, 1),
                i if i % 3 else None,
                datetime(2020, 1, 1, 8) if i % 7 == 0 else "说明",
            ]
        )
    path = tmp_path / "many.xlsx"
    book.save(path)
    expected = [
        list(row) for row in load_workbook(path).active.iter_rows(min_row=2, values_only=True)
    ]
    with open_table(path) as reader:
        got = [cells for _number, cells in reader.rows()]
    assert got == expected
