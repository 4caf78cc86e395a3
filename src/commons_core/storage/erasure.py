"""What happens to a record that refers to a resident when the resident is anonymised.

Every :class:`~commons_core.storage.Entity` whose table refers to a resident
declares one :class:`Erasure` (``Entity(..., erasure=Erasure.delete())``); the
core performs it for core and plugin entities alike
(:mod:`commons_core.services.erasure`), through the repositories, so access
rules, the audit trail and events behave as for any other write.

``Erasure.delete()``
    The records go.
``Erasure.anonymise("name", ...)``
    The named fields are overwritten: an optional field (nullable column) becomes
    ``None``; a required text field (``String``/``Text`` column) becomes
    :data:`ANONYMOUS` (已匿名). A required field of any other type (a date, a
    number, an enum) cannot be anonymised and is refused when the entity is
    declared: delete the record, or make the field optional.
``Erasure.keep("为何保留", "why kept")``
    The records stay as they are, for the reason given (in both languages).

Which columns link a record to the resident: by default every column of the
table's foreign keys to ``resident`` (``community_id`` aside). ``links=``
names them instead, and may name a column whose foreign key points at another
entity's table: a record then refers to the resident when the record it points
at does (a patrol member linked to a party member who is the resident).

This module declares; it performs nothing (storage must not import services).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs
from sqlalchemy import String, Table

from commons_core.errors import ConfigurationError
from commons_core.model import Label

__all__ = ["ANONYMOUS", "Erasure", "ErasureAction", "link_targets", "resident_links"]

ANONYMOUS = "已匿名"
"""What a required text field of an anonymised record reads."""

RESIDENT = "resident"

ErasureAction = Literal["delete", "anonymise", "keep"]


def link_targets(table: Table) -> dict[str, str]:
    """Each column of ``table``'s foreign keys (``community_id`` aside) → the table it refers to."""
    targets: dict[str, str] = {}
    for fk in table.foreign_key_constraints:
        for element in fk.elements:
            if element.parent.name != "community_id":
                targets[element.parent.name] = element.target_fullname.split(".")[0]
    return targets


def resident_links(table: Table) -> list[str]:
    """The columns of ``table`` with a foreign key to ``resident``."""
    return [column for column, target in link_targets(table).items() if target == RESIDENT]


@attrs.frozen
class Erasure:
    """What an entity's records referring to a resident become when the resident is anonymised.

    Build one with :meth:`delete`, :meth:`anonymise` or :meth:`keep`.

    :param action: ``"delete"``, ``"anonymise"`` or ``"keep"``.
    :param fields: the fields :meth:`anonymise` overwrites.
    :param reason: why :meth:`keep` keeps the records.
    :param links: the columns linking a record to the resident (``()``: the table's
        foreign keys to ``resident``).
    """

    action: ErasureAction
    fields: tuple[str, ...] = ()
    reason: Label | None = None
    links: tuple[str, ...] = ()

    @classmethod
    def delete(cls, *, links: Sequence[str] = ()) -> Erasure:
        """Delete the records that refer to the resident."""
        return cls("delete", links=tuple(links))

    @classmethod
    def anonymise(cls, *fields: str, links: Sequence[str] = ()) -> Erasure:
        """Overwrite ``fields`` of the records that refer to the resident (see the module)."""
        if not fields:
            raise ConfigurationError(
                "Erasure.anonymise 需要至少一个字段",
                "Erasure.anonymise needs at least one field to anonymise",
            )
        return cls("anonymise", fields=tuple(fields), links=tuple(links))

    @classmethod
    def keep(cls, zh: str, en: str) -> Erasure:
        """Keep the records as they are, for the reason ``zh`` / ``en``."""
        if not zh.strip() or not en.strip():
            raise ConfigurationError(
                "Erasure.keep 需要中英文两种保留理由",
                "Erasure.keep needs the reason for keeping the records in Chinese and English",
            )
        return cls("keep", reason=Label(zh, en))

    def link_columns(self, table: Table) -> tuple[str, ...]:
        """The columns of ``table`` that link its records to the resident."""
        return self.links or tuple(resident_links(table))

    def values(self, table: Table) -> dict[str, str | None]:
        """The values :meth:`anonymise` writes: field → ``None`` or :data:`ANONYMOUS`."""
        return {f: None if table.c[f].nullable else ANONYMOUS for f in self.fields}

    def check(self, name: str, fields: Sequence[str], table: Table, *, append_only: bool) -> None:
        """Refuse (:class:`ConfigurationError`) a declaration the entity ``name`` cannot honour."""
        if self.action == "keep":
            return
        if append_only:
            raise ConfigurationError(
                f"实体 {name} 只追加,不能在居民匿名化时{_ZH[self.action]};请声明 Erasure.keep",
                f"entity {name} is append-only: its records cannot be {self.action}d when a"
                " resident is anonymised; declare Erasure.keep with the reason",
            )
        targets = link_targets(table)
        links = self.link_columns(table)
        unlinked = [c for c in links if c not in targets]
        if not links or unlinked:
            raise ConfigurationError(
                f"实体 {name} 的删除/匿名声明缺少指向居民的外键列 {unlinked or ''}"
                " (links= 须为有外键的列)",
                f"the erasure of entity {name} names no column linking it to a resident"
                f" {unlinked or ''}: links= must name columns with a foreign key",
            )
        for field in self.fields:
            self._check_field(name, field, fields, table)

    def _check_field(self, name: str, field: str, fields: Sequence[str], table: Table) -> None:
        if field not in fields or field in ("id", "community_id", "version"):
            raise ConfigurationError(
                f"实体 {name} 不能匿名字段 {field}:不是它的可匿名字段",
                f"entity {name} cannot anonymise field {field}: not one of its own data fields",
            )
        column = table.c[field]
        if column.nullable:
            return
        if not isinstance(column.type, String) or (column.type.length or 99) < len(ANONYMOUS):
            raise ConfigurationError(
                f"实体 {name} 的字段 {field} 必填且不是文本,无法匿名;请删除记录或让该字段可为空",
                f"field {field} of entity {name} is required and not text, so it cannot be"
                " anonymised: declare Erasure.delete() or make the field optional",
            )


_ZH = {"delete": "删除", "anonymise": "匿名"}
