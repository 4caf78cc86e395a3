"""Writing files for people: whole or not at all, and spreadsheet text that stays text.

An export, a template or an error file is written beside its name and put in
place once complete, so a failure leaves neither a partial file nor a spoilt
earlier one; the place is tried before any work starts, so a missing folder
is a clear error, not a failure after a long read (nor an audited export
that never happened).

In a worksheet, openpyxl takes text beginning with ``=`` for a formula, which
a spreadsheet program would run (formula injection) and which reads back
empty; :func:`xlsx_text` keeps such text as text. Control characters
(:data:`~commons_core.validation.text.CONTROL_CHARACTERS`) cannot be kept in a
worksheet at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from commons_core.errors import CommonsError
from commons_core.validation.text import CONTROL_CHARACTERS

__all__ = ["OutputError", "replacing", "worksheet_unsafe", "xlsx_text"]


class OutputError(CommonsError):
    """An output file cannot be written (a missing folder, no permission, text a format cannot
    hold)."""


@contextmanager
def replacing(output: Path) -> Iterator[Path]:
    """A file beside ``output`` to write, created now and put in ``output``'s place once the
    block ends; removed if it raises."""
    partial = output.with_name(f".{output.name}.partial")
    try:
        partial.open("wb").close()
    except OSError as error:
        raise _unwritable(output, error) from None
    try:
        yield partial
        partial.replace(output)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _unwritable(output, error) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _unwritable(output: Path, error: OSError) -> OutputError:
    reason = error.strerror or type(error).__name__
    return OutputError(f"无法写入 {output}:{reason}", f"cannot write {output}: {reason}")


def worksheet_unsafe(value: Any) -> bool:
    """Whether ``value`` is text a worksheet cell cannot take as it is."""
    return isinstance(value, str) and (
        value.startswith("=") or CONTROL_CHARACTERS.search(value) is not None
    )


def xlsx_text(sheet: Any, value: str, replacement: str | None = None) -> Any:
    """A write-only cell of ``sheet`` holding ``value`` as text.

    Control characters a worksheet cannot hold are replaced by ``replacement``;
    without one they raise :class:`ValueError`.
    """
    from openpyxl.cell import WriteOnlyCell

    if CONTROL_CHARACTERS.search(value) is not None:
        if replacement is None:
            raise ValueError(value)
        value = CONTROL_CHARACTERS.sub(replacement, value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
