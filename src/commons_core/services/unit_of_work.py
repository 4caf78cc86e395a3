"""The unit of work every change goes through, opened by :class:`~commons_core.services.Commons`.

::

    commons = open_commons("sqlite:///commons.db")
    with commons.unit_of_work(actor) as uow:
        household = uow.households.get(household_id)
        uow.households.update(attrs.evolve(household, room="301"))

A unit of work is one transaction acting as one actor. On leaving the
``with`` block it delivers pending domain events to plugins, writes the
audit trail, and commits; any exception, in your code or in a plugin's
hook, rolls everything back. Switching actor means a new unit of work.

A unit of work opened with ``readonly=True`` writes nothing:
:class:`~commons_core.errors.ReadOnlyError` refuses its repositories' writes
and its audit entries (so a reveal or an export, which are audited, need a unit
of work that is not read-only), and the database refuses SQL that would write
(PostgreSQL: the transaction is ``READ ONLY``; SQLite: ``PRAGMA query_only``
for the transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload
from uuid import UUID

from sqlalchemy import Connection, Engine, FromClause, Table, event, select, text
from sqlalchemy.engine import ExceptionContext

from commons_core.access import Actor, ScopeKind
from commons_core.errors import ConfigurationError, ReadOnlyError
from commons_core.model import DomainEvent, Sensitivity
from commons_core.services.audit import NOWHERE, AuditBuffer, Where
from commons_core.services.query_guard import INTERNAL
from commons_core.services.repository import Repository
from commons_core.storage.internal import internal
from commons_core.storage.schema import Entity
from commons_core.storage.tables import community
from commons_core.validation import RuleContext

if TYPE_CHECKING:
    from commons_core.services.commons import Commons
    from commons_core.services.people import HouseholdRepository, ResidentRepository

__all__ = ["UnitOfWork"]

T = TypeVar("T")

MAX_EVENT_ROUNDS = 10

READONLY = "commons_readonly"
"""Execution option of a read-only unit of work's connection (its database errors of a
write become :class:`~commons_core.errors.ReadOnlyError`)."""


class UnitOfWork:
    """One transaction acting as one actor. Use :meth:`Commons.unit_of_work` to get one."""

    def __init__(self, commons: Commons, actor: Actor, *, readonly: bool = False) -> None:
        self.commons = commons
        self.actor = actor
        self.readonly = readonly
        self.audit: AuditBuffer = (
            _ReadOnlyAudit(actor.username, commons.chain_key)
            if readonly
            else AuditBuffer(actor.username, commons.chain_key)
        )
        self.rule_context = RuleContext()
        self._connection: Connection | None = None
        self._pending_events: list[DomainEvent] = []
        self._committed_events: list[DomainEvent] = []
        self._keep_events = commons.host.wants_committed_events()
        self._repos: dict[str, Repository[Any]] = {}
        self.community_ids: frozenset[UUID] | None = None
        self._closed = False
        self._batch_depth = 0
        self._inserted: dict[str, set[tuple[Any, ...]]] = {}
        self._refusals: list[tuple[str, tuple[str, ...]]] = []

    # -- lifecycle --------------------------------------------------------------

    def __enter__(self) -> UnitOfWork:
        if self._closed or self._connection is not None:
            raise ConfigurationError(
                "工作单元只能使用一次", "a unit of work can be entered only once"
            )
        connection = self.commons.engine.connect()
        if connection.dialect.name == "sqlite":
            connection = connection.execution_options(
                commons_begin="DEFERRED" if self.readonly else "IMMEDIATE"
            )
        self._connection = connection
        connection.begin()
        try:
            if self.readonly:
                _begin_read_only(connection)
            self._enter_scope(connection)
            self._guard_queries(connection)
        except BaseException:
            self._close(commit=False)
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self._close(commit=False)
            self._record_refusals_apart()
            return
        try:
            self._record_refusals()
            self.flush()
        except BaseException:
            self._close(commit=False)
            raise
        events = self._committed_events
        self._close(commit=True)
        if events:
            self.commons.host.events_committed(self.commons, events)

    # -- refusals that answer about data the actor may not see ------------------------

    def note_refusal(self, entity: str, fields: Sequence[str]) -> None:
        """Remember that the database refused a write of ``entity`` as a duplicate.

        Such an answer tells whether a value exists anywhere, in the actor's scope
        or not (an ID number taken by a resident of another zone): each refusal is
        recorded in the audit trail, whether this unit of work commits or not, so
        that guessing by trying leaves a trace.
        """
        self._refusals.append((entity, tuple(fields)))

    def _record_refusals(self) -> None:
        ids = self.community_ids
        chain = next(iter(ids)) if ids is not None and len(ids) == 1 else None
        for entity, fields in self._refusals:
            self.audit.record(chain, "refused", entity, "*", {"unique": list(fields)})
        self._refusals.clear()

    def _record_refusals_apart(self) -> None:
        """After a rollback, the refusals in a transaction of their own."""
        if not self._refusals or self.readonly:
            return
        try:
            with self.commons.unit_of_work(self.actor) as apart:
                apart._refusals = list(self._refusals)
        except Exception:
            logging.getLogger("commons_core").warning(
                "could not record %d refused write(s) of %s in the audit trail",
                len(self._refusals),
                self.actor.username,
                exc_info=True,
            )

    def _close(self, *, commit: bool) -> None:
        connection = self._connection
        self._connection = None
        self._closed = True
        if connection is None:
            return
        try:
            transaction = connection.get_transaction()
            if transaction is not None:
                if commit:
                    transaction.commit()
                else:
                    transaction.rollback()
        finally:
            try:
                if self.readonly:
                    _end_read_only(connection)
            finally:
                connection.close()

    @property
    def connection(self) -> Connection:
        """The transaction's connection. Prefer repositories and :meth:`scoped`."""
        if self._connection is None:
            raise ConfigurationError(
                "工作单元未打开或已关闭", "the unit of work is not open (use it in a with block)"
            )
        return self._connection

    def _enter_scope(self, connection: Connection) -> None:
        scope = self.actor.scope
        if scope.kind is ScopeKind.ALL:
            self.community_ids = None
        elif scope.kind is ScopeKind.STREET:
            rows = connection.execute(
                select(community.c.id).where(community.c.street_office_id == scope.street_office_id)
            )
            self.community_ids = frozenset(r.id for r in rows)
        else:
            assert scope.community_id is not None  # guaranteed by Scope
            self.community_ids = frozenset({scope.community_id})
        if connection.dialect.name == "postgresql":
            from commons_core.storage.row_security import enter_actor

            app_role = self.commons.app_role
            enter_actor(
                connection, self.actor, self.community_ids, app_role, self.commons.scope_signer
            )

    # -- events and flushing ----------------------------------------------------

    def check_writable(self, operation: str) -> None:
        """Raise :class:`~commons_core.errors.ReadOnlyError` naming ``operation`` if this
        unit of work is read-only; services that write by other means call it first."""
        if self.readonly:
            raise ReadOnlyError(operation)

    def emit(self, *events: DomainEvent) -> None:
        """Queue domain events; plugins receive them at the next flush, in one batch."""
        self._pending_events.extend(events)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group several writes into one batch: one flush when the block ends.

        Inside the block, the flushes that writes make on their own are put
        off, so plugins receive the batch's events in one
        ``commons_on_events`` call and its audit entries are written together
        (an import writes households, then residents, as one batch). Keep a
        block to a few thousand records: its events and audit entries wait in
        memory until it ends. Nothing is flushed if the block raises.
        """
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
        if not self._batch_depth:
            self.flush()

    def flush(self) -> None:
        """Deliver pending events to plugins, then write buffered audit entries.

        Called by batch writes after each batch and before commit; plugins
        may write in response, whose events are delivered in a further round.
        Inside :meth:`batch`, it waits for the end of the block.
        """
        if self._batch_depth:
            return
        rounds = 0
        while self._pending_events:
            rounds += 1
            if rounds > MAX_EVENT_ROUNDS:
                raise ConfigurationError(
                    "插件对事件的响应陷入循环",
                    "plugins keep producing events in response to events",
                )
            batch, self._pending_events = self._pending_events, []
            if self._keep_events:
                self._committed_events.extend(batch)
            self.commons.host.on_events(self, batch)
        self.audit.flush(self.connection)

    # -- what this unit of work wrote ----------------------------------------------

    def note_inserted(self, table: Table, keys: Iterable[tuple[Any, ...]]) -> None:
        """Remember the primary keys of the latest batch inserted into ``table``.

        Reference checks of the records that follow (a batch's residents
        referring to the households inserted just before) need not read them
        back. Only the latest batch per table is kept, so memory stays flat
        however much a bulk load writes; a key removed by other means is
        still refused by the database's own foreign key.
        """
        self._inserted[table.name] = set(keys)

    def note_deleted(self, table: Table, key: tuple[Any, ...]) -> None:
        """Forget a deleted record's key noted by :meth:`note_inserted`."""
        self._inserted.get(table.name, set()).discard(key)

    def recently_inserted(self, table: Table) -> set[tuple[Any, ...]]:
        """Primary keys of the latest batch inserted into ``table`` in this unit of work."""
        return self._inserted.get(table.name, set())

    # -- access -------------------------------------------------------------------

    def can(self, permission: str) -> bool:
        """Whether the actor has ``permission``."""
        return self.commons.access.allows(self.actor, permission)

    def require(self, permission: str, record: str | None = None) -> None:
        """Raise :class:`~commons_core.errors.AccessDenied` unless the actor has ``permission``."""
        self.commons.access.require(self.actor, permission, record)

    def scope_condition(self, entity: Entity) -> Any:
        """The WHERE condition limiting ``entity``'s table to the actor's scope (``None``: all)."""
        from commons_core.services.scoping import scope_condition

        return scope_condition(entity, self.actor.scope, self.community_ids)

    def _guard_queries(self, connection: Connection) -> None:
        """Check every statement executed on ``connection`` for uses of sensitive columns the
        actor may not reveal (filters, sorts, joins, computations; :mod:`.query_guard`)."""
        guard = self.commons.query_guard
        if all(self.can(kind.permission) for kind in guard.kinds):
            return  # nothing to refuse: spare every statement the walk

        def allowed(kind: Sensitivity) -> bool:
            return self.can(kind.permission)

        def check(
            conn: Connection, statement: Any, multiparams: Any, params: Any, options: Any
        ) -> None:
            if not options.get(INTERNAL):
                guard.check_statement(statement, allowed, self.actor.username)

        def check_driver_sql(
            conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: Any
        ) -> None:
            # exec_driver_sql: no SQLAlchemy statement, so no before_execute event.
            driver_sql = context is not None and context.compiled is None
            if driver_sql and not context.execution_options.get(INTERNAL):
                guard.check_statement(statement, allowed, self.actor.username)

        event.listen(connection, "before_execute", check)
        event.listen(connection, "before_cursor_execute", check_driver_sql)

    def scoped(self, model_or_table: type | Table) -> FromClause:
        """A FROM clause of an entity's rows in scope, for reports and custom queries.

        Aggregate freely over it; it never yields rows outside the scope. Statements
        executed on :attr:`connection` may read its sensitive columns, but not filter,
        sort, group or join on them, nor compute from them, without the permission to
        reveal them (:class:`~commons_core.errors.AccessDenied`).
        """
        if isinstance(model_or_table, Table):
            entity = next((e for e in self.commons.entities if e.table is model_or_table), None)
            if entity is None:
                raise ConfigurationError(
                    f"{model_or_table.name} 不是实体表",
                    f"{model_or_table.name} is not an entity table",
                )
        else:
            entity = self.commons.entity(model_or_table)
        self.require(f"{entity.name}:list", entity.name)
        condition = self.scope_condition(entity)
        if condition is None:
            return entity.table
        return select(entity.table).where(condition).subquery(entity.table.name)

    def log_reveal(self, repository: Repository[Any], objs: Sequence[Any]) -> None:
        """Record in the audit trail that sensitive fields were shown in clear."""
        fields = sorted(f for f in repository._sensitive)
        for obj in objs:
            self.audit.record(
                repository._community_of(obj),
                "reveal",
                repository.name,
                repository._key(obj),
                {"fields": fields},
                where=repository.where(obj),
            )

    # -- repositories ---------------------------------------------------------------

    @overload
    def repo(self, model: type[T]) -> Repository[T]: ...
    @overload
    def repo(self, model: str) -> Repository[Any]: ...
    def repo(self, model: type[T] | str) -> Repository[T] | Repository[Any]:
        """The repository of an entity, by model class or entity name."""
        entity = self.commons.entity(model)
        found = self._repos.get(entity.name)
        if found is None:
            from commons_core.services.people import repository_class

            found = repository_class(entity)(self, entity)
            self._repos[entity.name] = found
        return found

    @property
    def households(self) -> HouseholdRepository:
        """Households, with registration of a household and its members."""
        from commons_core.model import Household

        return self.repo(Household)  # type: ignore[return-value]

    @property
    def residents(self) -> ResidentRepository:
        """Residents, with moves, deaths and other life events."""
        from commons_core.model import Resident

        return self.repo(Resident)  # type: ignore[return-value]

    def find_community(self, name_or_id: str, *, path: str = "community") -> Any:
        """The community named ``name_or_id`` (or with that id) in the actor's scope.

        :class:`~commons_core.errors.NotFound` when there is none,
        :class:`~commons_core.errors.AmbiguousReference` (naming ``path``) when
        several have that name (see :func:`~commons_core.services.lookup.lookup`).
        """
        from commons_core.model import Community
        from commons_core.services.lookup import lookup

        return lookup(self, Community, name_or_id, path=path)


