"""PostgreSQL row-level security: the database enforces each actor's scope too.

After every upgrade, :func:`install` (run by the tables' owner) creates the
application role ``commons_app`` (no login, owns nothing), grants it the
tables — only ``SELECT`` on the audit trail and its heads, which it writes
through the owner's ``commons_audit_append`` — and enables a policy on every
community-scoped table that admits only the rows of the communities (and,
where it applies, the grid zone or household) of the current transaction's
scope. Units of work publish the
actor's scope and switch to the application role (:func:`enter_actor`), so a
raw ``text()`` query, a bug in a plugin or an injected statement still sees
only its scope.

**The scope cannot be forged from SQL.** The unit of work publishes its scope in
transaction-local settings together with a token: an HMAC-SHA256, with the
deployment's ``row-scope`` key (:mod:`commons_core.keys`, held by the
application outside the database), of the scope, the actor and the
transaction (its server process and start). The policies do not read the settings
themselves: they read the values returned by functions owned by the tables'
owner (``SECURITY DEFINER``), which check the token against the copy of the key
in ``commons_scope_key`` — a table the application role cannot read — and
return nothing when it does not match. SQL that changes a setting
(``set_config('commons.community_ids', '*', true)``, in a statement or a
subquery) therefore sees no rows at all; a token is bound to its transaction
(:data:`BINDING`), so it cannot be replayed in another; and the policies call
the functions in uncorrelated subqueries, so the check runs once per
statement, not once per row.

Settings (transaction-local): ``commons.community_ids`` (comma-separated ids, or
``*``), ``commons.zone_id`` and ``commons.household_id`` (else empty),
``commons.actor``, ``commons.scope_key`` (the key's id) and
``commons.scope_token``.

Production connects with a login role that is a member of ``commons_app`` and
does not own the tables (``commons db grant-login NAME``), so that it cannot
step out of the policies with ``RESET ROLE``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import Connection, Table, bindparam, text
from sqlalchemy.dialects.postgresql import BYTEA

from commons_core.access import ScopeKind
from commons_core.storage.internal import internal
from commons_core.storage.row_security_sql import (
    KEY_TABLE,
    functions_sql,
    key_table_sql,
    policy_condition,
)

if TYPE_CHECKING:
    from commons_core.access import Actor
    from commons_core.keys import KeyRing
    from commons_core.storage.schema import Entity

__all__ = [
    "APP_ROLE",
    "BINDING",
    "KEY_TABLE",
    "ScopeSigner",
    "app_role_available",
    "enter_actor",
    "install",
    "installed_scope_keys",
    "login_bypasses_row_security",
    "without_nested_loops",
]

APP_ROLE = "commons_app"
POLICY = "commons_scope"
NO_COMMUNITIES = "00000000-0000-0000-0000-000000000000"
BINDING = (
    "pg_backend_pid()::text || ':'"
    " || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text"
)
"""What a token is bound to: the server process and the start of the transaction (in
microseconds, whatever the time zone), so a token seen anywhere is worth nothing in any
other transaction."""


class ScopeSigner:
    """Signs the scopes units of work publish, with the ``row-scope`` key of a key ring."""

    def __init__(self, keys: KeyRing) -> None:
        self.key_id = keys.current
        self._secret = keys.derive("row-scope")

    def token(self, binding: str, ids: str, zone: str, household: str, actor: str) -> str:
        """The token the policies' functions expect for this scope in the transaction
        ``binding`` names (see :data:`BINDING`)."""
        message = "|".join(("v1", binding, ids, zone, household, actor))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()


def _pads(secret: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104), stored so SQL needs only sha256()."""
    block = secret.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def install(
    connection: Connection, tables: Sequence[Table], entities: Iterable[Entity], keys: KeyRing
) -> None:
    """Create the application role, the scope functions and key, grants and every policy."""
    by_table = {e.table.name: e for e in entities}
    connection.execute(
        text(
            "DO $$ BEGIN"
            f" CREATE ROLE {APP_ROLE} NOLOGIN;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    )
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    quoted_schema = connection.dialect.identifier_preparer.quote_identifier(schema)
    connection.execute(text(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {APP_ROLE}"))
    # Nobody but the owner creates objects beside the tables (PUBLIC may, in a schema
    # made before PostgreSQL 15).
    connection.execute(text(f"REVOKE CREATE ON SCHEMA {quoted_schema} FROM PUBLIC, {APP_ROLE}"))
    for statement in key_table_sql(quoted_schema, APP_ROLE):
        connection.execute(text(statement))
    _store_scope_keys(connection, quoted_schema, keys)
    existing = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalars()
    )
    for statement in functions_sql(quoted_schema, APP_ROLE, BINDING):
        if "audit_head" in statement and "audit_head" not in existing:
            continue  # not migrated (yet): ``commons db check`` reports it as drift
        connection.execute(text(statement))
    for table in tables:
        if table.name not in existing:
            # Not migrated (yet): ``commons db check`` reports it as drift.
            continue
        quoted = f"{quoted_schema}.{connection.dialect.identifier_preparer.quote(table.name)}"
        connection.execute(text(f"REVOKE ALL ON {quoted} FROM {APP_ROLE}"))
        privileges = {"audit_entry": "SELECT", "audit_head": "SELECT"}.get(
            table.name, "SELECT, INSERT, UPDATE, DELETE"
        )
        connection.execute(text(f"GRANT {privileges} ON {quoted} TO {APP_ROLE}"))
        connection.execute(text(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY"))
        connection.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}"))
        using, check = policy_condition(table, by_table.get(table.name), quoted_schema)
        connection.execute(
            text(
                f"CREATE POLICY {POLICY} ON {quoted} TO {APP_ROLE}"
                f" USING ({using}) WITH CHECK ({check})"
            )
        )
    connection.execute(text(f"GRANT SELECT ON {quoted_schema}.alembic_version TO {APP_ROLE}"))


def _store_scope_keys(connection: Connection, quoted_schema: str, keys: KeyRing) -> None:
    """Store every key of ``keys`` (old ones too: processes not yet restarted use them)."""
    statement = text(
        f"INSERT INTO {quoted_schema}.{KEY_TABLE} (key_id, inner_pad, outer_pad)"
        " VALUES (:key_id, :inner_pad, :outer_pad)"
        " ON CONFLICT (key_id) DO UPDATE"
        " SET inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad"
    ).bindparams(bindparam("inner_pad", type_=BYTEA), bindparam("outer_pad", type_=BYTEA))
    for key_id in keys.masters:
        inner, outer = _pads(keys.derive("row-scope", key_id))
        connection.execute(statement, {"key_id": key_id, "inner_pad": inner, "outer_pad": outer})


def installed_scope_keys(connection: Connection) -> set[str]:
    """The ids of the scope keys the database holds (empty before the first upgrade)."""
    found = connection.execute(
        text("SELECT to_regprocedure('commons_scope_key_ids()') IS NOT NULL")
    ).scalar_one()
    if not found:
        return set()
    return set(connection.execute(text("SELECT unnest(commons_scope_key_ids())")).scalars())


def app_role_available(connection: Connection) -> bool:
    """Whether the application role exists and the current login may switch to it."""
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role)"
                " AND pg_has_role(current_user, :role, 'MEMBER')"
            ),
            {"role": APP_ROLE},
        ).scalar_one()
    )


