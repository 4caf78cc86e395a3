"""Reading spreadsheets row by row: CSV in any of the encodings Chinese offices use, and XLSX.

Both readers stream: a CSV file is decoded as it is read, an XLSX worksheet's
XML is parsed as it is decompressed and each row let go once read
(:mod:`commons_core.io.xlsx`), so memory does not grow with the file; and both
read within an import's :class:`~commons_core.io.limits.ImportLimits`, so it
does not grow with what one cell, row or line holds either.
Row numbers are the ones a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from commons_core.errors import CommonsError
from commons_core.io.limits import ImportLimits, Stretches

__all__ = [
    "FileError",
    "TableReader",
    "cell_too_long",
    "detect_encoding",
    "line_too_long",
    "open_table",
    "too_many_columns",
    "too_many_rows",
]

SAMPLE_BYTES = 1 << 16
"""How much of a CSV file, from its first byte that is not ASCII, decides its encoding."""
SCAN_BYTES = 1 << 20
"""How much of a CSV file is looked at at once when looking for its first non-ASCII byte."""

_NOT_ASCII = re.compile(rb"[\x80-\xff]")
_ESCAPED = re.compile("[\udc80-\udcff]")
"""Bytes that are no text, as the ``surrogateescape`` error handler keeps them."""


class FileError(CommonsError):
    """The file cannot be read as a table (format, encoding, missing header, beyond a limit)."""


def cell_too_long(row: int, column: str | None, limit: int) -> FileError:
    """A cell of ``row`` in ``column`` (a name, number or reference; ``None``: not known)
    longer than ``limit`` characters."""
    if column is None:
        return FileError(
            f"第{row}行有单元格超过 {limit} 个字符(单元格上限)",
            f"row {row}: a cell holds more than {limit} characters (the limit of a cell)",
        )
    return FileError(
        f"第{row}行 {column} 列的单元格超过 {limit} 个字符(单元格上限)",
        f"row {row}, column {column}: the cell holds more than {limit} characters"
        " (the limit of a cell)",
    )


def too_many_columns(row: int, limit: int) -> FileError:
    """``row`` has cells beyond the ``limit`` columns allowed."""
    return FileError(
        f"第{row}行的单元格超过 {limit} 列(列数上限)",
        f"row {row} has cells beyond column {limit} (the limit of columns)",
    )


def line_too_long(row: int, limit: int) -> FileError:
    """A CSV line of ``row`` longer than any row within the limits (``limit`` characters)."""
    return FileError(
        f"第{row}行超过 {limit} 个字符,超出列数与单元格长度的上限",
        f"row {row} is longer than {limit} characters, beyond the limits of columns and cells",
    )


def too_many_rows(limit: int) -> FileError:
    """The file has more data rows than ``limit``."""
    return FileError(
        f"文件的数据行超过 {limit} 行(行数上限);请分成几个文件导入",
        f"the file has more than {limit} data rows (the limit of rows); import it in parts",
    )


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
    marked_text: bool = False
    """Whether a cell's leading ``'`` marks it as text (CSV: :mod:`commons_core.io.formulas`)."""

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
    """A CSV file, its encoding and delimiter detected, read within ``limits``; a cell's
    leading ``'`` marks it as text.

    A line longer than :meth:`ImportLimits.line_chars` is refused as its bytes are read
    (never held whole), a row of more cells than the columns allowed or a cell longer
    than allowed as soon as the row is. The ``csv`` module itself refuses cells beyond
    its field limit (131,072 characters), which is raised to ``max_cell_chars`` when that
    is higher (for the whole process: the limit is the module's).
    """

    marked_text = True

    def __init__(self, path: Path, limits: ImportLimits | None = None) -> None:
        self._limits = limits = limits or ImportLimits()
        if limits.max_cell_chars > csv.field_size_limit():
            csv.field_size_limit(limits.max_cell_chars)
        self._path = path
        self._raw: BinaryIO = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self.encoding = _sniff(self._raw)
        self._raw.seek(0)
        # Four bytes a character at the most, in every encoding detected.
        lines = io.BufferedReader(_Lines(self._raw, 4 * limits.line_chars()))
        self._text = io.TextIOWrapper(lines, encoding=self.encoding, newline="")
        self._delimiter = ","
        try:
            first = self._text.readline()
        except UnicodeDecodeError:
            self.close()
            raise self._decode_error() from None
        except _LineTooLong:
            self.close()
            raise line_too_long(1, limits.line_chars()) from None
        self._delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self._reader = csv.reader(self._text, delimiter=self._delimiter)
        try:
            self.headers = next(csv.reader([first], delimiter=self._delimiter), [])
            self._check(1, self.headers)
        except (csv.Error, FileError) as error:
            self.close()
            if isinstance(error, FileError):
                raise
            raise self._csv_error(1, error) from None
        if not any(h.strip() for h in self.headers):
            self.close()
            raise FileError("文件第1行应为表头", "row 1 of the file must be the header row")

    def _check(self, number: int, cells: list[str]) -> None:
        """Refuse a row of more cells than the columns allowed, or a cell too long."""
        limits = self._limits
        if len(cells) > limits.max_columns:
            raise too_many_columns(number, limits.max_columns)
        for index, cell in enumerate(cells):
            if len(cell) > limits.max_cell_chars:
                raise cell_too_long(number, self._column_name(index), limits.max_cell_chars)

    def _column_name(self, index: int) -> str:
        """How an error names a column: its number and header."""
        headers = getattr(self, "headers", [])
        header = headers[index].strip() if index < len(headers) else ""
        return f"{index + 1}「{header}」" if header else str(index + 1)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows; a decoding failure or a limit exceeded names the row."""
        number, counted, most = 1, 0, self._limits.max_rows
        widest, longest = self._limits.max_columns, self._limits.max_cell_chars
        try:
            for cells in self._reader:
                number += 1
                # One sum a row: only a row holding that many characters has a cell to find.
                if len(cells) > widest or sum(map(len, cells)) > longest:
                    self._check(number, cells)
                if any(cells):
                    counted += 1
                    if counted > most:
                        raise too_many_rows(most)
                    yield number, cells
        except UnicodeDecodeError:
            raise self._decode_error() from None
        except _LineTooLong:
            raise line_too_long(number + 1, self._limits.line_chars()) from None
        except csv.Error as error:
            raise self._csv_error(number + 1, error) from None

    def _csv_error(self, row: int, error: csv.Error) -> FileError:
        """The ``csv`` module's refusal of ``row``: its field limit, or a NUL byte."""
        if "field limit" in str(error):
            # The module's limit is at least the import's (raised to it if need be).
            return cell_too_long(row, None, self._limits.max_cell_chars)
        return FileError(f"第{row}行无法按 CSV 读取:{error}", f"row {row} is no CSV: {error}")

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


class _LineTooLong(Exception):
    """A CSV line is longer than any row within the limits."""


class _Lines(io.RawIOBase):
    """A file's bytes, read through: a stretch without a newline longer than ``limit``
    bytes raises :class:`_LineTooLong` before anything holds it."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._stretches = Stretches(b"\n", limit)

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; its stretches without a newline checked."""
        chunk = self._raw.read(len(buffer))
        buffer[: len(chunk)] = chunk
        if self._stretches.too_long(chunk):
            raise _LineTooLong
        return len(chunk)


def open_table(path: Path, limits: ImportLimits | None = None) -> TableReader:
    """A reader for ``path``: XLSX by its extension (or content), CSV otherwise, reading
    within ``limits`` (the defaults of :class:`ImportLimits` if not given)."""
    if not path.is_file():
        raise FileError(f"找不到文件 {path}", f"no such file: {path}")
    with path.open("rb") as probe:
        zipped = probe.read(4) == b"PK\x03\x04"
    if path.suffix.lower() in (".xlsx", ".xlsm") or zipped:
        from commons_core.io.xlsx import XlsxReader

        return XlsxReader(path, limits)
    if path.suffix.lower() == ".xls":
        raise FileError(
            "不支持旧版 .xls 文件,请另存为 .xlsx 或 CSV",
            "old .xls files are not supported; save as .xlsx or CSV",
        )
    return CsvReader(path, limits)
