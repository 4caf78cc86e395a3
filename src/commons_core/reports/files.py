"""A report's table as a file: CSV or XLSX, for the command line and the web app alike.

Every report's :class:`~commons_core.reports.ReportResult` has columns and rows;
these functions write them, so no report (and no plugin) writes its own
download. The CSV's header row is the columns' keys (what scripts read), its
text neutralised against formulas as every export is
(:mod:`commons_core.io.formulas`); the XLSX's header row is the columns'
labels ``中文 / key`` and its text cells are stored as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from commons_core.io.formulas import neutralise
from commons_core.reports.base import ReportResult

__all__ = ["FORMATS", "MEDIA_TYPES", "report_bytes", "report_csv", "report_xlsx"]

FORMATS = ("csv", "xlsx")
"""The file formats a report's table is written in."""
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The media type of each format, for a download."""


def _cell(value: Any) -> Any:
    """A value as a cell: enums by their value, days as ISO dates, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "、".join(str(_cell(v)) for v in value)
    return str(value)


def report_csv(result: ReportResult) -> str:
    """The report's table as CSV text: a header row of keys, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.key for c in result.columns])
    for row in result.rows:
        cells = [_cell(v) for v in row]
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in cells])
    return out.getvalue()


def report_xlsx(result: ReportResult, title: str) -> bytes:
    """The report's table as an XLSX workbook of one sheet named after ``title``."""
    from openpyxl import Workbook

    from commons_core.io.output import xlsx_text

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append([xlsx_text(sheet, f"{c.label.zh} / {c.key}") for c in result.columns])
    for row in result.rows:
        cells = [_cell(v) for v in row]
        sheet.append([xlsx_text(sheet, c, " ") if isinstance(c, str) else c for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_bytes(result: ReportResult, title: str, file_format: Literal["csv", "xlsx"]) -> bytes:
    """The report's table in ``file_format`` (CSV in UTF-8 with a BOM, which Excel reads)."""
    if file_format == "xlsx":
        return report_xlsx(result, title)
    return ("\ufeff" + report_csv(result)).encode("utf-8")


def _sheet_title(title: str) -> str:
    """A worksheet's title: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "report"
    return cleaned[:31]
