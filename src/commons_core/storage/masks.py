"""The masks of :mod:`commons_core.access`, as PostgreSQL expressions.

A bulk export can have the server mask the rows it sends (and write them as
CSV) instead of masking each value in Python. Each expression here gives,
for any text, exactly what its Python mask gives (``NULL`` for ``NULL``):
``tests/test_masks_sql.py`` checks them against each other on generated
text. A change to a mask is made in both places.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, func, literal, null

from commons_core.access import WITHHELD
from commons_core.model import Sensitivity

__all__ = ["sql_masker"]

SqlMask = Callable[[ColumnElement[Any]], ColumnElement[str]]


def _text(name: str, *args: Any) -> ColumnElement[str]:
    # Typed as text so that ``+`` joins with ``||``.
    made: ColumnElement[str] = getattr(func, name)(*args, type_=Text)
    return made


def _stars(count: ColumnElement[Any]) -> ColumnElement[str]:
    # repeat() of a negative count is '', as "*" * -1 is in Python.
    return _text("repeat", literal("*", Text), count)


def mask_id_number_sql(value: ColumnElement[Any]) -> ColumnElement[str]:
    """:func:`commons_core.validation.mask_id_number`: the first 6 and last 4 characters."""
    length = func.length(value)
    return case(
        (length <= 10, _stars(length)),
        else_=_text("left", value, 6) + _stars(length - 10) + _text("right", value, 4),
    )


def mask_phone_sql(value: ColumnElement[Any]) -> ColumnElement[str]:
    """:func:`commons_core.validation.mask_phone`: ``138****5678``; else area code and last 2."""
    hyphen = func.strpos(value, "-")
    rest = _text("substr", value, hyphen + 1)
    # mask_phone's mobile shape, 1[0-9]{10}, without a regular expression (a third of the
    # cost): 11 characters, all ASCII digits, the first a 1.
    mobile = and_(
        func.length(value) == 11,
        _text("left", value, 1) == "1",
        _text("ltrim", value, "0123456789") == "",
    )
    return case(
        (mobile, _text("left", value, 3) + "****" + _text("right", value, 4)),
        (
            hyphen > 0,
            _text("left", value, hyphen) + _stars(func.length(rest) - 2) + _text("right", rest, 2),
        ),
        else_=_stars(func.length(value) - 2) + _text("right", value, 2),
    )


def withheld_sql(value: ColumnElement[Any]) -> ColumnElement[str]:
    """Any other sensitive value: ``***``."""
    return case((value.is_(None), null()), else_=literal(WITHHELD, Text))


def sql_masker(sensitivity: Sensitivity) -> SqlMask:
    """The expression masking text of ``sensitivity``, as ``text_masker`` masks it in Python."""
    if sensitivity is Sensitivity.IDENTITY:
        return mask_id_number_sql
    if sensitivity is Sensitivity.CONTACT:
        return mask_phone_sql
    return withheld_sql
