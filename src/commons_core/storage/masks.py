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
from commons_core.validation.identity import MASKED_PROVINCES

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
    """:func:`commons_core.validation.mask_id_number`: the province part of 18 characters."""
    length = func.length(value)
    province = _text("left", value, 2)
    return case(
        (
            and_(length == 18, province.in_(sorted(MASKED_PROVINCES))),
            province + literal("*" * 16, Text),
        ),
        else_=_stars(length),
    )


def mask_phone_sql(value: ColumnElement[Any]) -> ColumnElement[str]:
    """:func:`commons_core.validation.mask_phone`: ``138********``, ``010-********``, else all."""
    length = func.length(value)
    hyphen = func.strpos(value, "-")
    area = _text("left", value, hyphen - 1)
    # The shapes of mask_phone, 1[0-9]{10} and 0[0-9]{2,3}- before the rest, without a
    # regular expression (a third of the cost): lengths, first characters, and nothing left
    # once ASCII digits are trimmed.
    mobile = and_(
        length == 11,
        _text("left", value, 1) == "1",
        _text("ltrim", value, "0123456789") == "",
    )
    landline = and_(
        hyphen.in_((4, 5)),
        _text("left", value, 1) == "0",
        _text("ltrim", area, "0123456789") == "",
    )
    return case(
        (mobile, _text("left", value, 3) + literal("*" * 8, Text)),
        (landline, _text("left", value, hyphen) + _stars(length - hyphen)),
        else_=_stars(length),
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
