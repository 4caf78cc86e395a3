"""The SDK handle: an open commons database with the plugins, keys and policy in force.

Get one with :func:`commons_core.open_commons`; every change goes through a
:class:`~commons_core.services.unit_of_work.UnitOfWork` it opens.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import DBAPIError

from commons_core.access import BUILTIN_ROLES, AccessPolicy, Actor
from commons_core.errors import ConfigurationError, ConflictError, DuplicateError, PluginError
from commons_core.keys import KeyRing
from commons_core.serialization import Codec, make_converter
from commons_core.services.audit import ChainKey
from commons_core.services.query_guard import QueryGuard
from commons_core.services.unit_of_work import UnitOfWork
from commons_core.storage.limits import column_limits
from commons_core.storage.schema import Entity, tables_of
from commons_core.validation import Rule, RuleSet
from commons_core.validation.codes import describe, misnamed_codes

if TYPE_CHECKING:
    from commons_core.plugins import PluginHost
    from commons_core.reports import Report
    from commons_core.storage.row_security import ScopeSigner

__all__ = ["AUTO_ROLE", "Commons"]

T = TypeVar("T")

AUTO_ROLE = "auto"


class Commons:
    """An open commons database together with the plugins in force.

    Build one with :func:`commons_core.open_commons`. It is safe to share
    between threads; each thread opens its own units of work.
    """

    def __init__(
        self,
        engine: Engine,
        host: PluginHost,
        *,
        app_role: str | None = AUTO_ROLE,
        keys: KeyRing | None = None,
    ) -> None:
        self.engine = engine
        self.host = host
        self._app_role = app_role
        self.keys = keys if keys is not None else KeyRing.load()
        """The deployment's keys (:mod:`commons_core.keys`): audit chain, checkpoints, scope."""
        self.chain_key = ChainKey(self.keys.current, self.keys.derive("audit-chain"))
        self.entities: list[Entity] = host.entities()
        self._by_model = {e.model: e for e in self.entities}
        self._by_name = {e.name: e for e in self.entities}
        # The columns' limits after every other rule: they check the normalised values.
        rules = RuleSet([*_rules_of_plugins(host), *column_limits(self.entities)])
        converter = make_converter(rules)
        host.configure_converter(converter)
        self.codec = Codec(converter, rules)
        self.access = AccessPolicy(
            [*BUILTIN_ROLES, *host.roles()], host.role_grants(), host.permissions()
        )

    @cached_property
    def tables(self) -> list[Table]:
        """Every table of core and loaded plugins, dependencies first."""
        return tables_of(self.entities, self.host.tables())

    @property
    def app_role(self) -> str | None:
        """The PostgreSQL role units of work switch to (row-level security), if any.

        By default the ``commons_app`` role when the database has it and the
        login may use it; ``None`` on SQLite. Switching to it needs the database
        to hold this deployment's ``row-scope`` key (installed by ``commons db
        upgrade`` from the same key file): without it every policy would deny,
        so that is a :class:`~commons_core.errors.ConfigurationError` saying so.
        """
        if self._app_role == AUTO_ROLE:
            self._app_role = None
            if self.engine.dialect.name == "postgresql":
                from commons_core.storage.row_security import APP_ROLE, app_role_available

                with self.engine.connect() as connection:
                    if app_role_available(connection):
                        self._require_scope_key(connection)
                        self._app_role = APP_ROLE
        return self._app_role

    def _require_scope_key(self, connection: Connection) -> None:
        from commons_core.storage.row_security import installed_scope_keys

        if self.keys.current not in installed_scope_keys(connection):
            raise ConfigurationError(
                f"数据库中没有本部署的范围密钥 {self.keys.current}:请用同一密钥文件"
                f"({self.keys.path})以数据表所有者身份运行 commons db upgrade",
                f"the database does not hold this deployment's scope key {self.keys.current}:"
                f" run `commons db upgrade` as the tables' owner with the same key file"
                f" ({self.keys.path}; env COMMONS_KEY_FILE)",
            )

    @cached_property
    def scope_signer(self) -> ScopeSigner:
        """Signs the scope each unit of work publishes to row-level security (PostgreSQL)."""
        from commons_core.storage.row_security import ScopeSigner

        return ScopeSigner(self.keys)

    def upgrade(self) -> None:
        """Bring the schema to the latest revision of core and every plugin."""
        from commons_core.storage.migrate import upgrade

        upgrade(self.engine, self.host.migration_locations(), self.tables, self.entities, self.keys)
        if self._app_role is None and self.engine.dialect.name == "postgresql":
            self._app_role = AUTO_ROLE

    @cached_property
    def reports(self) -> dict[str, Report]:
        """Every report by name."""
        return self.host.reports()

    @cached_property
    def query_guard(self) -> QueryGuard:
        """The sensitive columns of every entity, checked in every query (:mod:`.query_guard`)."""
        return QueryGuard(self.entities)

    def entity(self, model_or_name: type | str) -> Entity:
        """The entity of a model class or entity name."""
        found = (
            self._by_name.get(model_or_name)
            if isinstance(model_or_name, str)
            else self._by_model.get(model_or_name)
        )
        if found is None:
            name = model_or_name if isinstance(model_or_name, str) else model_or_name.__name__
            raise ConfigurationError(f"未知的实体 {name}", f"unknown entity {name}")
        return found

    def unit_of_work(self, actor: Actor, *, readonly: bool = False) -> UnitOfWork:
        """A unit of work acting as ``actor``; use it as a context manager.

        ``readonly`` units of work on SQLite do not take the write lock, so
        any number can run beside a writer.
        """
        return UnitOfWork(self, actor, readonly=readonly)

    def transact(
        self,
        actor: Actor,
        work: Callable[[UnitOfWork], T],
        *,
        retries: int = 8,
        on_retry: Callable[[int, Exception], None] | None = None,
    ) -> T:
        """Run ``work`` in a unit of work, retrying it when it lost a race.

        Retried (up to ``retries`` times, with jittered back-off): PostgreSQL
        serialization failures and deadlocks, and :class:`ConflictError`
        from a stale version (not :class:`DuplicateError`: a value taken stays
        taken). ``work`` must therefore read what it changes
        inside the call.
        """
        attempt = 0
        while True:
            try:
                with self.unit_of_work(actor) as uow:
                    return work(uow)
            except (ConflictError, DBAPIError) as error:
                if attempt >= retries or not _retryable(error):
                    raise
                attempt += 1
                if on_retry is not None:
                    on_retry(attempt, error)
                time.sleep(random.uniform(0, 0.005 * 2**attempt))

    def structure(self, data: Any, cls: type[T]) -> T:
        """Build a ``cls`` from JSON-like data with every rule checked (see :class:`Codec`)."""
        return self.codec.structure(data, cls)

    def unstructure(self, obj: Any) -> Any:
        """JSON-ready data for ``obj``."""
        return self.codec.unstructure(obj)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def _rules_of_plugins(host: PluginHost) -> list[Rule]:
    """Every rule of core and plugins, in the hook's order.

    Raises :class:`~commons_core.errors.PluginError` naming a plugin whose rule
    declares a code without the plugin's prefix (:mod:`commons_core.validation.codes`).
    """
    rules: list[Rule] = []
    for plugin, contributed in host.call_each("commons_validation_rules"):
        found = list(contributed or ())
        for rule, code in misnamed_codes(plugin, found):
            raise PluginError(plugin, *describe(plugin, rule, code))
        rules.extend(found)
    return rules


def _retryable(error: Exception) -> bool:
    if isinstance(error, DuplicateError):
        return False  # taken already: running the work again takes it again
    if isinstance(error, ConflictError):
        return True
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01")
