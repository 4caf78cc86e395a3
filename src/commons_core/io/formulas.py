"""CSV cells that a spreadsheet would run as formulas, neutralised as OWASP recommends.

A spreadsheet program opening a CSV file takes a cell beginning with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return before one) for a formula:
``=HYPERLINK("http://…", "点击")`` in a resident's name, or a DDE command,
runs on the clerk's computer (CSV injection). Every text cell an export
writes that begins with one of them gets a leading ``'``, the spreadsheet's
own mark of text (OWASP, "CSV Injection"); so does text that begins with
``'`` itself, so that the mark is never ambiguous. The importer drops one
leading ``'`` of a CSV cell (:func:`restore`), and an export imports again
to exactly the text it held, whatever that text is.

Only text is marked: a number of a numeric column (``-5``) is no formula and
stays a number. A phone written ``+86 138…`` is text and is marked, as it
must be: ``+86-10-1234`` typed into a spreadsheet is the sum ``-1158``.
XLSX exports need no mark: their text cells are typed as text (see
:func:`~commons_core.io.output.xlsx_text`), which no spreadsheet runs.

The PostgreSQL server, writing a CSV export itself, marks cells with
:func:`sql_neutralised`, byte for byte as :func:`neutralise` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, case, func, literal

__all__ = [
    "MARK",
    "TRIGGERS",
    "may_hold_formulas",
    "neutralise",
    "neutralised_rows",
    "restore",
    "sql_neutralised",
]

MARK = "'"
"""The spreadsheet's mark of text, put before a cell that would be taken for a formula."""
TRIGGERS = frozenset("=+-@\t\r" + MARK)
"""First characters that get the mark: OWASP's, and the mark itself."""

_CELL_START = re.compile("(?:^|,)\"?[=+\\-@\t\r']", re.MULTILINE)
"""Where a cell of CSV text may begin with a trigger (a line's start or a comma, perhaps a
quote): a chunk of rows without such a place holds no cell to mark."""


def neutralise(text: str) -> str:
    """``text`` as a CSV cell: with :data:`MARK` before it if it begins with a trigger."""
    return MARK + text if text[:1] in TRIGGERS else text


def restore(text: str) -> str:
    """The text a CSV cell holds: without one leading :data:`MARK`."""
    return text[1:] if text[:1] == MARK else text


def may_hold_formulas(csv_text: str) -> bool:
    """Whether some cell of ``csv_text`` may begin with a trigger (quickly, at C speed; a
    comma inside a quoted cell may say yes where no cell does)."""
    return _CELL_START.search(csv_text) is not None


def neutralised_rows(
    rows: Iterable[Sequence[Any]], text_columns: Sequence[int]
) -> list[tuple[Any, ...]]:
    """``rows`` with their text in ``text_columns`` neutralised (other cells as they are)."""
    done = []
    for row in rows:
        cells = list(row)
        for index in text_columns:
            value = cells[index]
            if value.__class__ is str and value[:1] in TRIGGERS:
                cells[index] = MARK + value
        done.append(tuple(cells))
    return done


def sql_neutralised(cell: ColumnElement[Any], *, utf8: bool = True) -> ColumnElement[str]:
    """:func:`neutralise` in SQL (PostgreSQL's): ``NULL`` stays ``NULL``.

    In a UTF-8 database the first character's code (``ascii()``) decides, which costs a
    third of comparing the first character as text; ``ascii()`` refuses a character
    beyond ASCII in other encodings (``utf8=False``), where the text is compared.
    """
    if utf8:
        first: ColumnElement[Any] = func.ascii(cell)
        triggers: list[Any] = sorted(ord(c) for c in TRIGGERS)
    else:
        first = func.left(cell, 1, type_=Text)
        triggers = sorted(TRIGGERS)
    marked: ColumnElement[str] = case((first.in_(triggers), literal(MARK, Text) + cell), else_=cell)
    return marked
