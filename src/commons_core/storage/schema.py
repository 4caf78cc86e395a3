"""The shared MetaData, column types, and helpers that keep every table distributable.

Every table is one of three scopes, recorded in ``table.info["scope"]``:

``community``
    Rows belong to one community. ``community_id`` leads the primary key and
    every foreign key to another community-scoped table, so the table can be
    distributed by community with Citus (``create_distributed_table(t,
    'community_id')``) and joins stay on one node. Build these with
    :func:`community_table` and :func:`community_fk`.
``reference``
    Small tables every node needs (street offices, communities, users):
    Citus reference tables, replicated. Build with :func:`reference_table`.
``local``
    Bookkeeping that never leaves the coordinator (the audit chain heads).

A test walks the metadata of core and every installed plugin and fails on a
table that breaks these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_origin

import attrs
import cattrs
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from commons_core.errors import ConfigurationError
from commons_core.model import Label, model_label
from commons_core.storage.erasure import Erasure

__all__ = [
    "AttrsList",
    "AwareDateTime",
    "Entity",
    "EnumSet",
    "EnumValue",
    "MigrationBranch",
    "StringTuple",
    "community_fk",
    "community_table",
    "metadata",
    "reference_table",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The one MetaData of core and plugin tables."""

Scope = Literal["community", "reference", "local"]


class EnumValue(TypeDecorator[StrEnum]):
    """A string enum stored as its value in a VARCHAR of ``length`` (no database enum to
    migrate); every member's value must fit (:class:`ConfigurationError` otherwise)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length
        longest = max((len(m.value) for m in enum), default=0)
        if longest > length:
            raise ConfigurationError(
                f"枚举 {enum.__qualname__} 的值最长需要 {longest} 个字符,列只有 {length} 个",
                f"the values of enum {enum.__qualname__} need up to {longest} characters;"
                f" the column holds {length}",
            )

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)

    def __repr__(self) -> str:
        return f"EnumValue({self.enum.__module__}.{self.enum.__qualname__})"


class EnumSet(TypeDecorator[frozenset[StrEnum]]):
    """A set of string-enum members stored as their sorted values joined by commas."""

    impl = String(200)
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 200) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return ",".join(sorted(self.enum(v).value for v in value or ()))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[StrEnum]:
        return frozenset(self.enum(v) for v in value.split(",") if v) if value else frozenset()

    def __repr__(self) -> str:
        return f"EnumSet({self.enum.__module__}.{self.enum.__qualname__})"


class StringTuple(TypeDecorator[tuple[str, ...]]):
    """A tuple of strings stored as a JSON array."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[str]:
        return list(value or ())

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...]:
        return tuple(value or ())


class AwareDateTime(TypeDecorator[datetime]):
    """A point in time with its zone: stored in UTC, read back as an aware UTC datetime.

    SQLite keeps no zone (SQLAlchemy drops the offset without converting), so
    values are turned into UTC before they are stored and given the UTC zone
    when read; PostgreSQL's ``timestamptz`` reads back in UTC too. A naive
    datetime is refused: its moment would depend on the machine's clock.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"AwareDateTime needs a datetime with a zone, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def _is_set(type_: Any) -> bool:
    return get_origin(type_) in (frozenset, set) or type_ in (frozenset, set)


def _plain_json_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    for type_ in (date, time):
        converter.register_unstructure_hook(type_, type_.isoformat)
        converter.register_structure_hook(type_, lambda v, t: t.fromisoformat(v))
    converter.register_unstructure_hook_func(_is_set, sorted)
    return converter


class AttrsList(TypeDecorator[tuple[Any, ...]]):
    """A tuple of small attrs value objects stored as a JSON array."""

    impl = JSON
    cache_ok = True

    _converter = _plain_json_converter()

    def __init__(self, item_type: type) -> None:
        super().__init__()
        self.item_type = item_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[Any]:
        return [self._converter.unstructure(v, self.item_type) for v in value or ()]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[Any, ...]:
        return tuple(self._converter.structure(item, self.item_type) for item in value or ())

    def __repr__(self) -> str:
        return f"AttrsList({self.item_type.__module__}.{self.item_type.__qualname__})"


def community_table(name: str, *items: Any, **kwargs: Any) -> Table:
    """A community-scoped table: ``community_id`` and ``id`` form its primary key.

    Pass the other columns and constraints as ``items``; add ``version=False``
    for append-only tables, which never change once written.
    """
    versioned = kwargs.pop("version", True)
    columns: list[Any] = [
        Column("community_id", Uuid, primary_key=True),
        Column("id", Uuid, primary_key=True),
    ]
    return Table(
        name,
        metadata,
        *columns,
        *items,
        *([Column("version", Integer, nullable=False, default=0)] if versioned else []),
        ForeignKeyConstraint(["community_id"], ["community.id"]),
        info={"scope": "community"},
        **kwargs,
    )


def reference_table(name: str, *items: Any, **kwargs: Any) -> Table:
    """A small table replicated to every node (Citus reference table)."""
    info = kwargs.pop("info", {})
    return Table(name, metadata, *items, info={"scope": "reference", **info}, **kwargs)


def community_fk(
    columns: str | Sequence[str], target: str, target_columns: Sequence[str] = ("id",)
) -> ForeignKeyConstraint:
    """A foreign key to a community-scoped table, prefixed with ``community_id``.

    ``community_fk("household_id", "household")`` references
    ``household(community_id, id)``.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    return ForeignKeyConstraint(
        ["community_id", *cols],
        [f"{target}.community_id", *(f"{target}.{c}" for c in target_columns)],
    )


