"""Problems found in rows, and the error file a person fixes and imports again.

The error file holds the rejected rows as they were, under the same headers,
followed by two columns: the row's number in the original file and what is
wrong with it. The importer ignores those two columns, so after fixing the
cells the file itself can be imported. An XLSX error file also colours the
bad cells, notes the message on each, and lists every problem on a second
sheet (row, column, value, message in Chinese and in English).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import attrs

from commons_core.errors import Problem
from commons_core.io.layout import PROBLEMS_COLUMN, ROW_COLUMN

__all__ = ["ErrorFile", "RowProblem"]


@attrs.frozen
class RowProblem:
    """One thing wrong in one row of a file.

    :ivar row: the row number a spreadsheet shows (the header is row 1).
    :ivar column: the column's header as the file has it; empty for the whole row.
    :ivar value: the cell's value.
    :ivar code: the rule that failed.
    """

    row: int
    column: str
    value: Any
    code: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        """``校验码错误 / check digit is wrong``."""
        return f"{self.zh} / {self.en}"

    def __str__(self) -> str:
        where = f"第{self.row}行 row {self.row}"
        if self.column:
            where += f" · {self.column}"
        shown = "" if self.value in (None, "") else f" = {self.value!r}"
        return f"{where}{shown}: {self.message}"

    @classmethod
    def of(cls, row: int, column: str, value: Any, problem: Problem) -> RowProblem:
        """A row problem from a problem the codec or a repository reported."""
        return cls(row, column, value, problem.code, problem.zh, problem.en)


class ErrorFile:
    """Rejected rows written as they are found (CSV or XLSX, by the file's extension)."""

    def __init__(self, path: Path, headers: Sequence[Any]) -> None:
        self.path = path
        self.headers = ["" if h is None else str(h) for h in headers]
        self._xlsx = path.suffix.lower() == ".xlsx"
        self._file: IO[str] | None = None
        extra = [ROW_COLUMN.header, PROBLEMS_COLUMN.header]
        if self._xlsx:
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._rows = self._book.create_sheet("待修正 fix")
            self._list = self._book.create_sheet("错误明细 problems")
            self._rows.append([*self.headers, *extra])
            self._list.append(
                ["行号 / row", "列 / column", "值 / value", "错误 / problem", "problem (en)"]
            )
        else:
            # UTF-8 with a byte-order mark: Excel then opens the Chinese correctly.
            self._file = path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([*self.headers, *extra])

    def add(self, row: int, cells: Sequence[Any], problems: Sequence[RowProblem]) -> None:
        """Write one rejected row and its problems."""
        summary = "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in problems)
        padded = [*cells, *[None] * (len(self.headers) - len(cells))][: len(self.headers)]
        if not self._xlsx:
            self._writer.writerow([*("" if c is None else c for c in padded), row, summary])
            return
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill

        bad = {p.column: p for p in problems}
        fill = PatternFill("solid", fgColor="FFC7CE")
        out: list[Any] = []
        for header, value in zip(self.headers, padded, strict=True):
            cell = WriteOnlyCell(self._rows, value=value)
            problem = bad.get(header)
            if problem is not None:
                cell.fill = fill
                cell.comment = Comment(problem.message, "commons")
            out.append(cell)
        self._rows.append([*out, row, summary])
        for p in problems:
            value = "" if p.value is None else str(p.value)
            self._list.append([p.row, p.column, value, p.zh, p.en])

    def close(self) -> None:
        """Finish the file."""
        if self._xlsx:
            self._book.save(self.path)
        elif self._file is not None:
            self._file.close()

    def __enter__(self) -> ErrorFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