class _ReadOnlyAudit(AuditBuffer):
    """The audit buffer of a read-only unit of work: recording an entry is refused."""

    def record(
        self,
        community_id: UUID | None,
        action: str,
        entity: str,
        key: object,
        changes: dict[str, Any],
        at: datetime | None = None,
        where: Where = NOWHERE,
    ) -> None:
        """Refuse: an audit entry is a write (:class:`~commons_core.errors.ReadOnlyError`)."""
        raise ReadOnlyError(f"audit {action} {entity}")


def _begin_read_only(connection: Connection) -> None:
    """Make the transaction just begun on ``connection`` refuse writes in the database.

    PostgreSQL: ``SET TRANSACTION READ ONLY`` (the transaction's first statement).
    SQLite: ``PRAGMA query_only`` on the driver's connection, which outlives the
    transaction (:func:`_end_read_only` turns it off before the connection goes back
    to the pool). The database's refusals become :class:`ReadOnlyError`.
    """
    _translate_refusals(connection.engine)
    connection.execution_options(**{READONLY: True})
    if connection.dialect.name == "postgresql":
        connection.execute(internal(text("SET TRANSACTION READ ONLY")))
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        assert driver is not None  # an open connection always has its driver connection
        driver.execute("PRAGMA query_only = ON")


