"""Reading spreadsheets row by row: CSV in any of the encodings Chinese offices use, and XLSX.

Both readers stream: a CSV file is decoded as it is read, an XLSX worksheet's
XML is parsed as it is decompressed and each row let go once read, so memory
does not grow with the file.
Row numbers are the ones a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from commons_core.errors import CommonsError

__all__ = ["FileError", "TableReader", "detect_encoding", "open_table"]

SAMPLE_BYTES = 1 << 16
"""How much of a CSV file, from its first byte that is not ASCII, decides its encoding."""
SCAN_BYTES = 1 << 20
"""How much of a CSV file is looked at at once when looking for its first non-ASCII byte."""

_NOT_ASCII = re.compile(rb"[\x80-\xff]")
_ESCAPED = re.compile("[\udc80-\udcff]")
"""Bytes that are no text, as the ``surrogateescape`` error handler keeps them."""


class FileError(CommonsError):
    """The file cannot be read as a table (format, encoding, missing header)."""


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file that begins with ``sample``.

    A byte-order mark decides (UTF-8 or UTF-16); otherwise text that decodes
    as UTF-8 is UTF-8 (GB18030 Chinese text practically never does), and
    anything else is GB18030, the superset of GBK and GB2312 that Excel and
    WPS write on Chinese Windows.
    """
    return _marked(sample) or _utf8_or_gb18030(sample)


