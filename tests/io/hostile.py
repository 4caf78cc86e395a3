"""Hostile spreadsheets built in a test's folder: zip bombs, huge cells, rows and columns.

Parts are written to the archive as streams, so a file holding hundreds of
megabytes once unpacked costs the test no more memory than its chunks.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名 / name</t></is></c></row>'
"""A header row of one column, as openpyxl writes text."""


def base_workbook(folder: Path) -> Path:
    """A workbook of one empty sheet, as openpyxl saves it."""
    from openpyxl import Workbook

    path = folder / "base.xlsx"
    Workbook().save(path)
    return path


def crafted_xlsx(
    folder: Path,
    name: str,
    rows: Callable[[], Iterable[bytes]],
    *,
    shared: Callable[[], Iterable[bytes]] | None = None,
    replace: dict[str, Callable[[], Iterable[bytes]]] | None = None,
) -> Path:
    """A copy of an openpyxl workbook whose sheet's rows are the chunks ``rows()`` gives (and
    a shared-strings table of the ``<si>`` chunks of ``shared()``, and other parts' contents
    ``replace``d), every part packed as tightly as deflate goes."""
    base = base_workbook(folder)
    target = folder / name
    replace = replace or {}
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as copy,
    ):
        for item in source.infolist():
            text = source.read(item).decode()
            if item.filename in replace:
                _stream(copy, item.filename, replace[item.filename]())
            elif item.filename == "xl/worksheets/sheet1.xml":
                head = text.split("<sheetData")[0].replace('<dimension ref="A1"/>', "")
                tail = "</worksheet>"
                _stream(
                    copy,
                    item.filename,
                    _chained(
                        head.encode() + b"<sheetData>", rows(), b"</sheetData>" + tail.encode()
                    ),
                )
            elif item.filename == "[Content_Types].xml" and shared is not None:
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED}"/>'
                copy.writestr(item.filename, text.replace("</Types>", f"{part}</Types>"))
            else:
                copy.writestr(item.filename, text)
        if shared is not None:
            start = f'<sst xmlns="{MAIN}">'.encode()
            _stream(copy, "xl/sharedStrings.xml", _chained(start, shared(), b"</sst>"))
    return target


def _chained(first: bytes, middle: Iterable[bytes], last: bytes) -> Iterator[bytes]:
    yield first
    yield from middle
    yield last


def _stream(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as part:
        for chunk in chunks:
            part.write(chunk)


def repeated(piece: bytes, times: int, per_chunk: int = 1 << 20) -> Iterator[bytes]:
    """``piece`` ``times`` over, in chunks of about ``per_chunk`` bytes."""
    each = max(per_chunk // max(len(piece), 1), 1)
    block = piece * each
    done = 0
    while done + each <= times:
        yield block
        done += each
    if times > done:
        yield piece * (times - done)