def enter_actor(
    connection: Connection,
    actor: Actor,
    community_ids: Set[UUID] | None,
    app_role: str | None,
    signer: ScopeSigner,
) -> None:
    """Publish ``actor``'s signed scope to the transaction and drop to the application role."""
    ids = "*" if community_ids is None else ",".join(sorted(str(c) for c in community_ids))
    ids = ids or NO_COMMUNITIES
    scope = actor.scope
    zone = str(scope.grid_zone_id) if scope.kind is ScopeKind.ZONE else ""
    household = str(scope.household_id) if scope.kind is ScopeKind.HOUSEHOLD else ""
    binding = connection.execute(internal(text(f"SELECT {BINDING}"))).scalar_one()
    token = signer.token(binding, ids, zone, household, actor.username)
    # The values as bound parameters (never in the statement's text, which other sessions
    # of the login role can read in pg_stat_activity); set_config('role', …, true) is SET
    # LOCAL ROLE. JIT off for the transaction: the policies' subplans (never run for most
    # scopes) lift a report's estimated cost past jit_above_cost, and compiling then took
    # 140 ms of a query that runs in 3 ms (elderly-health-coverage, 10^6 residents).
    role_clause = ", set_config('role', :role, true)" if app_role else ""
    connection.execute(
        text(
            "SELECT set_config('commons.community_ids', :ids, true),"
            " set_config('commons.zone_id', :zone, true),"
            " set_config('commons.household_id', :household, true),"
            " set_config('commons.actor', :actor, true),"
            " set_config('commons.scope_key', :key_id, true),"
            " set_config('commons.scope_token', :token, true),"
            f" set_config('jit', 'off', true){role_clause}"
        ),
        {
            "ids": ids,
            "zone": zone,
            "household": household,
            "actor": actor.username,
            "key_id": signer.key_id,
            "token": token,
            "role": app_role,
        },
    )


@contextmanager
def without_nested_loops(connection: Connection) -> Iterator[None]:
    """Plan the block's queries without nested-loop joins (on PostgreSQL; elsewhere nothing).

    Row-level security adds the policies' conditions to every scan, and
    PostgreSQL, having no statistics for them, expects a handful of rows from
    any scan of a community's records. A join of two of a community's sets
    (its residents 60+ and their health files) is then planned as a nested
    loop, quadratic in the rows: ``elderly-health-coverage`` took 0.29 s for
    2,000 residents 60+, 0.03 s with hash joins. Reports that join such sets run
    their queries in this block; the setting is restored when it ends (and ends
    with the transaction if the block fails).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.execute(
        internal(
            text(
                "SELECT current_setting('enable_nestloop'),"
                " set_config('enable_nestloop', 'off', true)"
            )
        )
    ).scalar()
    yield
    connection.execute(
        internal(text("SELECT set_config('enable_nestloop', :on, true)")), {"on": before}
    )


def login_bypasses_row_security(connection: Connection) -> str | None:
    """Why the session's login is not bound by the policies (``None`` when it is).

    A superuser, a role with ``BYPASSRLS`` and the tables' owner can all
    ``RESET ROLE`` out of the application role, so SQL injected into the app
    would read every row; a role that may create objects beside the tables
    could plant objects the owner's code later trips over.
    """
    row = connection.execute(
        text(
            "SELECT r.rolsuper, r.rolbypassrls,"
            " EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema()"
            "         AND t.tablename = 'household' AND pg_has_role(session_user,"
            "         t.tableowner, 'MEMBER')) AS owns,"
            " has_schema_privilege(session_user, current_schema(), 'CREATE') AS creates"
            " FROM pg_roles r WHERE r.rolname = session_user"
        )
    ).one()
    if row.rolsuper:
        return "superuser"
    if row.rolbypassrls:
        return "BYPASSRLS"
    if row.owns:
        return "owns the tables"
    if row.creates:
        return "may create objects in the tables' schema"
    return None
