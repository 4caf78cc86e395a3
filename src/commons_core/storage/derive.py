"""A record's table derived from its attrs class: the model is written once.

::

    health_file = record_table(
        "elderly_health_file",
        HealthFile,
        UniqueConstraint("community_id", "resident_id"),
    )

Every field but ``id``, ``community_id`` and ``version`` (which
:func:`~commons_core.storage.community_table` adds) becomes a column of the
same name, typed from the field's annotation and metadata
(:func:`commons_core.model.label`):

============================  =================================================
field                          column
============================  =================================================
``str``                        ``String(length)``, or ``Text`` without a length
``int`` / ``bool``             ``Integer`` / ``Boolean``
``date`` / ``time``            ``Date`` / ``Time``
``datetime``                   :class:`AwareDateTime`
``UUID``                       ``Uuid``; ``references="resident"`` adds the
                               foreign key ``(community_id, resident_id)``
                               (:func:`community_fk`)
a :func:`money_field`          :func:`money_column` (``NUMERIC(12, 2)`` and its
                               ``CHECK``)
a ``StrEnum``                  :class:`EnumValue` (``length``, default 32)
``frozenset[StrEnum]``         :class:`EnumSet` (``length``, default 200)
``tuple[str, ...]``            :class:`StringTuple`
``tuple[AttrsClass, ...]``     :class:`AttrsList`
============================  =================================================

``X | None`` makes the column nullable, anything else ``NOT NULL``. Any
other type (a ``Decimal`` that is not money) is given in ``types``
(``types={"glucose": Numeric(4, 1)}``), or the table is refused naming the
field; a whole :class:`~sqlalchemy.Column` given there replaces the derived one
(a column kept as it was first created). The plugin's ``tables.py`` keeps only
what the model cannot say: indexes, unique constraints and checks, passed as
``items``.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, get_args, get_origin
from uuid import UUID

import attrs
from sqlalchemy import Boolean, Column, Date, Integer, String, Table, Text, Time, Uuid
from sqlalchemy.types import TypeEngine

from commons_core.errors import ConfigurationError
from commons_core.model.fields import FieldInfo, field_info, optional_of
from commons_core.storage.money import money_column
from commons_core.storage.schema import (
    AttrsList,
    AwareDateTime,
    EnumSet,
    EnumValue,
    StringTuple,
    community_fk,
    community_table,
)
from commons_core.validation.money import MONEY_KEY, Money

__all__ = ["record_columns", "record_table"]

KEYS = frozenset({"id", "community_id", "version"})
"""The fields :func:`community_table` makes the columns of."""

_PLAIN: dict[Any, type[TypeEngine[Any]]] = {
    bool: Boolean,
    int: Integer,
    date: Date,
    time: Time,
    UUID: Uuid,
}


def record_table(
    name: str,
    model: type,
    *items: Any,
    types: Mapping[str, TypeEngine[Any] | Column[Any]] | None = None,
    version: bool = True,
    **kwargs: Any,
) -> Table:
    """The community-scoped table ``name`` of ``model``'s records (see the module).

    ``items`` are further constraints and indexes; ``version=False`` for an
    append-only record (no ``version`` column); ``kwargs`` go to :class:`~sqlalchemy.Table`.
    Raises :class:`~commons_core.errors.ConfigurationError` naming a field whose
    column cannot be derived.
    """
    has_version = "version" in attrs.fields_dict(model)
    if has_version != version:
        raise ConfigurationError(
            f"{model.__name__} 的 version 字段与 version={version} 不一致",
            f"{model.__name__}: a version field goes with version=True, none with False",
        )
    return community_table(name, *record_columns(model, types), *items, version=version, **kwargs)


def record_columns(
    model: type, types: Mapping[str, TypeEngine[Any] | Column[Any]] | None = None
) -> list[Any]:
    """The columns and foreign keys of ``model``'s fields but its keys, in field order."""
    hints = typing.get_type_hints(model)
    items: list[Any] = []
    links: list[Any] = []
    for field in attrs.fields(model):
        if field.name in KEYS:
            continue
        info = field_info(field)
        declared = hints[field.name]
        inner = optional_of(declared)
        items.append(_column(model, field, info, inner or declared, inner is not None, types))
        if info.references is not None:
            links.append(community_fk(field.name, info.references))
    return [*items, *links]


def _column(
    model: type,
    field: attrs.Attribute[Any],
    info: FieldInfo,
    type_: Any,
    optional: bool,
    types: Mapping[str, TypeEngine[Any] | Column[Any]] | None,
) -> Column[Any]:
    money = field.metadata.get(MONEY_KEY)
    if isinstance(money, Money):
        return money_column(
            field.name, negative=money.negative, positive=money.positive, nullable=optional
        )
    given = (types or {}).get(field.name)
    if isinstance(given, Column):
        return given
    if given is not None:
        return Column(field.name, given, nullable=optional)
    column_type = _type_of(type_, info)
    if column_type is None:
        raise ConfigurationError(
            f"{model.__name__}.{field.name} 的类型 {type_!r} 无法推出列类型:请在 types= 中给出",
            f"{model.__name__}.{field.name}: no column type for {type_!r}; give it in types=",
        )
    return Column(field.name, column_type, nullable=optional)


def _type_of(type_: Any, info: FieldInfo) -> TypeEngine[Any] | None:
    """The column type of a field of ``type_`` (``None``: none can be derived)."""
    if type_ is str:
        return String(info.length) if info.length else Text()
    if type_ is datetime:
        return AwareDateTime()
    if type_ in _PLAIN:
        return _PLAIN[type_]()
    if isinstance(type_, type) and issubclass(type_, StrEnum):
        return EnumValue(type_, info.length or 32)
    origin, args = get_origin(type_), get_args(type_)
    if origin in (frozenset, set) and len(args) == 1 and issubclass(args[0], StrEnum):
        return EnumSet(args[0], info.length or 200)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return StringTuple()
        if attrs.has(args[0]):
            return AttrsList(args[0])
    return None
