"""PostgreSQL row-level security: the database enforces each actor's scope too.

Every transaction of a unit of work switches to the application role (which
owns no table, so policies apply to it) and publishes the actor's scope in
transaction-local settings that the policies read:

``commons.community_ids``
    Comma-separated community ids, or ``*`` for all.
``commons.actor``
    The actor's user name, for diagnostics.

So a raw ``text()`` query, or a bug in a plugin, still sees only its scope.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from commons_core.access import Actor

__all__ = ["enter_actor"]


def enter_actor(
    connection: Connection,
    actor: Actor,
    community_ids: Set[UUID] | None,
    app_role: str | None,
) -> None:
    """Publish ``actor``'s scope to the transaction and drop to the application role."""
    ids = "*" if community_ids is None else ",".join(sorted(str(c) for c in community_ids))
    connection.execute(
        text(
            "SELECT set_config('commons.community_ids', :ids, true),"
            " set_config('commons.actor', :actor, true)"
        ),
        {"ids": ids, "actor": actor.username},
    )
    if app_role:
        connection.execute(text(f'SET LOCAL ROLE "{app_role}"'))
