"""PostgreSQL row-level security: the database enforces each actor's scope too.

After every upgrade, :func:`install` creates the application role
``commons_app`` (no login, owns nothing), grants it the tables — but not
UPDATE or DELETE on the audit trail — and enables a policy on every
community-scoped table that admits only the rows of the communities (and,
where it applies, the grid zone or household) published for the current
transaction. Units of work publish the actor's scope and switch to the
application role (:func:`enter_actor`), so a raw ``text()`` query, or a bug in
a plugin, still sees only its scope. A missing setting denies.

Settings (transaction-local):

``commons.community_ids``
    Comma-separated community ids, or ``*`` for all.
``commons.zone_id`` / ``commons.household_id``
    The grid zone or household of zone- and household-scoped actors, else empty.
``commons.actor``
    The actor's user name, for diagnostics.

Production connects with a login role that is a member of ``commons_app``
and not the tables' owner (``commons db grant-login NAME``), so it cannot
bypass the policies even with ``RESET ROLE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import Connection, Table, text

from commons_core.access import ScopeKind

if TYPE_CHECKING:
    from commons_core.access import Actor
    from commons_core.storage.schema import Entity

__all__ = ["APP_ROLE", "app_role_available", "enter_actor", "install", "without_nested_loops"]

APP_ROLE = "commons_app"
POLICY = "commons_scope"

_IDS = "current_setting('commons.community_ids', true)"
_ALL = f"({_IDS} = '*')"
_ZONE = "nullif(current_setting('commons.zone_id', true), '')::uuid"
_HOUSEHOLD = "nullif(current_setting('commons.household_id', true), '')::uuid"


def _in_communities(column: str) -> str:
    return f"({column} = ANY (string_to_array(nullif({_IDS}, '*'), ',')::uuid[]))"


def _policy_condition(table: Table, entity: Entity | None) -> str:
    """The USING expression for ``table``, the rules of :mod:`commons_core.services.scoping`."""
    scope = table.info.get("scope")
    name = table.name
    if scope != "community":
        if name == "community":
            return f"({_ALL} OR {_in_communities('id')})"
        if name == "street_office":
            return (
                f"({_ALL} OR id IN (SELECT street_office_id FROM community"
                f" WHERE {_in_communities('community.id')}))"
            )
        return _ALL
    base = f"({_ALL} OR {_in_communities(f'{name}.community_id')})"
    zone_rule = "false"
    household_rule = "false"
    if entity is not None:
        zone_households = f"(SELECT h.id FROM household h WHERE h.grid_zone_id = {_ZONE})"
        own_household = f"(SELECT {_HOUSEHOLD})"
        if entity.zone_column is not None:
            zone_rule = f"{name}.{entity.zone_column} = {_ZONE}"
        elif entity.household_column is not None:
            zone_rule = f"{name}.{entity.household_column} IN {zone_households}"
        elif entity.resident_column is not None:
            zone_rule = (
                f"{name}.{entity.resident_column} IN (SELECT r.id FROM resident r"
                f" WHERE r.household_id IN {zone_households})"
            )
        if entity.household_column is not None:
            household_rule = f"{name}.{entity.household_column} = {own_household}"
        elif entity.resident_column is not None:
            household_rule = (
                f"{name}.{entity.resident_column} IN (SELECT r.id FROM resident r"
                f" WHERE r.household_id = {_HOUSEHOLD})"
            )
    if name in ("audit_entry", "audit_head") or (entity is not None and entity.shared):
        return base
    return (
        f"({base} AND ("
        f"({_ZONE} IS NULL AND {_HOUSEHOLD} IS NULL)"
        f" OR ({_ZONE} IS NOT NULL AND {zone_rule})"
        f" OR ({_HOUSEHOLD} IS NOT NULL AND {household_rule})))"
    )


def install(connection: Connection, tables: Sequence[Table], entities: Iterable[Entity]) -> None:
    """Create the application role, grant it the tables and (re)create every policy."""
    by_table = {e.table.name: e for e in entities}
    connection.execute(
        text(
            "DO $$ BEGIN"
            f" CREATE ROLE {APP_ROLE} NOLOGIN;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    )
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {APP_ROLE}'))
    existing = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalars()
    )
    for table in tables:
        if table.name not in existing:
            # Not migrated (yet): ``commons db check`` reports it as drift.
            continue
        quoted = f'"{schema}"."{table.name}"'
        connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quoted} TO {APP_ROLE}"))
        if table.name == "audit_entry":
            connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quoted} FROM {APP_ROLE}"))
        connection.execute(text(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY"))
        connection.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}"))
        condition = _policy_condition(table, by_table.get(table.name))
        connection.execute(
            text(
                f"CREATE POLICY {POLICY} ON {quoted} TO {APP_ROLE}"
                f" USING ({condition}) WITH CHECK ({condition})"
            )
        )
    connection.execute(text(f'GRANT SELECT ON "{schema}".alembic_version TO {APP_ROLE}'))


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
) -> None:
    """Publish ``actor``'s scope to the transaction and drop to the application role."""
    ids = "*" if community_ids is None else ",".join(sorted(str(c) for c in community_ids))
    scope = actor.scope
    zone = str(scope.grid_zone_id) if scope.kind is ScopeKind.ZONE else ""
    household = str(scope.household_id) if scope.kind is ScopeKind.HOUSEHOLD else ""
    # One round trip: set_config('role', …, true) is SET LOCAL ROLE. JIT off for the
    # transaction: the policies' subplans (never run for most scopes) lift a report's
    # estimated cost past jit_above_cost, and compiling then took 140 ms of a query
    # that runs in 3 ms (elderly-health-coverage on a 10^6-resident district).
    role_clause = ", set_config('role', :role, true)" if app_role else ""
    connection.execute(
        text(
            "SELECT set_config('commons.community_ids', :ids, true),"
            " set_config('commons.zone_id', :zone, true),"
            " set_config('commons.household_id', :household, true),"
            " set_config('jit', 'off', true),"
            f" set_config('commons.actor', :actor, true){role_clause}"
        ),
        {
            "ids": ids or "00000000-0000-0000-0000-000000000000",
            "zone": zone,
            "household": household,
            "actor": actor.username,
            "role": app_role,
        },
    )


@contextmanager
def without_nested_loops(connection: Connection) -> Iterator[None]:
    """Plan the block's queries without nested-loop joins (on PostgreSQL; elsewhere nothing).

    Row-level security adds the policies' ``current_setting(…)`` conditions to
    every scan, and PostgreSQL, having no statistics for them, expects a
    handful of rows from any scan of a community's records. A join of two of
    a community's sets (its residents 60+ and their health files) is then
    planned as a nested loop, quadratic in the rows: ``elderly-health-coverage``
    took 0.29 s for 2,000 residents 60+, 0.03 s with hash joins. Reports that
    join such sets run their queries in this block; the setting is restored
    when it ends (and ends with the transaction if the block fails).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.execute(
        text(
            "SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)"
        )
    ).scalar()
    yield
    connection.execute(text("SELECT set_config('enable_nestloop', :on, true)"), {"on": before})
