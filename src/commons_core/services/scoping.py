"""The SQL conditions that keep each entity's rows inside an actor's scope.

The same rules, expressed as PostgreSQL row-level security policies, are in
:mod:`commons_core.storage.row_security`; this module is what every query
through the SDK applies on any database.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, false, select

from commons_core.access import Scope, ScopeKind
from commons_core.storage.schema import Entity
from commons_core.storage.tables import community, household, resident

__all__ = ["scope_condition"]


def scope_condition(
    entity: Entity, scope: Scope, community_ids: Set[UUID] | None
) -> ColumnElement[bool] | None:
    """The condition on ``entity.table`` for an actor with ``scope``; ``None`` means no limit.

    ``community_ids`` is the scope resolved to communities (``None``: all).
    Rows an actor cannot see in any way give ``false()``: denial is the default.
    """
    table = entity.table
    columns = table.c
    if community_ids is None:
        return None
    if entity.scope == "community":
        by_community: ColumnElement[bool] = columns.community_id.in_(sorted(community_ids))
    elif entity.name == "community":
        by_community = columns.id.in_(sorted(community_ids))
    elif entity.name == "street_office":
        return columns.id.in_(
            select(community.c.street_office_id).where(community.c.id.in_(sorted(community_ids)))
        )
    else:
        # Other reference tables (users …) are for administrators only.
        return false()
    if (
        scope.kind in (ScopeKind.STREET, ScopeKind.COMMUNITY)
        or entity.name == "community"
        or entity.shared
    ):
        return by_community
    assert scope.community_id is not None
    if scope.kind is ScopeKind.ZONE:
        assert scope.grid_zone_id is not None
        households = _zone_households(scope.community_id, scope.grid_zone_id)
        if entity.zone_column is not None:
            return by_community & (columns[entity.zone_column] == scope.grid_zone_id)
    else:
        assert scope.household_id is not None
        households = select(household.c.id).where(household.c.id == scope.household_id)
    if entity.household_column is not None:
        return by_community & columns[entity.household_column].in_(households)
    if entity.resident_column is not None:
        residents = select(resident.c.id).where(
            resident.c.community_id == scope.community_id,
            resident.c.household_id.in_(households),
        )
        return by_community & columns[entity.resident_column].in_(residents)
    return false()


def _zone_households(community_id: UUID, grid_zone_id: UUID) -> Select[Any]:
    return select(household.c.id).where(
        household.c.community_id == community_id, household.c.grid_zone_id == grid_zone_id
    )
