"""How much an imported file may hold: a cell, a row's columns, its rows, an XLSX's parts.

A spreadsheet is input from outside like any other, and a small one can ask
for a great deal: a 310 KB workbook holding one 300 MB cell, one of 290 KB
unpacking to 98 MB of 2×10^6 rows, one cell placed in column XFD of each row
(16,384 cells a row to fill in), a CSV cell beyond the ``csv`` module's field
limit. :class:`ImportLimits` bounds each; the readers check them as they read
(:mod:`commons_core.io.readers`), so what a file costs in memory stays within
a few times the largest cell allowed, whatever the file says it holds, and a
file beyond a limit is a :class:`~commons_core.io.readers.FileError` naming
the row, the column and the limit, before any row is imported.
"""

from __future__ import annotations

from typing import IO

import attrs

from commons_core.errors import CommonsError

__all__ = ["EXCEL_MAX_ROWS", "ImportLimits", "LimitGuard", "Stretches"]

EXCEL_MAX_ROWS = 1_048_576
"""The most rows a worksheet holds (Excel, WPS, LibreOffice): a sheet numbering more was
written by no spreadsheet program."""

_MARKUP_SLACK = 64
"""Bytes of markup a text node may share a stretch without ``<`` with (``t="inlineStr">``)."""
_POSITIVE = attrs.validators.gt(0)


@attrs.frozen
class ImportLimits:
    """The limits of one import; each a parameter of ``ImportOptions`` and an option of
    ``commons import`` (``--max-cell-chars`` …).

    :ivar max_cell_chars: characters in one cell; Excel itself holds at most 32,767.
    :ivar max_columns: cells in one row, counted to the last one given (templates have
        about 20; a spreadsheet may have 16,384).
    :ivar max_rows: data rows in the file: twice a district of 10^6 residents.
    :ivar max_xlsx_bytes: what an XLSX workbook unpacks to, all its parts together (a
        worksheet of 10^6 residents is about 650 MB).
    :ivar max_xlsx_ratio: how much more than its packed size any part of an XLSX larger
        than 1 MiB may unpack to; spreadsheets' worksheets pack 5 to 20 times.
    """

    max_cell_chars: int = attrs.field(default=32_767, validator=_POSITIVE)
    max_columns: int = attrs.field(default=256, validator=_POSITIVE)
    max_rows: int = attrs.field(default=2_000_000, validator=_POSITIVE)
    max_xlsx_bytes: int = attrs.field(default=2 << 30, validator=_POSITIVE)
    max_xlsx_ratio: float = attrs.field(default=100.0, validator=attrs.validators.gt(0.0))

    @property
    def max_text_bytes(self) -> int:
        """The longest stretch of an XLSX part's XML without a ``<``: the bytes of the longest
        cell allowed (four a character in UTF-8, ten written as a character reference
        such as ``&#x1F600;``), with its markup."""
        return 10 * self.max_cell_chars + _MARKUP_SLACK

    def line_chars(self) -> int:
        """The longest line of a CSV file: every column's longest cell, quoted, separated."""
        return self.max_columns * (self.max_cell_chars + 3)


class Stretches:
    """The stretches of a stream between two ``separator`` bytes, fed chunk by chunk:
    whether one is longer than ``limit`` bytes. Each chunk is searched at C speed."""

    def __init__(self, separator: bytes, limit: int) -> None:
        self._separator = separator
        self._limit = limit
        self._run = 0

    def too_long(self, chunk: bytes) -> bool:
        """Whether ``chunk`` ends a stretch, or holds or begins one, longer than the limit."""
        separator, limit = self._separator, self._limit
        last = chunk.rfind(separator)
        if last < 0:
            self._run += len(chunk)
            return self._run > limit
        first = chunk.find(separator)
        if self._run + first > limit:
            return True
        self._run = len(chunk) - last - 1
        if self._run > limit:
            return True
        # Only a chunk longer than the limit can hold a whole stretch too long.
        start = first
        while last - start > limit:
            following = chunk.find(separator, start + 1)
            if following - start - 1 > limit:
                return True
            start = following
        return False


class LimitGuard:
    """An XLSX part's stream, read through: a stretch of its XML without ``<`` longer than
    ``limit`` (a text or attribute longer than any cell allowed) raises ``error`` before
    the parser holds it.

    A text cannot hold ``<`` (XML writes it ``&lt;``), so every text and attribute value
    lies within such a stretch.
    """

    def __init__(self, stream: IO[bytes], limit: int, error: CommonsError) -> None:
        self._stream = stream
        self._stretches = Stretches(b"<", limit)
        self._error = error

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the part (at most ``size``)."""
        chunk = self._stream.read(size)
        if self._stretches.too_long(chunk):
            raise self._error
        return chunk
