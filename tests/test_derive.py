"""Tables derived from attrs models (issue 15, item 2): the model is written once.

The plugins' tables are derived this way and their migrations checked against
them for drift (each plugin's conformance suite); here, each rule of the
derivation, and the errors that name what cannot be derived.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest
from sqlalchemy import Column, Index, Numeric, Table, Text
from sqlalchemy.dialects import postgresql

from commons_core.errors import ConfigurationError
from commons_core.model import Label, label, new_id
from commons_core.storage import metadata
from commons_core.storage.derive import record_table
from commons_core.validation import money_field


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


@attrs.frozen(kw_only=True)
class Part:
    text: str = attrs.field(metadata=label("文字", "text"))


@attrs.frozen(kw_only=True)
class Sample:
    LABEL: ClassVar[Label] = Label("样例", "sample")
    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    resident_id: UUID = attrs.field(metadata=label("居民", "resident", references="resident"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))
    count: int = attrs.field(default=0, metadata=label("数量", "count"))
    done: bool = attrs.field(default=False, metadata=label("完成", "done"))
    on: date = attrs.field(metadata=label("日期", "day"))
    starts: time | None = attrs.field(default=None, metadata=label("开始", "starts"))
    at: datetime | None = attrs.field(default=None, metadata=label("时刻", "at"))
    colour: Colour = attrs.field(metadata=label("颜色", "colour", length=10))
    colours: frozenset[Colour] = attrs.field(factory=frozenset, metadata=label("颜色", "colours"))
    tags: tuple[str, ...] = attrs.field(default=(), metadata=label("标签", "tags"))
    parts: tuple[Part, ...] = attrs.field(default=(), metadata=label("部分", "parts"))
    fee: Decimal = money_field("费用", "fee")
    refund: Decimal | None = money_field("退款", "refund", negative=True, default=None)
    weight: Decimal | None = attrs.field(default=None, metadata=label("体重", "weight"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


def _sample(name: str, **kw: Any) -> Table:
    return record_table(name, Sample, types={"weight": Numeric(4, 1)}, **kw)


def _compiled(table: Table) -> dict[str, tuple[str, bool]]:
    dialect = postgresql.dialect()
    return {c.name: (c.type.compile(dialect), c.nullable) for c in table.columns}


def test_every_field_becomes_its_column() -> None:
    table = _sample("derive_every_field", extend_existing=True)
    assert _compiled(table) == {
        "community_id": ("UUID", False),
        "id": ("UUID", False),
        "resident_id": ("UUID", False),
        "name": ("VARCHAR(100)", False),
        "note": ("TEXT", True),
        "count": ("INTEGER", False),
        "done": ("BOOLEAN", False),
        "on": ("DATE", False),
        "starts": ("TIME WITHOUT TIME ZONE", True),
        "at": ("TIMESTAMP WITH TIME ZONE", True),
        "colour": ("VARCHAR(10)", False),
        "colours": ("VARCHAR(200)", False),
        "tags": ("JSON", False),
        "parts": ("JSON", False),
        "fee": ("NUMERIC(12, 2)", False),
        "refund": ("NUMERIC(12, 2)", True),
        "weight": ("NUMERIC(4, 1)", True),
        "version": ("INTEGER", False),
    }
    assert [c.name for c in table.primary_key.columns] == ["community_id", "id"]
    links = {
        (tuple(fk.column_keys), fk.elements[0].target_fullname)
        for fk in table.foreign_key_constraints
    }
    assert links == {
        (("community_id",), "community.id"),
        (("community_id", "resident_id"), "resident.community_id"),
    }
    checks = {str(c.sqltext) for c in table.constraints if hasattr(c, "sqltext")}
    assert checks == {"fee >= 0"}  # the money field's sign; the refund may be negative
    assert table.info["scope"] == "community"


def test_items_and_overrides_are_kept() -> None:
    kept = Column("note", Text, nullable=False)
    table = record_table(
        "derive_overrides",
        Sample,
        Index(None, "community_id", "on"),
        types={"weight": Numeric(4, 1), "note": kept},
    )
    assert table.c.note is kept and table.c.note.nullable is False
    assert [tuple(i.columns.keys()) for i in table.indexes] == [("community_id", "on")]


def test_a_type_that_cannot_be_derived_is_named() -> None:
    with pytest.raises(ConfigurationError) as refused:
        record_table("derive_no_weight", Sample)
    assert "Sample.weight" in refused.value.en and "types=" in refused.value.en
    assert "Sample.weight" in refused.value.zh
    assert "derive_no_weight" not in metadata.tables


def test_version_goes_with_a_version_field() -> None:
    with pytest.raises(ConfigurationError, match="version"):
        _sample("derive_unversioned", version=False)