def _end_read_only(connection: Connection) -> None:
    """Undo :func:`_begin_read_only` for whatever uses the pooled connection next."""
    if connection.dialect.name == "sqlite" and not connection.invalidated:
        driver = connection.connection.driver_connection
        if driver is not None:
            driver.execute("PRAGMA query_only = OFF")


def _translate_refusals(engine: Engine) -> None:
    """Have ``engine`` raise :class:`ReadOnlyError` for a write its database refused in a
    read-only unit of work (SQLAlchemy takes this handler per engine, not per connection)."""
    if not event.contains(engine, "handle_error", _refused_as_read_only):
        event.listen(engine, "handle_error", _refused_as_read_only)


_SQLITE_READONLY = 8
"""SQLite's result code of a write refused by ``PRAGMA query_only`` (``SQLITE_READONLY``)."""


def _refused_as_read_only(context: ExceptionContext) -> None:
    connection = context.connection
    if connection is None or not connection.get_execution_options().get(READONLY):
        return
    error = context.original_exception
    refused = (
        getattr(error, "sqlstate", None) == "25006"  # read_only_sql_transaction
        or (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_READONLY
    )
    if refused:
        statement = (context.statement or "").split(None, 1)
        raise ReadOnlyError(f"SQL {statement[0].upper() if statement else ''}".strip()) from error
