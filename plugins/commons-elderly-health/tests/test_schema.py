"""The schema: the migration matches the tables, and every table distributes by community."""

from __future__ import annotations

from commons_elderly_health import PLUGIN_NAME, plugin
from commons_elderly_health.tables import ENTITIES
from sqlalchemy import inspect

from commons_core.services import Commons
from commons_core.testing import (
    assert_branch_from_core,
    assert_community_keys,
    assert_no_schema_drift,
)


def test_the_migration_creates_exactly_the_tables(commons: Commons) -> None:
    assert_no_schema_drift(commons)
    names = set(inspect(commons.engine).get_table_names())
    assert {e.table.name for e in ENTITIES} <= names


def test_the_branch_starts_from_the_core() -> None:
    folder = plugin.folder("migrations/versions")
    assert folder is not None
    assert_branch_from_core(folder, PLUGIN_NAME)


def test_every_table_is_keyed_and_linked_by_community() -> None:
    assert_community_keys(ENTITIES, PLUGIN_NAME)
