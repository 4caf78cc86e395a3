"""Repositories: typed, scoped, masked, audited access to one entity's table.

Reads return only rows in the actor's scope, with sensitive fields masked
unless asked to ``reveal`` (which needs the permission and is logged).
Writes check the permission, every rule, the references, the scope and the
version, record the audit trail and emit domain events, all inside the unit
of work's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from uuid import UUID

import attrs
from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError

from commons_core.access import mask_value
from commons_core.errors import (
    AccessDenied,
    ConflictError,
    DuplicateError,
    FilterError,
    NotFound,
    Problem,
    ValidationError,
)
from commons_core.model import DomainEvent, Sensitivity, sensitive_fields
from commons_core.model.fields import field_info
from commons_core.services.audit import Where
from commons_core.services.references import check_references
from commons_core.services.sensitive_writes import SensitiveWrites
from commons_core.storage.bulk import insert_rows
from commons_core.storage.integrity import duplicate_error
from commons_core.storage.schema import Entity

if TYPE_CHECKING:
    from commons_core.services.unit_of_work import UnitOfWork

__all__ = ["Repository"]

T = TypeVar("T")

BATCH_SIZE = 2000
"""Rows per INSERT, audit flush and event batch in :meth:`Repository.add_many`."""


@attrs.frozen
class _Change(Generic[T]):
    """One record of an update batch that has changes."""

    obj: T
    current: T
    after: T
    changes: dict[str, tuple[Any, Any]]


class Repository(Generic[T]):
    """Access to the records of one entity inside a unit of work.

    Get one with ``uow.repo(Model)``; the core's common ones are also
    properties (``uow.residents``, ``uow.households``).
    """

    def __init__(self, uow: UnitOfWork, entity: Entity) -> None:
        self.uow = uow
        self.entity = entity
        self.model: type[T] = entity.model
        self.table = entity.table
        self.name = entity.name
        self._fields = tuple(f.name for f in attrs.fields(entity.model))
        self._columns = [self.table.c[name] for name in self._fields]
        self._sensitive = sensitive_fields(entity.model)
        self._key_columns = [c.name for c in self.table.primary_key.columns]
        self._place = (entity.zone_column, entity.household_column, entity.resident_column)
        self._audit_hooks: dict[type, Callable[[Any], Any]] = {}
        self._audit_created = _audit_changes_function(entity.model, "[None, {}]")
        self._audit_deleted = _audit_changes_function(entity.model, "[{}, None]")

    # -- reading ------------------------------------------------------------

    def select(self) -> Select[Any]:
        """A SELECT of this entity's columns limited to the actor's scope; add to it freely."""
        query = select(*self._columns)
        condition = self.uow.scope_condition(self.entity)
        return query if condition is None else query.where(condition)

    def get(self, id: UUID, *, reveal: bool = False) -> T:
        """The record with this id; :class:`NotFound` if absent or out of scope (alike)."""
        self._require("read", id)
        row = self.uow.connection.execute(self.select().where(self.table.c.id == id)).first()
        if row is None:
            raise NotFound(self.name, id)
        return self._present([self._load(row)], reveal)[0]

    def find(
        self,
        *criteria: ColumnElement[bool],
        order_by: Sequence[Any] = (),
        limit: int | None = None,
        offset: int | None = None,
        reveal: bool = False,
    ) -> list[T]:
        """Records matching ``criteria`` (SQLAlchemy expressions on :attr:`table`)."""
        return list(
            self.iterate(*criteria, order_by=order_by, limit=limit, offset=offset, reveal=reveal)
        )

    def iterate(
        self,
        *criteria: ColumnElement[bool],
        order_by: Sequence[Any] = (),
        limit: int | None = None,
        offset: int | None = None,
        reveal: bool = False,
        batch_size: int = 1000,
    ) -> Iterator[T]:
        """Stream records matching ``criteria``, ``batch_size`` rows at a time."""
        self._require("list")
        self._check_expressions(criteria, order_by)
        return self._stream(criteria, order_by, limit, offset, reveal, batch_size)

    def _stream(
        self,
        criteria: Sequence[ColumnElement[bool]],
        order_by: Sequence[Any],
        limit: int | None,
        offset: int | None,
        reveal: bool,
        batch_size: int,
    ) -> Iterator[T]:
        self._check_filters([*criteria, *order_by])
        query = self.select().where(*criteria)
        query = query.order_by(*order_by) if order_by else query.order_by(*self._key_order())
        if limit is not None:
            query = query.limit(limit)
        if offset is not None:
            query = query.offset(offset)
        result = self.uow.connection.execute(query.execution_options(yield_per=batch_size))
        for rows in result.partitions():
            yield from self._present([self._load(r) for r in rows], reveal)

    def export(
        self,
        *criteria: ColumnElement[bool],
        order_by: Sequence[Any] = (),
        reveal: bool = False,
        batch_size: int = 1000,
    ) -> Iterator[T]:
        """Stream records for an export (needs ``<entity>:export``).

        The export itself is recorded in the audit trail (who, what, whether
        revealed); with ``reveal`` every sensitive field must be revealable,
        and each record revealed is logged as for :meth:`get`.
        """
        self._require("export")
        self._check_expressions(criteria, order_by)
        communities = self.uow.community_ids
        for community in sorted(communities) if communities is not None else [None]:
            self.uow.audit.record(
                community,
                "export",
                self.name,
                "*",
                {"reveal": reveal, "criteria": [str(c) for c in criteria]},
            )
        return self._stream(criteria, order_by, None, None, reveal, batch_size)

    def count(self, *criteria: ColumnElement[bool]) -> int:
        """How many records in scope match ``criteria``."""
        self._require("list")
        self._check_expressions(criteria, ())
        self._check_filters(criteria)
        query = select(func.count()).select_from(self.select().where(*criteria).subquery())
        return int(self.uow.connection.execute(query).scalar_one())

    # -- writing ------------------------------------------------------------

    def add(self, obj: T) -> T:
        """Validate and store a new record; returns it as stored (normalised).

        What it returns is presented as a read without ``reveal`` presents it:
        sensitive fields masked, so a write never shows more than a read.
        Setting a sensitive field needs ``reveal:<kind>`` or ``set:<kind>``
        (:class:`AccessDenied` naming the field otherwise). A value a unique
        constraint forbids is :class:`DuplicateError`, alike whether the
        record holding it is in the actor's scope or not.
        """
        self._require_write("create")
        ready = self._prepare_new(obj, "")
        self._insert_batch([ready])
        return self._present([ready], False)[0]

    def add_many(self, objs: Iterable[T], *, batch_size: int = BATCH_SIZE) -> list[T]:
        """Validate and store many records, in batches.

        All problems of all records are collected before anything is
        written: a :class:`ValidationError` lists them with paths ``[i].field``.
        Audit entries are written and domain events delivered once per batch.
        Records are returned masked and checked as by :meth:`add`.
        """
        self._require_write("create")
        prepared: list[T] = []
        problems: list[Problem] = []
        for i, obj in enumerate(objs):
            try:
                prepared.append(self._prepare_new(obj, f"[{i}]"))
            except ValidationError as error:
                problems.extend(error.problems)
        if problems:
            raise ValidationError(problems)
        for start in range(0, len(prepared), batch_size):
            self._insert_batch(prepared[start : start + batch_size])
        return self._present(prepared, False)

    def _prepare_new(self, obj: T, path: str) -> T:
        if not isinstance(obj, self.model):
            raise TypeError(f"expected {self.model.__name__}, got {type(obj).__name__}")
        ready, problems = self.uow.commons.codec.rules.prepare(obj, self.uow.rule_context)
        if problems:
            raise ValidationError(p.under(path) for p in problems)
        if getattr(ready, "version", 0) != 0:
            ready = attrs.evolve(ready, version=0)  # type: ignore[misc]
        self._sensitive_writes.check_new(ready)
        return ready

    def _insert_batch(self, batch: list[T]) -> None:
        self._check_scope_before(batch)
        self._check_references(batch)
        with self._writing("create"):
            insert_rows(self.uow.connection, self.table, [self._dump(obj) for obj in batch])
        self.uow.note_inserted(self.table, map(self._key_tuple, batch))
        self._check_visible(batch, "create")
        at = datetime.now(UTC)
        for obj in batch:
            self.uow.audit.record(
                self._community_of(obj),
                "create",
                self.name,
                self._key(obj),
                self._audit_created(obj, self._unstructure),
                at,
                self.where(obj),
            )
        self.uow.emit(*self._events_added(batch))
        self.uow.flush()

    def update(self, obj: T) -> T:
        """Store a changed record (made with :func:`attrs.evolve` from one read earlier).

        Fails with :class:`ConflictError` when the record changed since it
        was read. Masked values that were not changed keep their stored value;
        changing a sensitive field needs ``reveal:<kind>`` or ``set:<kind>``,
        without which the field must be sent as read (masked): any other
        value, even the stored one, is :class:`AccessDenied`.
        Returns the record as stored, with its new version, masked as a read
        without ``reveal`` (even when nothing changed).
        """
        self._writable("update")
        return self._present(self._update_batch([obj], single=True), False)[0]

    def update_many(self, objs: Iterable[T], *, batch_size: int = BATCH_SIZE) -> list[T]:
        """Store many changed records with the care of :meth:`update`, in batches.

        Per batch: one query reads the stored records, every problem of every
        record is collected (paths ``[i].field``) before anything is written,
        and one ``executemany`` per set of changed columns writes them, each
        guarded by its version (:class:`ConflictError` if any is stale).
        Records without changes are left alone: returned as stored, with no
        audit entry. Audit entries and events are per changed record. Records
        are returned masked, as by :meth:`update`.
        """
        self._writable("update")
        items = list(objs)
        stored: list[T] = []
        for start in range(0, len(items), batch_size):
            stored.extend(self._update_batch(items[start : start + batch_size], offset=start))
        return self._present(stored, False)

    def _update_batch(self, objs: Sequence[T], *, single: bool = False, offset: int = 0) -> list[T]:
        currents = self._currents(objs)
        rules = self.uow.commons.codec.rules
        prepared: list[tuple[T, T]] = []
        problems: list[Problem] = []
        for i, obj in enumerate(objs):
            current = currents[self._key_tuple(obj)]
            # Checked first, so the answer depends on nothing the actor cannot see.
            self._sensitive_writes.check_update(obj, current)
            unmasked = self._unmask(obj, current)
            ready, found = rules.prepare(unmasked, self.uow.rule_context)
            path = "" if single else f"[{offset + i}]"
            problems.extend(p.under(path) for p in self._shown(found, obj, unmasked))
            prepared.append((ready, current))
        if problems:
            raise ValidationError(problems)
        result: list[T] = []
        groups: dict[tuple[str, ...], list[_Change[T]]] = {}
        for obj, current in prepared:
            expected = getattr(obj, "version", 0)
            if getattr(current, "version", 0) != expected:
                raise ConflictError(self.name, self._key(obj), expected)
            changes = {
                name: (getattr(current, name), getattr(obj, name))
                for name in self._fields
                if name != "version" and getattr(current, name) != getattr(obj, name)
            }
            if not changes:
                result.append(current)
                continue
            for name in ("id", "community_id"):
                if name in changes:
                    raise ValidationError.single(
                        name, getattr(obj, name), "immutable", "不能修改", "cannot be changed"
                    )
            after: T = attrs.evolve(obj, version=expected + 1)  # type: ignore[misc]
            groups.setdefault(tuple(changes), []).append(_Change(obj, current, after, changes))
            result.append(after)
        changed = [item for group in groups.values() for item in group]
        if not changed:
            return result
        self._check_scope_before([c.obj for c in changed])
        self._check_references(
            [c.obj for c in changed], changed=set().union(*(c.changes for c in changed))
        )
        for names, group in groups.items():
            self._write_updates(names, group)
        self._check_visible([c.after for c in changed], "update")
        for change in changed:
            self.uow.audit.record(
                self._community_of(change.obj),
                "update",
                self.name,
                self._key(change.obj),
                self._audit_changes(change.changes),
                where=self.where(change.after),
            )
            self.uow.emit(*self._events_updated(change.current, change.after))
        return result

    def _write_updates(self, names: tuple[str, ...], group: list[_Change[T]]) -> None:
        """One UPDATE per record of ``group``, all changing the columns ``names``."""
        statement = (
            update(self.table)
            .where(
                *(self.table.c[c] == bindparam(f"k_{c}") for c in self._key_columns),
                self.table.c.version == bindparam("k_version"),
            )
            .values(
                {name: bindparam(f"v_{name}") for name in names}
                | {"version": bindparam("v_version")}
            )
        )
        params = []
        for change in group:
            expected = getattr(change.obj, "version", 0)
            row = {f"k_{c}": getattr(change.obj, c) for c in self._key_columns}
            row |= {f"v_{name}": new for name, (_old, new) in change.changes.items()}
            row |= {"k_version": expected, "v_version": expected + 1}
            params.append(row)
        result = self._write("update", statement, params)
        if result.rowcount != len(params):
            first = group[0].obj
            raise ConflictError(self.name, self._key(first), getattr(first, "version", 0))

    def delete(self, obj: T) -> None:
        """Delete a record; fails with :class:`ConflictError` if it changed since read."""
        self._writable("delete")
        current = self._current(obj)
        expected = getattr(obj, "version", 0)
        condition = self._key_condition(obj)
        if "version" in self._fields:
            condition = and_(condition, self.table.c.version == expected)
        result = self._write("delete", delete(self.table).where(condition))
        if result.rowcount != 1:
            raise ConflictError(self.name, self._key(obj), expected)
        self.uow.note_deleted(self.table, self._key_tuple(obj))
        self.uow.audit.record(
            self._community_of(obj),
            "delete",
            self.name,
            self._key(obj),
            self._audit_deleted(current, self._unstructure),
            where=self.where(current),
        )
        self.uow.emit(*self._events_deleted(current))

    # -- hooks for subclasses -------------------------------------------------

    def _events_added(self, objs: Sequence[T]) -> list[DomainEvent]:
        return []

    def _events_updated(self, before: T, after: T) -> list[DomainEvent]:
        return []

    def _events_deleted(self, before: T) -> list[DomainEvent]:
        return []

    # -- internals ------------------------------------------------------------

    def _require(self, action: str, record: object = None) -> None:
        record_text = f"{self.name} {record}" if record is not None else self.name
        self.uow.require(f"{self.name}:{action}", record_text)

    def _require_write(self, action: str) -> None:
        self.uow.check_writable(f"{action} {self.name}")
        self._require(action)

    def _writable(self, action: str) -> None:
        self.uow.check_writable(f"{action} {self.name}")
        if self.entity.append_only:
            raise AccessDenied(
                self.uow.actor.username, f"{self.name}:{action}", f"{self.name} (append-only)"
            )
        self._require(action)

    def _write(self, action: str, statement: Any, rows: Any = None) -> Any:
        """Execute a write; the database refusing it (row-level security) is AccessDenied."""
        with self._writing(action):
            return self.uow.connection.execute(statement, rows)

    @contextmanager
    def _writing(self, action: str) -> Iterator[None]:
        """The database refusing a write in this block: row-level security is AccessDenied,
        a unique constraint :class:`DuplicateError` naming the fields (never their values)."""
        try:
            yield
        except DuplicateError as error:
            # Raised by the bulk insert, which knows the table only: named as the entity.
            self.uow.note_refusal(self.name, error.fields)
            raise DuplicateError(self.name, error.fields, self._labels) from None
        except DBAPIError as error:
            duplicate = duplicate_error(error, self.table, self.name, self._labels)
            if duplicate is not None:
                self.uow.note_refusal(self.name, duplicate.fields)
                raise duplicate from None
            if getattr(error.orig, "sqlstate", None) == "42501":
                raise AccessDenied(
                    self.uow.actor.username,
                    f"{self.name}:{action}",
                    f"{self.name} outside the actor's scope",
                ) from None
            raise

    @cached_property
    def _labels(self) -> dict[str, tuple[str, str]]:
        """The entity's and its fields' labels ``(zh, en)`` by name, for error messages."""
        label = self.entity.label
        labels = {self.name: (label.zh, label.en)}
        for field in attrs.fields(self.entity.model):
            info = field_info(field).label
            labels[field.name] = (info.zh, info.en)
        return labels

    @cached_property
    def _sensitive_writes(self) -> SensitiveWrites:
        """What the actor may not write here (the actor is fixed for the unit of work)."""
        return SensitiveWrites(self.uow.actor.username, self.name, self._sensitive, self.uow.can)

    def _load(self, row: Any) -> T:
        return self.model(**dict(zip(self._fields, row, strict=True)))

    def _dump(self, obj: T) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def _key(self, obj: T) -> object:
        return getattr(obj, "id", None) or "/".join(str(getattr(obj, c)) for c in self._key_columns)

    def _key_condition(self, obj: T) -> ColumnElement[bool]:
        return and_(*(self.table.c[c] == getattr(obj, c) for c in self._key_columns))

    def _key_order(self) -> list[Any]:
        return [self.table.c[c] for c in self._key_columns]

    def where(self, obj: T) -> Where:
        """Where ``obj`` lies (grid zone, household, resident), so that the audit trail
        is scoped like the rows it describes; plugins' services recording entries of
        their own pass it to ``uow.audit.record``."""
        zone, household, resident = (
            None if column is None else getattr(obj, column) for column in self._place
        )
        return Where(zone, household, resident)

    def _community_of(self, obj: T) -> UUID | None:
        # T is any model: read the fields by name.
        field = "community_id" if "community_id" in self._fields else None
        if field is None and self.name == "community":
            field = "id"
        return None if field is None else cast(UUID, getattr(obj, field))

    def _current(self, obj: T) -> T:
        return self._currents([obj])[self._key_tuple(obj)]

    def _key_tuple(self, obj: T) -> tuple[Any, ...]:
        return tuple(getattr(obj, c) for c in self._key_columns)

    def _currents(self, objs: Sequence[T]) -> dict[tuple[Any, ...], T]:
        """The stored records of ``objs`` by key, locked on PostgreSQL (NotFound if one is gone)."""
        columns = [self.table.c[c] for c in self._key_columns]
        keys = [self._key_tuple(obj) for obj in objs]
        found: dict[tuple[Any, ...], T] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            condition = (
                self._key_condition(objs[start]) if len(chunk) == 1 else tuple_(*columns).in_(chunk)
            )
            query = self.select().where(condition)
            if self.uow.connection.dialect.name == "postgresql":
                query = query.with_for_update()
            for row in self.uow.connection.execute(query):
                obj = self._load(row)
                found[self._key_tuple(obj)] = obj
        for obj, key in zip(objs, keys, strict=True):
            if key not in found:
                raise NotFound(self.name, self._key(obj))
        return found

    def _present(self, objs: list[T], reveal: bool) -> list[T]:
        if not self._sensitive or not objs:
            return objs
        if reveal:
            for kind in sorted(set(self._sensitive.values())):
                self.uow.require(kind.permission, self.name)
            self.uow.log_reveal(self, objs)
            return objs
        # Masked for everyone unless asked: even actors who may reveal see a
        # value in clear only by a deliberate, logged act.
        return [
            attrs.evolve(  # type: ignore[misc]
                o, **{n: mask_value(getattr(o, n), k) for n, k in self._sensitive.items()}
            )
            for o in objs
        ]

    def _shown(self, problems: Sequence[Problem], sent: T, checked: T) -> list[Problem]:
        """``problems`` as the actor may see them: a rule checked a stored value the actor
        sent back masked (``checked`` has it restored, ``sent`` masked), so its value is
        masked and its message says no more than the rule's code."""
        shown = []
        for problem in problems:
            name = problem.path
            kind = self._sensitive.get(name)
            restored = kind is not None and getattr(sent, name) != getattr(checked, name)
            if kind is None or not restored or self.uow.can(kind.permission):
                shown.append(problem)
                continue
            zh, en = self._labels[name]
            shown.append(
                attrs.evolve(
                    problem,
                    value=mask_value(problem.value, kind),
                    zh=f"已存的{zh}与所填内容不符(规则 {problem.code})",
                    en=f"the stored {en} disagrees with the input (rule {problem.code})",
                )
            )
        return shown

    def _unmask(self, obj: T, current: T) -> T:
        keep: dict[str, Any] = {}
        for name, kind in self._sensitive.items():
            stored = getattr(current, name)
            given = getattr(obj, name)
            if (
                stored is not None
                and given != stored
                and (
                    given == mask_value(stored, kind)
                    or (given is None and not isinstance(stored, str))
                )
            ):
                keep[name] = stored
        return attrs.evolve(obj, **keep) if keep else obj  # type: ignore[misc]

    def _unstructure(self, value: Any) -> Any:
        # The converter's own hook for the value's class, looked up once (bulk writes).
        hook = self._audit_hooks.get(type(value))
        if hook is None:
            converter = self.uow.commons.codec.converter
            hook = self._audit_hooks[type(value)] = converter.get_unstructure_hook(type(value))
        return hook(value)

    def _audit_changes(self, changes: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
        codec = self.uow.commons.codec
        result = {}
        for name, (old, new) in changes.items():
            kind = self._sensitive.get(name)
            result[name] = [_audit_form(codec.unstructure, v, kind) for v in (old, new)]
        return result

    def _check_expressions(self, criteria: Sequence[Any], order_by: Sequence[Any]) -> None:
        """Every criterion must be an SQL expression and every ordering one or a column's
        name: ``Resident.name == "x"`` (the attrs class) is Python's ``False``, which as a
        filter would quietly match nothing (:class:`FilterError`)."""
        for where, items, names in (("criterion", criteria, False), ("order_by", order_by, True)):
            for index, item in enumerate(items, 1):
                if isinstance(item, ClauseElement) or hasattr(item, "__clause_element__"):
                    continue
                if names and isinstance(item, str):
                    continue
                raise FilterError(where, index, item, self._example(item, where))

    def _example(self, item: object, where: str) -> str:
        """What to write instead of ``item``: the table's column of the field it names."""
        field = getattr(item, "__name__", None)
        if field not in self._fields:
            field = "name" if "name" in self._fields else self._fields[-1]
        model = self.model.__name__
        column = f"uow.repo({model}).table.c.{field}"
        return column if where == "order_by" else f"{column} == …"

    def _check_filters(self, expressions: Iterable[Any]) -> None:
        """Criteria and ordering may not use sensitive data the actor may not reveal: any
        entity's, in any shape (see :mod:`commons_core.services.query_guard`)."""
        uow = self.uow
        uow.commons.query_guard.check_criteria(
            expressions, lambda kind: uow.can(kind.permission), uow.actor.username
        )

    def _check_scope_before(self, objs: Sequence[T]) -> None:
        allowed = self.uow.community_ids
        if allowed is None:
            return
        for obj in objs:
            community = self._community_of(obj)
            if community is not None and community not in allowed:
                raise AccessDenied(
                    self.uow.actor.username,
                    f"{self.name}:write",
                    f"{self.name} {self._key(obj)} in community {community}",
                )

    def _check_visible(self, objs: Sequence[T], action: str) -> None:
        """After writing, the rows must still be in scope (a zone worker cannot move a
        household out of their zone, nor create one elsewhere)."""
        condition = self.uow.scope_condition(self.entity)
        if condition is None or not self._key_columns:
            return
        keys = [tuple(getattr(o, c) for c in self._key_columns) for o in objs]
        columns = [self.table.c[c] for c in self._key_columns]
        query = (
            select(func.count())
            .select_from(self.table)
            .where(condition, tuple_(*columns).in_(keys))
        )
        if int(self.uow.connection.execute(query).scalar_one()) != len(keys):
            raise AccessDenied(
                self.uow.actor.username,
                f"{self.name}:{action}",
                f"{self.name} outside the actor's scope",
            )

    def _check_references(self, objs: Sequence[T], changed: set[str] | None = None) -> None:
        """Every link must point at a record of the same community the actor may see
        (:func:`~commons_core.services.references.check_references`)."""
        check_references(self.uow, self.table, objs, self._fields, changed)


_PLAIN = frozenset({str, int, bool, float})
"""Types whose values are already JSON-ready (exact types: not enums, which are str)."""


@cache
def _audit_changes_function(
    model: type, pair: str
) -> Callable[[Any, Callable[[Any], Any]], dict[str, Any]]:
    """One function per model giving the audit changes of a record created or deleted whole.

    Generated as attrs generates its methods: bulk writes audit every
    record, and a loop over the fields asking of each whether it is
    sensitive cost as much as writing the row. Each field that is not None
    (nor the version) becomes ``pair`` (``"[None, {}]"``: created, ``"[{},
    None]"``: deleted) around its audit value: sensitive ones masked
    (non-text ones as ``***``), plain ones as they are (what unstructuring
    gives anyway), others through ``unstructure``.
    """
    sensitive = sensitive_fields(model)
    scope: dict[str, Any] = {"mask": mask_value, "PLAIN": _PLAIN}
    lines = ["def audit_values(obj, unstructure):", "    values = {}"]
    for field in attrs.fields(model):
        name = field.name
        if name == "version":
            continue
        kind = sensitive.get(name)
        if kind is None:
            form = "value if value.__class__ in PLAIN else unstructure(value)"
        else:
            scope[f"kind_{name}"] = kind
            form = f"mask(value, kind_{name}) if isinstance(value, str) else '***'"
        lines += [f"    value = obj.{name}", "    if value is not None:"]
        lines.append(f"        values[{name!r}] = {pair.format(form)}")
    lines.append("    return values")
    exec("\n".join(lines), scope)
    function: Callable[[Any, Callable[[Any], Any]], dict[str, Any]] = scope["audit_values"]
    return function


def _audit_form(unstructure: Any, value: Any, kind: Sensitivity | None) -> Any:
    if value is None:
        return None
    if kind is None:
        return unstructure(value)
    return mask_value(value, kind) if isinstance(value, str) else "***"
