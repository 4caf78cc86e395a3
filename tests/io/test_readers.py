"""The XLSX reader streams, reads rows it has read no longer, and gives openpyxl's values."""

from __future__ import annotations

import re
import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from commons_core.io.readers import FileError, open_table


def _openpyxl_rows(path: Path) -> list[list[Any]]:
    """What openpyxl reads (full mode), rows without their trailing empty cells."""
    sheet = load_workbook(path, data_only=True).active
    assert sheet is not None
    rows = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            rows.append(cells)
    return rows


def _read(path: Path) -> list[list[Any]]:
    with open_table(path) as reader:
        return [cells for _number, cells in reader.rows()]


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
    assert _read(path) == _openpyxl_rows(path)
    with open_table(path) as reader:
        rows = reader.rows()
        next(rows)
        assert reader.progress() == 2 / 3001  # the sheet's <dimension> gives its size
        for _ in rows:
            pass
        assert reader.progress() == 1.0


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _with_sheet_xml(path: Path, rows_xml: str, shared: list[str]) -> Path:
    """A copy of the workbook at ``path`` whose first sheet holds ``rows_xml``, with a
    shared-strings table as Excel writes (openpyxl writes text inline)."""
    target = path.with_name("crafted.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            text = source.read(item).decode()
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(
                    r"<sheetData>.*</sheetData>", f"<sheetData>{rows_xml}</sheetData>", text
                )
                text = re.sub(r"<dimension [^>]*/>", "", text)
            if item.filename == "[Content_Types].xml":
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED}"/>'
                text = text.replace("</Types>", f"{part}</Types>")
            copy.writestr(item, text)
        items = "".join(f"<si><t>{s}</t></si>" for s in shared)
        copy.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>')
    return target


def test_cells_as_other_spreadsheet_programs_write_them(tmp_path: Path) -> None:
    """Sparse rows and cells, rows and cells without references, shared and rich inline
    text, booleans, errors, formula text, whole and decimal numbers, dates by style."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["头 / a", "shared"])
    sheet.append([date(2000, 1, 2), "shared"])  # a date style, and a shared string
    path = tmp_path / "base.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        original = archive.read("xl/worksheets/sheet1.xml").decode()
    date_style = re.search(r'<c r="A2" s="(\d+)"', original)
    assert date_style is not None
    s = date_style.group(1)
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    crafted = _with_sheet_xml(
        path,
        header
        + '<row r="3"><c r="C3" t="inlineStr"><is><t>第三列</t></is></c></row>'
        + '<row><c t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
        + '<c t="b"><v>1</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c></row>'
        + f'<row r="9"><c r="A9" s="{s}"><v>36527</v></c><c r="B9"><v>42</v></c>'
        + '<c r="C9"><v>2.5</v></c><c r="D9"><v>1E3</v></c>'
        + '<c r="E9" t="str"><f>A1</f><v>公式</v></c><c r="F9" t="inlineStr"/>'
        + '<c r="G9" t="s"><v>1</v></c></row>'
        + '<row r="10"><c r="B10" t="inlineStr"><is><t></t></is></c>'
        + '<c r="AA10" t="inlineStr"><is><t>远</t></is></c></row>',
        ["头 / a", "共享"],
    )
    got = _read(crafted)
    assert got == _openpyxl_rows(crafted)
    assert got[0] == [None, None, "第三列"]
    assert got[2][0] == datetime(2000, 1, 2)
    assert len(got[3]) == 27
    with open_table(crafted) as reader:
        assert [number for number, _cells in reader.rows()] == [3, 4, 9, 10]


def test_rows_read_leave_the_sheet(tmp_path: Path) -> None:
    """Memory does not grow with the rows read (openpyxl keeps ~150 bytes of each)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名 / name", "户号 / household_no"])
    for i in range(40_000):
        sheet.append([f"居民{i}", f"H{i:07d}"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    with open_table(path) as reader:
        tracemalloc.start()
        try:
            count = sum(1 for _ in reader.rows())
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == 40_000
    assert peak < 2_000_000  # 72 MB if the rows stayed
    assert reader.progress() is None  # openpyxl writes no <dimension> in write-only mode


def test_a_broken_sheet_is_a_file_error_naming_the_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["头 / a"])
    path = tmp_path / "base.xlsx"
    book.save(path)
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    cases = {
        '<row r="2"><c r="A2" t="s"><v>7</v></c></row>': "near row 2",  # no such shared string
        '<row r="2"><c r="A2"><v>x</v></c></row>': "near row 2",  # not a number
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row><row r="3"><c': "near row 3",
    }
    for rows, where in cases.items():
        crafted = _with_sheet_xml(path, header + rows, ["头 / a"])
        with pytest.raises(FileError) as failed, open_table(crafted) as reader:
            list(reader.rows())
        assert where in str(failed.value)
    # A date cell that is not a date is kept as its text, for the importer to report.
    crafted = _with_sheet_xml(
        path, header + '<row r="2"><c r="A2" t="d"><v>昨天</v></c></row>', ["头 / a"]
    )
    assert _read(crafted) == [["昨天"]]


def test_rows_cells_and_booleans_as_some_programs_write_them(tmp_path: Path) -> None:
    """Row numbers written as decimals, booleans as words, a row's extension list."""
    book = Workbook()
    path = tmp_path / "base.xlsx"
    book.save(path)
    crafted = _with_sheet_xml(
        path,
        '<row r="1.0"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row>'
        '<row r="2.0"><c r="A2" t="b"><v>false</v></c><c r="B2" t="b"><v>1</v></c>'
        "<extLst/></row>",
        ["头 / a"],
    )
    with open_table(crafted) as reader:
        assert list(reader.rows()) == [(2, [False, True])]


def test_files_that_are_no_workbook_are_file_errors(tmp_path: Path) -> None:
    not_a_workbook = tmp_path / "other.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "hello")
    zipped_csv = tmp_path / "zipped.csv"
    zipped_csv.write_bytes(not_a_workbook.read_bytes())
    book = Workbook()
    path = tmp_path / "base.xlsx"
    book.save(path)
    bad_header = _with_sheet_xml(path, '<row r="1"><c r="A1" t="s"><v>9</v></c></row>', ["a"])
    for path in (not_a_workbook, zipped_csv, bad_header):
        with pytest.raises(FileError):
            open_table(path)
