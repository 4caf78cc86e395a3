"""The first worksheet of an XLSX workbook, streamed, within the import's limits.

openpyxl reads the workbook's parts (its sheets, shared strings and date
styles); the worksheet's rows are read here, values only, from its XML as it
is decompressed. openpyxl's read-only worksheet would parse a sheet without
a ``<dimension>`` (as openpyxl itself writes them) once more just to size it,
make a dictionary and often an object for each cell, and keep every row read
(cleared, ~150 bytes each) until closed: three times the time, and memory
that grows with the file.

What a workbook may make the reader hold is bounded before and while it is
read (:class:`~commons_core.io.limits.ImportLimits`): its unpacked size and
each part's compression ratio are checked on the archive's directory (whose
sizes bound what :mod:`zipfile` ever returns), every text of the shared
strings and the sheet is cut off at the longest cell allowed
(:class:`~commons_core.io.limits.LimitGuard`), each element is let go of as
soon as it is read, and a cell placed beyond the columns allowed, a cell of
more parts than any program writes, a row beyond the rows allowed or beyond
the 1,048,576 a worksheet holds are errors naming the row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from commons_core.io.limits import EXCEL_MAX_ROWS, ImportLimits, LimitGuard
from commons_core.io.readers import (
    FileError,
    TableReader,
    cell_too_long,
    too_many_columns,
    too_many_rows,
)

__all__ = ["XlsxReader"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DIMENSION = f"{_MAIN}dimension"
_ROW = f"{_MAIN}row"
_CELL = f"{_MAIN}c"
_VALUE = f"{_MAIN}v"
_INLINE = f"{_MAIN}is"
_TEXT = f"{_MAIN}t"
_TEXT_PARTS = (_TEXT, f"{_MAIN}r")
_SHARED = f"{_MAIN}si"
_DIGITS = "0123456789"
_RATIO_FROM = 1 << 20
"""Parts smaller than this (1 MiB unpacked) may pack better than the ratio allowed."""
_WHOLE_PART_BYTES = 16 << 20
"""What a part openpyxl parses whole (the manifest, the workbook, its styles) may unpack to:
a workbook's styles are a few hundred KB."""
_STREAMED = ("xl/worksheets/", "xl/sharedStrings.xml")
"""The parts read as a stream, or not at all (the sheets but the first)."""
_MAX_CELL_PARTS = 65_536
"""Elements one cell may hold (a rich text's runs and their fonts): 6 MB at the most."""


class _CellTooLong(Exception):
    """A cell's text is longer than the limit (raised where the row is not known)."""


