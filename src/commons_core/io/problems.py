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
import functools
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import attrs

from commons_core.errors import Problem
from commons_core.io.formulas import neutralise, restore
from commons_core.io.layout import KINDS, PROBLEMS_COLUMN, ROW_COLUMN
from commons_core.io.output import replacing, worksheet_unsafe, xlsx_text
from commons_core.validation.text import CONTROL_CHARACTERS

__all__ = ["ErrorFile", "RowProblem"]


@attrs.frozen
class RowProblem:
    """One thing wrong in one row of a file.

    :ivar row: the row number a spreadsheet shows (the header is row 1).
    :ivar column: the column's header in the sheet's layout (``姓名 / name``), whichever
        header the file gives it (``姓名``, ``name``): the same in every report, and
        recognisable in either language; empty for the whole row.
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


def _day(value: Any) -> Any:
    """A date cell as a date: a workbook gives its dates as datetimes at midnight."""
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == time():
        return value.date()
    return value


def _text(value: Any) -> str:
    """A cell as text the importer reads back: ``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM:SS``."""
    value = _day(value)
    if isinstance(value, datetime):
        return value.isoformat(" ", "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _cell(sheet: Any, value: Any) -> Any:
    """A write-only cell of ``sheet`` holding ``value`` as it was read: dates, numbers, text."""
    from openpyxl.cell import WriteOnlyCell

    if worksheet_unsafe(value):
        # Echoed from the input and reported anyway: debris a worksheet cannot hold shows
        # as U+FFFD, and text starting with "=" stays text rather than becoming a formula.
        return xlsx_text(sheet, value, "\ufffd")
    return WriteOnlyCell(sheet, value=_day(value))


@functools.lru_cache(maxsize=8)
def _places(headers: tuple[str, ...]) -> dict[str, int]:
    """The index in a file with these headers of each column, by its layout header.

    A problem names its column by the layout's header (``姓名 / name``), while the
    file may head it ``姓名``, ``name`` or ``Name``: recognised as the importer does.
    """
    places: dict[str, int] = {}
    for layout in KINDS.values():
        columns, _unknown = layout.match_headers(headers)
        for index, column in enumerate(columns):
            if column is not None:
                places.setdefault(column.header, index)
    return places


class ErrorFile:
    """Rejected rows written as they are found (CSV or XLSX, by the file's extension)."""

    def __init__(self, path: Path, headers: Sequence[Any], *, marked: bool = False) -> None:
        """Start the error file at ``path``; :class:`~commons_core.io.output.OutputError` if
        it cannot be written there (a missing folder), before any row is read.

        ``marked``: the cells come from a CSV file, whose leading ``'`` marks text. A CSV
        error file neutralises its text as an export does, an XLSX one keeps it as text:
        either way the fixed file imports again to the values the rows were read as.
        """
        self.path = path
        self.headers = ["" if h is None else str(h) for h in headers]
        self._marked = marked
        self._xlsx = path.suffix.lower() == ".xlsx"
        self._file: IO[str] | None = None
        # Written beside its name and put in place once complete (by close): a person
        # never fixes rows from a half-written file, nor loses an earlier one to a failure.
        self._place = ExitStack()
        self._partial = self._place.enter_context(replacing(path))
        self._finished = False
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
            self._file = self._partial.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([neutralise(h) for h in [*self.headers, *extra]])

    def add(self, row: int, cells: Sequence[Any], problems: Sequence[RowProblem]) -> None:
        """Write one rejected row and its problems.

        The cells are written so that the fixed file imports again: dates as
        ``YYYY-MM-DD`` in CSV and as date cells in XLSX, where text is always
        text (never a formula). Each bad cell is marked, whichever header style
        the file uses.
        """
        summary = "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in problems)
        padded = [*cells, *[None] * (len(self.headers) - len(cells))][: len(self.headers)]
        if self._marked:
            padded = [restore(v) if isinstance(v, str) else v for v in padded]
        if not self._xlsx:
            texts = [*map(_text, padded), row, summary]
            self._writer.writerow([neutralise(v) if isinstance(v, str) else v for v in texts])
            return
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill

        places = _places(tuple(self.headers))
        notes: dict[int, list[str]] = {}
        for p in problems:
            if p.column in places:
                notes.setdefault(places[p.column], []).append(p.message)
        fill = PatternFill("solid", fgColor="FFC7CE")
        out: list[Any] = []
        for index, value in enumerate(padded):
            cell = _cell(self._rows, value)
            if index in notes:
                cell.fill = fill
                # A comment is XML too: no control characters there either.
                text = CONTROL_CHARACTERS.sub("\ufffd", "\n".join(notes[index]))
                cell.comment = Comment(text, "commons")
            out.append(cell)
        self._rows.append([*out, row, _cell(self._rows, summary)])
        for p in problems:
            listed = (p.row, p.column, _text(p.value), p.zh, p.en)
            self._list.append([_cell(self._list, v) for v in listed])

    def close(self) -> None:
        """Finish the file and put it in its place."""
        self.__exit__(None, None, None)

    def __enter__(self) -> ErrorFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Put the finished file in its place; after a failure (``exc``), remove it."""
        if self._finished:
            return  # closed, then left as a context manager
        self._finished = True
        try:
            if self._file is not None:
                self._file.close()
            elif self._xlsx and exc is None:
                self._book.save(self._partial)
        except BaseException as error:
            self._place.__exit__(type(error), error, error.__traceback__)
            raise
        self._place.__exit__(exc_type, exc, tb)
