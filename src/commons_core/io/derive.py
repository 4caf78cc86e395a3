"""Sheets derived from an entity's model, for every entity declared ``importable=True``.

The core's three sheets (:mod:`commons_core.io.layout`) are written by hand;
any other entity, a plugin's included, that its :class:`~commons_core.storage.Entity`
declares ``importable=True`` gets a sheet derived from its model's fields:

* one column per field but ``id``, ``community_id`` and ``version``, headed
  ``中文 / key`` from the field's label;
* a field of an enum (or a set of one) offers the enum's members as choices;
* a sensitive field, and any field of text, is kept as text in the template;
* a field that is not optional and has no default is required.

A field whose values cannot be written in a cell (a tuple, records) is left
out when it has a default, and is a :class:`~commons_core.errors.ConfigurationError`
when it has none. A row finds its stored record on re-import by the table's
first unique constraint that leads with ``community_id`` and whose other
columns cannot be empty (:func:`match_columns`); a table without one matches
a row to the record with every value the row gives equal.

The commands name an entity by its name (``safety_patrol_team``) or its
table's name with ``-`` for ``_`` (``safety-patrol-team``).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, get_args, get_origin
from uuid import UUID

import attrs
from sqlalchemy import UniqueConstraint

from commons_core.errors import ConfigurationError, UsageError
from commons_core.io.layout import KINDS, NO_HINT, Column, Sheet
from commons_core.model import Label, LabeledEnum, field_info, model_label, sensitive_fields
from commons_core.model.fields import optional_of

if TYPE_CHECKING:
    from commons_core.storage import Entity

__all__ = [
    "derived_sheet",
    "importable_entities",
    "match_columns",
    "resolve_sheet",
    "sheet_names",
]

SKIPPED = ("id", "community_id", "version")
"""Fields a sheet never shows: the import sets them."""

_SCALARS: tuple[type, ...] = (str, int, Decimal, bool, date, time, datetime, UUID)
_HINTS: dict[type, tuple[str, Label]] = {
    bool: ("是", Label("是 / 否", "yes / no")),
    date: ("2024-03-01", Label("日期,格式 YYYY-MM-DD", "a date, YYYY-MM-DD")),
    time: ("08:00", Label("时间,格式 HH:MM", "a time, HH:MM")),
    datetime: ("2024-03-01T08:00", Label("日期时间 YYYY-MM-DDTHH:MM", "a date-time (ISO 8601)")),
    int: ("1", Label("整数", "a whole number")),
    Decimal: ("0.00", Label("数字", "a number")),
    UUID: ("", Label("记录编号(UUID)", "the record's id (a UUID)")),
}


def importable_entities(entities: Iterable[Entity]) -> dict[str, Entity]:
    """The entities declared ``importable=True``, by entity name."""
    return {e.name: e for e in entities if e.importable}


def sheet_names(entities: Iterable[Entity]) -> list[str]:
    """Every name ``commons import`` accepts: the core's sheets, then importable entities."""
    return [*KINDS, *sorted(importable_entities(entities))]


def resolve_sheet(kind: str, entities: Iterable[Entity]) -> Sheet:
    """The sheet ``kind`` names: a core sheet, or an importable entity's derived sheet.

    An entity is named by its name or by its table's name with ``-`` for ``_``.
    Raises :class:`~commons_core.errors.UsageError` naming the choices otherwise.
    """
    if kind in KINDS:
        return KINDS[kind]
    found = importable_entities(entities)
    wanted = kind.replace("-", "_")
    for entity in found.values():
        if kind == entity.name or wanted in (entity.name, entity.table.name):
            return derived_sheet(entity)
    choices = ", ".join([*KINDS, *sorted(found)])
    raise UsageError(
        f"无法导入 {kind}:不是可导入的表或实体(可选:{choices})",
        f"cannot import {kind}: not an importable sheet or entity (choose from {choices})",
    )


def derived_sheet(entity: Entity) -> Sheet:
    """The sheet of ``entity``, derived from its model's fields (see the module's notes)."""
    hints = typing.get_type_hints(entity.model)
    sensitive = sensitive_fields(entity.model)
    columns: list[Column] = []
    for field in attrs.fields(entity.model):
        if field.name in SKIPPED:
            continue
        column = _column(entity, field, hints[field.name], field.name in sensitive)
        if column is not None:
            columns.append(column)
    keys = match_columns(entity)
    return Sheet(
        kind=entity.name,
        label=model_label(entity.model),
        columns=tuple(attrs.evolve(c, required=True) if c.key in keys else c for c in columns),
        key_columns=keys,
        sensitive=frozenset(sensitive),
    )


def match_columns(entity: Entity) -> tuple[str, ...]:
    """The columns identifying a row's record: the first unique constraint leading with
    ``community_id`` whose other columns are all non-nullable fields of the sheet; ``()``
    when there is none (a row then matches on every value it gives)."""
    fields = {f.name for f in attrs.fields(entity.model)} - set(SKIPPED)
    for constraint in entity.table.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        names = [c.name for c in constraint.columns]
        rest = names[1:]
        if (
            names[:1] == ["community_id"]
            and rest
            and all(n in fields and not entity.table.c[n].nullable for n in rest)
        ):
            return tuple(rest)
    return ()


def _column(
    entity: Entity, field: attrs.Attribute[Any], hinted: Any, sensitive: bool
) -> Column | None:
    """The column of one field; ``None`` for a field with a default that no cell can hold."""
    optional = optional_of(hinted)
    kind = optional if optional is not None else hinted
    item = get_args(kind)[0] if get_origin(kind) in (frozenset, set) else kind
    has_default = field.default is not attrs.NOTHING
    if not (isinstance(item, type) and (issubclass(item, StrEnum) or item in _SCALARS)):
        if has_default:
            return None
        raise ConfigurationError(
            f"实体 {entity.name} 的字段 {field.name} 无法在表格中填写,不能导入",
            f"field {field.name} of entity {entity.name} cannot be given in a spreadsheet cell,"
            " so the entity cannot be importable",
        )
    choices = item if issubclass(item, LabeledEnum) else None
    example, hint = _HINTS.get(item, ("", NO_HINT))
    if choices is not None:
        example = next(iter(choices)).zh
        hint = Label(choices.choices(), choices.choices())
        if kind is not item:
            hint = Label(f"{hint.zh},多个用逗号分隔", f"{hint.en}; several comma-separated")
    return Column(
        key=field.name,
        label=field_info(field).label,
        choices=choices,
        required=optional is None and not has_default,
        text=sensitive or item is str,
        example=example if choices is not None or not sensitive else "",
        hint=hint,
    )
