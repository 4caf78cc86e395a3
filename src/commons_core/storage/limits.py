"""What the columns can hold, as field rules: text no longer than its column, whole
numbers within their column's range, days within the SDK's calendar
(:mod:`commons_core.validation.dates`).

Derived from every entity's table, so a plugin's models get them too. They
run where every other rule runs — while input is structured, and on objects
built in Python before they are stored — so an over-long name in row 1,043
of an import is that row's problem, on SQLite (which would store it) as on
PostgreSQL (which would refuse the whole statement).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import attrs
from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String

from commons_core.model.fields import optional_of
from commons_core.storage.schema import Entity
from commons_core.validation.dates import out_of_range
from commons_core.validation.rules import FieldRule, RuleViolation

__all__ = ["column_limits"]

_RANGES = ((SmallInteger, 2**15), (BigInteger, 2**63), (Integer, 2**31))
"""Each integer type's bound (``-bound`` to ``bound - 1``), the narrower types first:
they are kinds of ``Integer``."""


def column_limits(entities: Iterable[Entity]) -> Iterator[FieldRule]:
    """A rule for each text field whose column has a length, each whole-number field and
    each date field."""
    for entity in entities:
        hints = typing.get_type_hints(entity.model)
        for field in attrs.fields(entity.model):
            column = entity.table.c.get(field.name)
            if column is None:
                continue
            kind = optional_of(hints[field.name]) or hints[field.name]
            check: Callable[[Any], Any] | None = None
            if kind is str and isinstance(column.type, String) and column.type.length:
                check = _at_most(column.type.length)
            elif kind is int and isinstance(column.type, Integer):
                bound = next(b for t, b in _RANGES if isinstance(column.type, t))
                check = _within(bound)
            elif kind is date and isinstance(column.type, Date):
                check = _in_calendar
            if check is not None:
                yield FieldRule(entity.model, field.name, check)


def _at_most(length: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value.__class__ is str and len(value) > length:
            raise RuleViolation(
                "text.too_long",
                f"最多{length}个字符,实际{len(value)}个",
                f"at most {length} characters, got {len(value)}",
            )
        return value

    return check


def _within(bound: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value.__class__ is int and not -bound <= value < bound:
            raise RuleViolation(
                "number.range",
                f"数值超出范围(应在 {-bound} 到 {bound - 1} 之间)",
                f"out of range (from {-bound} to {bound - 1})",
            )
        return value

    return check


def _in_calendar(value: Any) -> Any:
    if value.__class__ is date:
        violation = out_of_range(value)
        if violation is not None:
            raise violation
    return value