class XlsxReader(TableReader):
    """The first worksheet of an XLSX workbook, streamed, its rows and cells within ``limits``."""

    def __init__(self, path: Path, limits: ImportLimits | None = None) -> None:
        from zipfile import BadZipFile

        from openpyxl.reader.excel import ExcelReader
        from openpyxl.utils.exceptions import InvalidFileException

        self._limits = limits = limits or ImportLimits()
        try:
            workbook = ExcelReader(path, read_only=True, data_only=True)
        except (BadZipFile, OSError, ValueError, InvalidFileException) as error:
            raise _unreadable(error) from None
        self._archive = workbook.archive
        try:
            _check_sizes(workbook.archive, limits)
            self._source = self._open(workbook, limits)
        except FileError:
            self._archive.close()
            raise
        except Exception as error:  # openpyxl raises whatever the damaged part gives
            self._archive.close()
            raise _unreadable(error) from None
        self._dates = workbook.wb._date_formats
        self._durations = workbook.wb._timedelta_formats
        self._epoch = workbook.wb.epoch
        self._columns: dict[str, int] = {}
        self._total: int | None = None
        self._rows = self._read_rows()
        self._done = 1
        try:
            first = next(self._rows, None)
        except FileError:
            self.close()
            raise
        self.headers = first[1] if first is not None and first[0] == 1 else []
        if not any(h is not None and str(h).strip() for h in self.headers):
            self.close()
            raise FileError("工作表第1行应为表头", "row 1 of the worksheet must be the header row")

    def _open(self, workbook: Any, limits: ImportLimits) -> Any:
        """Read the shared strings and the date styles; the first worksheet's stream."""
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.xml.constants import SHARED_STRINGS

        workbook.read_manifest()
        found = workbook.package.find(SHARED_STRINGS)
        self._strings: list[str] = []
        if found is not None:
            with workbook.archive.open(found.PartName[1:]) as strings:
                self._strings = _shared_strings(self._guarded(strings, "sharedStrings"))
        workbook.read_workbook()
        apply_stylesheet(workbook.archive, workbook.wb)
        sheets = [
            relation.target
            for _sheet, relation in workbook.parser.find_sheets()
            if "chartsheet" not in relation.Type and relation.target in workbook.valid_files
        ]
        if not sheets:
            raise ValueError("no worksheet")
        self._raw = workbook.archive.open(sheets[0])
        return self._guarded(self._raw, sheets[0])

    def _guarded(self, stream: Any, part: str) -> LimitGuard:
        limit = self._limits.max_cell_chars
        return LimitGuard(
            stream,
            self._limits.max_text_bytes,
            FileError(
                f"XLSX 文件的 {part} 中有超过 {limit} 个字符的内容(单元格上限)",
                f"{part} of the XLSX file holds text longer than {limit} characters"
                " (the limit of a cell)",
            ),
        )

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows, cells as a spreadsheet holds them (text, numbers, dates, booleans)."""
        counted, most = 0, self._limits.max_rows
        for number, cells in self._rows:
            self._done = number
            if any(c is not None and c != "" for c in cells):
                counted += 1
                if counted > most:
                    raise too_many_rows(most)
                yield number, cells

    def _read_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Every ``<row>`` of the sheet: its number and its cells up to the last one given;
        a sheet that cannot be read, or exceeds a limit, is a :class:`FileError` naming where.

        Each element is let go of once read: a cell's after its value is taken, anything
        else when it ends (every element of the sheet but the open ones and the parts of
        the open cell is gone).
        """
        from xml.etree.ElementTree import ParseError, iterparse

        number = 0
        value = self._cell_reader()
        column = self._column
        widest = self._limits.max_columns
        open_: list[Any] = []
        cells: list[Any] = []
        parts = at = 0
        reference = None
        try:
            for event, element in iterparse(self._source, ("start", "end")):
                if event == "start":
                    open_.append(element)
                    if element.tag == _ROW and len(open_) == 3:
                        given = element.get("r")
                        number = int(float(given)) if given else number + 1
                        if number > EXCEL_MAX_ROWS:
                            raise _beyond_a_worksheet(number)
                        cells = []
                    continue
                open_.pop()
                depth = len(open_)
                if depth > 3:
                    parts += 1  # a part of the open cell: kept until it ends
                    if parts > _MAX_CELL_PARTS:
                        raise _too_complex(number, len(cells))
                    continue
                parent = open_[-1] if open_ else None
                if depth == 3:
                    parts = 0
                if element.tag == _CELL and depth == 3:
                    reference = element.get("r")
                    at = column(reference) if reference else len(cells)
                    if at >= widest:
                        raise too_many_columns(number, widest)
                    if at > len(cells):
                        # Cells a spreadsheet leaves empty are not written: place each by
                        # its column.
                        cells.extend([None] * (at - len(cells)))
                    cells.append(value(element))
                elif element.tag == _ROW and depth == 2:
                    assert parent is not None
                    parent.remove(element)
                    yield number, cells
                    continue
                elif element.tag == _DIMENSION:
                    self._total = self._last_row(element.get("ref", ""))
                if parent is not None:
                    parent.remove(element)
        except _CellTooLong:
            where = _reference(number, at)
            raise cell_too_long(number, where, self._limits.max_cell_chars) from None
        except (ParseError, IndexError, ValueError) as error:
            # A cell that cannot be read is in the row just numbered, and so is broken XML
            # inside a row; broken XML between rows is before the next.
            between = isinstance(error, ParseError) and len(open_) < 3
            near = number + 1 if between else number
            raise FileError(
                f"工作表第{near}行附近无法读取:{error}",
                f"the worksheet cannot be read near row {near}: {error}",
            ) from None

    @staticmethod
    def _last_row(dimension: str) -> int | None:
        """The last row of a ``<dimension ref="A1:O1001">``, if it gives one."""
        from openpyxl.utils.cell import range_boundaries

        try:
            last = range_boundaries(dimension)[3]
        except (TypeError, ValueError):
            return None
        return last if isinstance(last, int) else None

    def _column(self, reference: str) -> int:
        """The zero-based column of a cell reference such as ``AB12``."""
        letters = reference.rstrip(_DIGITS)
        column = self._columns.get(letters)
        if column is None:
            from openpyxl.utils import column_index_from_string

            column = self._columns[letters] = column_index_from_string(letters) - 1
        return column

    def _cell_reader(self) -> Callable[[Any], Any]:
        """A function of a ``<c>`` element giving its value as openpyxl reads it, data only;
        text longer than the limit raises :class:`_CellTooLong`."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, dates, durations, epoch = self._strings, self._dates, self._durations, self._epoch
        longest = self._limits.max_cell_chars
        # Shared strings are checked once here; a cell's own text where it is read.
        too_long = {i for i, text in enumerate(strings) if len(text) > longest}

        def text_of(text: str) -> str:
            if len(text) > longest:
                raise _CellTooLong
            return text

        def value(cell: Any) -> Any:
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                inline = cell.find(_INLINE)
                if inline is None:
                    return None
                if len(inline) == 1 and inline[0].tag == _TEXT:
                    return text_of(inline[0].text or "")
                # Plain text is one <t>; rich text is runs <r><t>…</t></r>, each also
                # allowed phonetic guides (<rPh>) that are no part of the value.
                return text_of(
                    "".join(
                        (part.text or "") if part.tag == _TEXT else part.findtext(_TEXT, "")
                        for part in inline
                        if part.tag in _TEXT_PARTS
                    )
                )
            text = cell.findtext(_VALUE)
            if not text:
                return None
            if kind == "s":
                index = int(text)
                if too_long and index in too_long:
                    raise _CellTooLong
                return strings[index]
            if kind == "n":
                number = float(text) if "." in text or "E" in text or "e" in text else int(text)
                style = int(cell.get("s", 0))
                if style not in dates:
                    return number
                try:
                    return from_excel(number, epoch, timedelta=style in durations)
                except (OverflowError, ValueError):
                    return number  # no date: the importer says the cell is not one
            if kind == "b":
                return text not in ("0", "false")
            if kind == "d":
                try:
                    return from_ISO8601(text)
                except ValueError:
                    return text_of(text)  # no date: the importer says the cell is not one
            return text_of(text)  # "str" (a formula's text) and "e" (an error such as #N/A)

        return value

    def progress(self) -> float | None:
        """The share of the worksheet's rows read, when the workbook records its size."""
        if not self._total or self._total < 2:
            return None
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        """Close the worksheet and the workbook."""
        self._raw.close()
        self._archive.close()


