"""Reading spreadsheets row by row: CSV in any of the encodings Chinese offices use, and XLSX.

Both readers stream: a CSV file is decoded as it is read, an XLSX workbook is
opened in openpyxl's read-only mode, so memory does not grow with the file.
Row numbers are the ones a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from commons_core.errors import CommonsError

__all__ = ["FileError", "TableReader", "detect_encoding", "open_table"]

SAMPLE_BYTES = 1 << 16
"""How much of a CSV file decides its encoding."""


class FileError(CommonsError):
    """The file cannot be read as a table (format, encoding, missing header)."""


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file that begins with ``sample``.

    A byte-order mark decides (UTF-8 or UTF-16); otherwise text that decodes
    as UTF-8 is UTF-8 (GB18030 Chinese text practically never does), and
    anything else is GB18030, the superset of GBK and GB2312 that Excel and
    WPS write on Chinese Windows.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A sample may end inside a character: that is no evidence against UTF-8.
        if not (error.reason == "unexpected end of data" and error.start >= len(sample) - 3):
            return "gb18030"
    return "utf-8"


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
        self._raw: BinaryIO = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self.encoding = detect_encoding(self._raw.read(SAMPLE_BYTES))
        self._raw.seek(0)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        self._line = 1
        try:
            first = self._text.readline()
        except UnicodeDecodeError:
            self.close()
            raise self._decode_error() from None
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self._reader = csv.reader(self._text, delimiter=delimiter)
        self.headers = next(csv.reader([first], delimiter=delimiter), [])
        if not any(h.strip() for h in self.headers):
            self.close()
            raise FileError("文件第1行应为表头", "row 1 of the file must be the header row")

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows; a decoding failure names the row."""
        number = 1
        try:
            for cells in self._reader:
                number += 1
                self._line = number
                if any(cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise self._decode_error() from None

    def _decode_error(self) -> FileError:
        return FileError(
            f"第{self._line}行附近不是有效的 {self.encoding} 文本,请另存为 UTF-8 CSV",
            f"near row {self._line} the file is not valid {self.encoding} text;"
            " save it as UTF-8 CSV",
        )

    def progress(self) -> float:
        """The share of the file's bytes read so far."""
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        """Close the file."""
        self._raw.close()


_SHEET_DATA = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheetData"
_ROW = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"


def _releasing_rows(iterparse: Callable[..., Any]) -> Callable[..., Any]:
    """``iterparse`` for openpyxl's read-only worksheet parser, dropping each row once read.

    openpyxl clears a ``<row>`` element after reading it but leaves it in
    ``<sheetData>``: about 150 bytes a row that stay until the sheet is
    closed, 150 MB for 10^6 rows. This gives the parser the same elements
    and events, and takes each row out of the sheet when the parser asks for
    the next element.
    """

    def parse(source: Any, events: Any = None, **options: Any) -> Iterator[tuple[str, Any]]:
        if events is not None:  # not how openpyxl calls it: leave such calls alone
            yield from iterparse(source, events, **options)
            return
        sheet_data = None
        for event, element in iterparse(source, ("start", "end"), **options):
            if event == "start":
                if element.tag == _SHEET_DATA:
                    sheet_data = element
                continue
            yield event, element
            if element.tag == _ROW and sheet_data is not None:
                sheet_data.remove(element)

    parse.releases_rows = True  # type: ignore[attr-defined]
    return parse


def _release_read_rows() -> None:
    """Make openpyxl's read-only worksheets drop the rows they have read (once per process)."""
    from openpyxl.worksheet import _reader

    if not getattr(_reader.iterparse, "releases_rows", False):
        _reader.iterparse = _releasing_rows(_reader.iterparse)


class XlsxReader(TableReader):
    """The first worksheet of an XLSX workbook, streamed."""

    def __init__(self, path: Path) -> None:
        from zipfile import BadZipFile

        import openpyxl

        _release_read_rows()
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (BadZipFile, KeyError, OSError, ValueError) as error:
            raise FileError(
                f"无法读取 XLSX 文件:{error}", f"cannot read the XLSX file: {error}"
            ) from None
        sheet = self._book.worksheets[0]
        self._total = sheet.max_row if isinstance(sheet.max_row, int) else None
        self._rows = sheet.iter_rows(values_only=True)
        self._done = 1
        first = next(self._rows, None)
        self.headers = list(first or ())
        if not any(h is not None and str(h).strip() for h in self.headers):
            self.close()
            raise FileError("工作表第1行应为表头", "row 1 of the worksheet must be the header row")

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows, cells as openpyxl reads them (text, numbers, dates)."""
        number = 1
        for cells in self._rows:
            number += 1
            self._done = number
            if any(c is not None and c != "" for c in cells):
                yield number, list(cells)

    def progress(self) -> float | None:
        """The share of the worksheet's rows read, when the workbook records its size."""
        if not self._total or self._total < 2:
            return None
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        """Close the workbook."""
        self._book.close()


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
