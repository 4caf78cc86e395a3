"""Importing a derived sheet (:mod:`commons_core.io.derive`): one row per record of one entity.

The loader contract of :mod:`commons_core.io.importer` (``start``, ``load``,
``finish``) for any importable entity: rows are structured by the SDK's codec
(the entity's field rules apply) and written through its repository (access,
references, versions, the audit trail and events), in the importer's batches,
modes and error file.

Re-run safety: with match columns (the table's unique constraint after
``community_id``) a row updates the record with its values there, or adds
one; a row whose values are all stored already changes nothing. Without
them a row is the record whose stored values equal every value the row
gives, or a new record: a re-import of the same file finds every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import ColumnElement, and_, or_, tuple_

from commons_core.io.importer import Masked, SourceRow, _Loader, _Outcome
from commons_core.io.layout import Sheet
from commons_core.model import sensitive_fields

if TYPE_CHECKING:
    from commons_core.io.seen import SeenKeys
    from commons_core.model import Community
    from commons_core.services import Commons, UnitOfWork

__all__ = ["EntityLoader"]

_CHUNK = 200
"""Rows matched per query when a row is matched on every value it gives."""


class EntityLoader(_Loader):
    """Loads the rows of an importable entity's derived sheet (``layout.kind``: its name)."""

    def __init__(
        self, commons: Commons, community: Community, layout: Sheet, present: set[str]
    ) -> None:
        super().__init__(commons, community, layout, present)
        self.entity = commons.entity(layout.kind)
        self.model: type[Any] = self.entity.model
        self.given = [c.key for c in layout.columns if c.key in present]

    def permissions(self) -> list[str]:
        """Adding and updating the entity; revealing a sensitive field the rows are matched on."""
        name = self.entity.name
        sensitive = sensitive_fields(self.model)
        matched = self.layout.key_columns or tuple(self.given)
        reveal = sorted({sensitive[k].permission for k in matched if k in sensitive})
        return [f"{name}:create", f"{name}:update", *reveal]

    def identity(self, obj: Any) -> str:
        """What identifies ``obj`` among the file's rows: its match columns' values."""
        keys = self.layout.key_columns or tuple(self.given)
        return "|".join(f"{k}={_plain(getattr(obj, k))}" for k in keys)

    def load(self, uow: UnitOfWork, batch: list[SourceRow], seen: SeenKeys) -> _Outcome:
        """Check and write one batch: new records added, changed ones updated."""
        extra = {"community_id": self.community.id}
        parsed = [(row, self.structure(row, self.model, self.given, extra)) for row in batch]
        good = [obj for row, obj in parsed if obj is not None and not row.problems]
        stored = self._stored(uow, good)
        seen_keys = seen.rows(self.entity.name, [self.identity(o) for o in good])
        outcome = _Outcome()
        inserts: list[Any] = []
        updates: list[Any] = []
        batch_keys: dict[str, int] = {}
        for row, obj in parsed:
            if obj is None or row.problems:
                outcome.problems[row.number] = row.problems
                continue
            key = self.identity(obj)
            earlier = batch_keys.get(key) or seen_keys.get(key)
            masked = [k for k in self.given if isinstance(row.values.get(k), Masked)]
            current = stored.get(key)
            if earlier is not None:
                column = (self.layout.key_columns or self.given)[0]
                self.problem(
                    row, column, "duplicate", f"与第{earlier}行重复", f"repeats row {earlier}"
                )
            elif masked and (current is None or not self.layout.key_columns):
                for k in masked:
                    self.problem(
                        row,
                        k,
                        "masked",
                        "脱敏值不能用于新记录,也不能用来识别记录;请用 --reveal 导出后再导入",
                        "a masked value cannot be stored, nor identify a record;"
                        " export with --reveal to import again",
                    )
            if row.problems:
                outcome.problems[row.number] = row.problems
                continue
            batch_keys[key] = row.number
            if current is None:
                inserts.append(obj)
            elif self.layout.key_columns:
                changes = {k: getattr(obj, k) for k in self.given}
                changes |= {k: getattr(current, k) for k in masked}
                updates.append(attrs.evolve(current, **changes))
            else:
                outcome.unchanged += 1  # every value the row gives is stored already
        repo = uow.repo(self.model)
        with uow.batch():
            if inserts:
                repo.add_many(inserts)
            written = repo.update_many(updates) if updates else []
        changed = sum(1 for s, u in zip(written, updates, strict=True) if s.version != u.version)
        outcome.inserted = len(inserts)
        outcome.updated = changed
        outcome.unchanged += len(updates) - changed
        seen.add(self.entity.name, batch_keys.items())
        return outcome

    def _stored(self, uow: UnitOfWork, objs: Sequence[Any]) -> dict[str, Any]:
        """The stored records the rows mean, by :meth:`identity`; one query per chunk."""
        if not objs:
            return {}
        table = self.entity.table.c
        repo = uow.repo(self.model)
        in_community = table.community_id == self.community.id
        keys = self.layout.key_columns
        # Stored values as they are, to compare: the permissions to reveal them are required.
        reveal = any(k in self.layout.sensitive for k in keys or self.given)
        if keys:
            values = sorted({tuple(getattr(o, k) for k in keys) for o in objs}, key=str)
            columns = [table[k] for k in keys]
            where: ColumnElement[bool] = (
                columns[0].in_([v[0] for v in values])
                if len(columns) == 1
                else tuple_(*columns).in_(values)
            )
            return {self.identity(r): r for r in repo.find(in_community, where, reveal=reveal)}
        found: dict[str, Any] = {}
        for start in range(0, len(objs), _CHUNK):
            chunk = objs[start : start + _CHUNK]
            rows = [
                and_(
                    *(
                        table[k].is_(None) if getattr(o, k) is None else table[k] == getattr(o, k)
                        for k in self.given
                    )
                )
                for o in chunk
            ]
            for record in repo.find(in_community, or_(*rows), reveal=reveal):
                found.setdefault(self.identity(record), record)
        return found


def _plain(value: Any) -> str:
    """A value as text that is the same for a row's value and the stored one."""
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, frozenset | set):
        return ",".join(sorted(map(str, value)))
    return str(value)
