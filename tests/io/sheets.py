"""Files for import tests: CSV and XLSX sheets written from rows."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_csv(
    path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    """A CSV file of ``headers`` and ``rows``, in ``encoding``."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """A workbook of one sheet: ``headers``, then ``rows`` as openpyxl writes their values."""
    from openpyxl import Workbook

    book = Workbook()
    data = book.active
    assert data is not None
    data.append(list(headers))
    for row in rows:
        data.append(list(row))
    book.save(path)
    return path