def _erasure_fits(entity: Entity, _: object, erasure: Erasure | None) -> None:
    """Refuse an entity's erasure declaration it cannot honour (see :meth:`Erasure.check`)."""
    if erasure is not None:
        fields = [f.name for f in attrs.fields(entity.model)]
        erasure.check(entity.name, fields, entity.table, append_only=entity.append_only)


@attrs.frozen
class Entity:
    """A model class and the table that stores it.

    :param model: the frozen attrs class; its field names are the table's column names.
    :param table: the table.
    :param name: the entity's name in permissions, the audit trail and exports
        (defaults to the table name).
    :param zone_column: column holding the grid zone, for zone-scoped actors.
    :param household_column: column holding the household id (``"id"`` for households).
    :param resident_column: column holding the resident id.
    :param append_only: rows are never updated or deleted (histories, ledgers).
    :param shared: rows are not personal data (groups, buildings, service points …): every
        actor scoped to the community sees them, zone and household actors included.
    :param importable: ``commons import`` and ``commons template`` accept the entity (its
        sheet is derived from its fields; see :mod:`commons_core.io`).
    :param erasure: what becomes of its records that refer to a resident when the resident
        is anonymised (:class:`~commons_core.storage.erasure.Erasure`); required of an entity
        whose table has a foreign key to ``resident`` (the conformance check
        :func:`commons_core.services.erasure.undeclared`).
    """

    model: type
    table: Table
    name: str = attrs.field(default=attrs.Factory(lambda self: self.table.name, takes_self=True))
    zone_column: str | None = None
    household_column: str | None = None
    resident_column: str | None = None
    append_only: bool = False
    shared: bool = False
    importable: bool = False
    erasure: Erasure | None = attrs.field(default=None, validator=_erasure_fits)

    @property
    def label(self) -> Label:
        """The model's bilingual label."""
        return model_label(self.model)

    @property
    def scope(self) -> Scope:
        """The table's scope."""
        scope: Scope = self.table.info.get("scope", "local")
        return scope

    def __attrs_post_init__(self) -> None:
        columns = set(self.table.columns.keys())
        missing = [f.name for f in attrs.fields(self.model) if f.name not in columns]
        if missing:
            raise TypeError(
                f"table {self.table.name} lacks columns for {self.model.__name__} fields {missing}"
            )


@attrs.frozen
class MigrationBranch:
    """An Alembic branch: its label and the folder holding its revision files."""

    label: str
    path: Path


def scope_of(table: Table) -> Scope:
    """The declared scope of ``table``."""
    scope: Scope = table.info.get("scope", "local")
    return scope


def tables_of(entities: Iterable[Entity], extra: Iterable[Table]) -> list[Table]:
    """The distinct tables of ``entities`` and ``extra``, in metadata order."""
    wanted = {e.table.name for e in entities} | {t.name for t in extra}
    return [t for t in metadata.sorted_tables if t.name in wanted]
