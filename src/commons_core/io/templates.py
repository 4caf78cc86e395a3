"""Blank spreadsheets to fill in: the header row the importer reads, and one example row.

The XLSX template also carries drop-down lists for the columns with fixed
choices (gender, ethnicity, relation to head …), keeps ID numbers and
phones as text (Excel would otherwise turn them into rounded numbers), and
explains every column on a second sheet. The CSV template is UTF-8 with a
byte-order mark, which Excel and WPS open with the Chinese intact.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from commons_core.io.layout import Sheet, sheet
from commons_core.io.output import replacing

__all__ = ["write_template"]

CHOICES_SHEET = "选项 choices"
HELP_SHEET = "说明 help"


def write_template(kind: str | Sheet, path: Path, fmt: Literal["xlsx", "csv"] = "xlsx") -> Path:
    """Write the template of ``kind`` to ``path``; returns the path.

    ``kind`` is a core sheet's name or a sheet, such as an importable entity's
    (:func:`commons_core.io.derive.resolve_sheet` finds it by name).
    """
    layout = sheet(kind) if isinstance(kind, str) else kind
    with replacing(path) as partial:
        if fmt == "csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.header for c in layout.columns])
                writer.writerow([c.example for c in layout.columns])
        else:
            _write_xlsx(layout, partial)
    return path


def _write_xlsx(layout: Sheet, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = f"{layout.label.zh} {layout.label.en}"[:31]
    choices = book.create_sheet(CHOICES_SHEET)
    guide = book.create_sheet(HELP_SHEET)
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FFF2CC")
    rows = 5000
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        header = data.cell(row=1, column=index, value=column.header)
        header.font = bold
        if column.required:
            header.fill = required
        example = data.cell(row=2, column=index, value=column.example or None)
        data.column_dimensions[letter].width = max(12, len(column.header) * 1.6)
        if column.text:
            example.number_format = "@"
            data.column_dimensions[letter].number_format = "@"
            for row in range(3, rows + 1):
                data.cell(row=row, column=index).number_format = "@"
        if column.choices is not None:
            options = [m.zh for m in column.choices]
            choices.cell(row=1, column=index, value=column.header).font = bold
            for offset, option in enumerate(options, start=2):
                choices.cell(row=offset, column=index, value=option)
            area = f"{quote_sheetname(CHOICES_SHEET)}!${letter}$2:${letter}${len(options) + 1}"
            check = DataValidation(
                type="list",
                formula1=area,
                allow_blank=True,
                # A warning, not a stop: the importer also takes codes (01 for 汉族) and the
                # English values, which the list does not show.
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="无效的值 / invalid value",
                error=f"请从列表中选择 / choose from the list: {column.choices.choices()}"[:255],
            )
            check.add(f"{letter}2:{letter}{rows}")
            data.add_data_validation(check)
    data.freeze_panes = "A2"
    choices.sheet_state = "hidden"
    guide.append(["列 / column", "必填 / required", "说明 / how to fill in", "示例 / example"])
    for cell in guide[1]:
        cell.font = bold
    for column in layout.columns:
        hint = f"{column.hint.zh} / {column.hint.en}" if column.hint.zh else ""
        guide.append([column.header, "是 / yes" if column.required else "", hint, column.example])
    guide.append([])
    guide.append(
        [
            "表头可用中文或英文;第2行是示例,导入前请替换。"
            " Headers may be Chinese or English; row 2 is an example: replace it."
        ]
    )
    for letter, width in zip("ABCD", (28, 14, 60, 24), strict=True):
        guide.column_dimensions[letter].width = width
    book.save(path)