def _marked(start: bytes) -> str | None:
    """The encoding a file beginning with ``start`` names by its byte-order mark, if any."""
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf8_or_gb18030(sample: bytes, *, cut: bool = True) -> str:
    """UTF-8 if ``sample`` decodes as UTF-8, else GB18030; ``cut``: the file goes on after it."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A sample cut short may end inside a character: that is no evidence against UTF-8.
        ends_inside = error.reason == "unexpected end of data" and error.start >= len(sample) - 3
        if not (cut and ends_inside):
            return "gb18030"
    return "utf-8"


def _sniff(raw: BinaryIO) -> str:
    """The encoding of the CSV file ``raw`` (read from its start; left anywhere).

    ASCII reads the same in every encoding detected, so the decision is taken on
    :data:`SAMPLE_BYTES` from the first byte that is not ASCII, wherever it is: a
    GB18030 file may well begin with thousands of rows of numbers and pinyin. Chunks
    are skipped with :meth:`bytes.isascii` (C speed), one in memory at a time.
    """
    skipped = 0
    chunk = raw.read(SCAN_BYTES)
    while chunk.isascii():
        if not chunk:
            return "utf-8"  # ASCII throughout
        skipped += len(chunk)
        chunk = raw.read(SCAN_BYTES)
    match = _NOT_ASCII.search(chunk)
    assert match is not None  # the chunk is not ASCII
    start = match.start()
    # The first byte that is not ASCII starts a character in UTF-8 and in GB18030 alike
    # (whose lead bytes are never ASCII), so the sample begins on a character; at its
    # end a character cut in two is allowed for, unless the file ends there.
    sample = chunk[start : start + SAMPLE_BYTES]
    if len(sample) < SAMPLE_BYTES:
        sample += raw.read(SAMPLE_BYTES - len(sample))
    # Only a file's first bytes can be a byte-order mark.
    marked = _marked(sample) if skipped + start == 0 else None
    return marked or _utf8_or_gb18030(sample, cut=len(sample) == SAMPLE_BYTES)


class TableReader:
    """Rows of a CSV or XLSX file; use it as a context manager.

    :ivar headers: the cells of the header row.
    :ivar encoding: the CSV file's encoding (``None`` for XLSX).
    """

    headers: list[Any]
    encoding: str | None = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(row number, cells)`` for every data row that is not blank."""
        raise NotImplementedError

    def progress(self) -> float | None:
        """How far through the file reading is, from 0 to 1, if known."""
        return None

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CsvReader(TableReader):
    """A CSV file, its encoding and delimiter detected."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw: BinaryIO = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self.encoding = _sniff(self._raw)
        self._raw.seek(0)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        self._delimiter = ","
        try:
            first = self._text.readline()
        except UnicodeDecodeError:
            self.close()
            raise self._decode_error() from None
        self._delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self._reader = csv.reader(self._text, delimiter=self._delimiter)
        self.headers = next(csv.reader([first], delimiter=self._delimiter), [])
        if not any(h.strip() for h in self.headers):
            self.close()
            raise FileError("文件第1行应为表头", "row 1 of the file must be the header row")

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows; a decoding failure names the row."""
        number = 1
        try:
            for cells in self._reader:
                number += 1
                if any(cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise self._decode_error() from None

    def _decode_error(self) -> FileError:
        row = self._undecodable_row()
        where = f"第{row}行" if row else "文件"
        near = f"row {row} of the file" if row else "the file"
        return FileError(
            f"{where}不是有效的 {self.encoding} 文本,请另存为 UTF-8 CSV",
            f"{near} is not valid {self.encoding} text; save it as UTF-8 CSV",
        )

    def _undecodable_row(self) -> int | None:
        """The first row holding bytes that are not text in :attr:`encoding`.

        The decoder works a chunk ahead of the rows, so its failure does not say
        where: the file is read again, only now that it failed, with such bytes
        kept as lone surrogates, up to the first row that has one.
        """
        with self._path.open("rb") as raw:
            text = io.TextIOWrapper(raw, self.encoding, errors="surrogateescape", newline="")
            rows = csv.reader(text, delimiter=self._delimiter)
            try:
                for number, cells in enumerate(rows, start=1):
                    if any(_ESCAPED.search(cell) for cell in cells):
                        return number
            except UnicodeDecodeError:
                return None  # bytes surrogateescape cannot keep (broken UTF-16)
        return None

    def progress(self) -> float:
        """The share of the file's bytes read so far."""
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        """Close the file."""
        self._raw.close()


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA = f"{_MAIN}sheetData"
_DIMENSION = f"{_MAIN}dimension"
_ROW = f"{_MAIN}row"
_CELL = f"{_MAIN}c"
_VALUE = f"{_MAIN}v"
_INLINE = f"{_MAIN}is"
_TEXT = f"{_MAIN}t"
_TEXT_PARTS = (_TEXT, f"{_MAIN}r")
_DIGITS = "0123456789"


class XlsxReader(TableReader):
    """The first worksheet of an XLSX workbook, streamed.

    openpyxl reads the workbook's parts (its sheets, shared strings and date
    styles); the worksheet's rows are read here, values only, from its XML
    as it is decompressed. openpyxl's read-only worksheet would parse a
    sheet without a ``<dimension>`` (as openpyxl itself writes them) once
    more just to size it, make a dictionary and often an object for each
    cell, and keep every row read (cleared, ~150 bytes each) until closed:
    three times the time, and memory that grows with the file.
    """

    def __init__(self, path: Path) -> None:
        from zipfile import BadZipFile

        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = ExcelReader(path, read_only=True, data_only=True)
        except (BadZipFile, OSError, ValueError, InvalidFileException) as error:
            raise _unreadable(error) from None
        self._archive = workbook.archive
        try:
            workbook.read_manifest()
            workbook.read_strings()
            workbook.read_workbook()
            apply_stylesheet(workbook.archive, workbook.wb)
            sheets = [
                relation.target
                for _sheet, relation in workbook.parser.find_sheets()
                if "chartsheet" not in relation.Type and relation.target in workbook.valid_files
            ]
            if not sheets:
                raise ValueError("no worksheet")
            self._source = self._archive.open(sheets[0])
        except Exception as error:  # openpyxl raises whatever the damaged part gives
            self._archive.close()
            raise _unreadable(error) from None
        self._strings: list[str] = workbook.shared_strings
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

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows, cells as a spreadsheet holds them (text, numbers, dates, booleans)."""
        for number, cells in self._rows:
            self._done = number
            if any(c is not None and c != "" for c in cells):
                yield number, cells

    def _read_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Every ``<row>`` of the sheet: its number and its cells up to the last one given;
        a sheet that cannot be read is a :class:`FileError` naming where."""
        from xml.etree.ElementTree import ParseError, iterparse

        sheet_data = None
        number = 0
        value = self._cell_reader()
        column = self._column
        try:
            for event, element in iterparse(self._source, ("start", "end")):
                if event == "start":
                    if element.tag == _SHEET_DATA:
                        sheet_data = element
                    continue
                if element.tag != _ROW:
                    if element.tag == _DIMENSION:
                        self._total = self._last_row(element.get("ref", ""))
                    continue
                given = element.get("r")
                number = int(float(given)) if given else number + 1
                cells: list[Any] = []
                for cell in element:
                    if cell.tag != _CELL:
                        continue  # a row's <extLst>
                    reference = cell.get("r")
                    if reference:
                        # Cells a spreadsheet leaves empty are not written: place each by its
                        # column.
                        missing = column(reference) - len(cells)
                        if missing > 0:
                            cells.extend([None] * missing)
                    cells.append(value(cell))
                if sheet_data is not None:
                    sheet_data.remove(element)
                yield number, cells
        except (ParseError, IndexError, ValueError) as error:
            # A cell that cannot be read is in the row just numbered; broken XML after it.
            near = number + 1 if isinstance(error, ParseError) else number
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
        """A function of a ``<c>`` element giving its value as openpyxl reads it, data only."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, dates, durations, epoch = self._strings, self._dates, self._durations, self._epoch

        def value(cell: Any) -> Any:
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                inline = cell.find(_INLINE)
                if inline is None:
                    return None
                if len(inline) == 1 and inline[0].tag == _TEXT:
                    return inline[0].text or ""
                # Plain text is one <t>; rich text is runs <r><t>…</t></r>, each also
                # allowed phonetic guides (<rPh>) that are no part of the value.
                return "".join(
                    (part.text or "") if part.tag == _TEXT else part.findtext(_TEXT, "")
                    for part in inline
                    if part.tag in _TEXT_PARTS
                )
            text = cell.findtext(_VALUE)
            if not text:
                return None
            if kind == "s":
                return strings[int(text)]
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
                    return text  # no date: the importer says the cell is not one
            return text  # "str" (a formula's text) and "e" (an error such as #N/A)

        return value

    def progress(self) -> float | None:
        """The share of the worksheet's rows read, when the workbook records its size."""
        if not self._total or self._total < 2:
            return None
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        """Close the worksheet and the workbook."""
        self._source.close()
        self._archive.close()


def _unreadable(error: Exception) -> FileError:
    return FileError(f"无法读取 XLSX 文件:{error}", f"cannot read the XLSX file: {error}")


def open_table(path: Path) -> TableReader:
    """A reader for ``path``: XLSX by its extension (or content), CSV otherwise."""
    if not path.is_file():
        raise FileError(f"找不到文件 {path}", f"no such file: {path}")
    with path.open("rb") as probe:
        zipped = probe.read(4) == b"PK\x03\x04"
    if path.suffix.lower() in (".xlsx", ".xlsm") or zipped:
        return XlsxReader(path)
    if path.suffix.lower() == ".xls":
        raise FileError(
            "不支持旧版 .xls 文件,请另存为 .xlsx 或 CSV",
            "old .xls files are not supported; save as .xlsx or CSV",
        )
    return CsvReader(path)