def _check_sizes(archive: Any, limits: ImportLimits) -> None:
    """Refuse a workbook whose parts unpack to more than allowed, or pack implausibly well;
    read from the archive's directory, before any part is."""
    parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    if total > limits.max_xlsx_bytes:
        raise FileError(
            f"XLSX 文件解压后有 {total} 字节,超过上限 {limits.max_xlsx_bytes} 字节",
            f"the XLSX file unpacks to {total} bytes, more than the limit of"
            f" {limits.max_xlsx_bytes} bytes",
        )
    for part in parts:
        whole = part.filename.endswith((".xml", ".rels")) and not part.filename.startswith(
            _STREAMED
        )
        if whole and part.file_size > _WHOLE_PART_BYTES:
            raise FileError(
                f"XLSX 文件的 {part.filename} 解压后有 {part.file_size} 字节,"
                f"超过上限 {_WHOLE_PART_BYTES} 字节",
                f"{part.filename} of the XLSX file unpacks to {part.file_size} bytes, more than"
                f" the limit of {_WHOLE_PART_BYTES} bytes",
            )
        if part.file_size < _RATIO_FROM:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > limits.max_xlsx_ratio:
            raise FileError(
                f"XLSX 文件的 {part.filename} 压缩比为 {ratio:.0f}:1,不合常理"
                f"(上限 {limits.max_xlsx_ratio:g}:1;表格通常为 5 到 20:1)",
                f"{part.filename} of the XLSX file packs {ratio:.0f}:1, which no spreadsheet"
                f" does (the limit is {limits.max_xlsx_ratio:g}:1; worksheets pack 5 to 20:1)",
            )


def _beyond_a_worksheet(number: int) -> FileError:
    return FileError(
        f"工作表第{number}行超出了工作表的最大行数 {EXCEL_MAX_ROWS}",
        f"row {number} of the worksheet is beyond the {EXCEL_MAX_ROWS} rows a worksheet holds",
    )


def _shared_strings(source: LimitGuard) -> list[str]:
    """The workbook's shared strings, as openpyxl reads them (phonetic guides left out),
    each item let go of once read (openpyxl keeps every one, emptied, to the end)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.cell.text import Text

    strings: list[str] = []
    root = None
    for event, node in iterparse(source, ("start", "end")):
        if event == "start":
            root = node if root is None else root
        elif node.tag == _SHARED:
            strings.append(Text.from_tree(node).content.replace("x005F_", ""))
            if root is not None and node is not root:
                root.remove(node)
    return strings


def _reference(number: int, column: int) -> str:
    """The reference of a cell (``C12``) by its row and zero-based column."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{number}"


def _too_complex(number: int, column: int) -> FileError:
    where = _reference(number, column)
    return FileError(
        f"工作表单元格 {where} 由超过 {_MAX_CELL_PARTS} 个部分组成,无法导入",
        f"the worksheet's cell {where} is made of more than {_MAX_CELL_PARTS} parts",
    )


def _unreadable(error: Exception) -> FileError:
    return FileError(f"无法读取 XLSX 文件:{error}", f"cannot read the XLSX file: {error}")
