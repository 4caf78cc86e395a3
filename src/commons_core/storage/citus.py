"""Scaling out with Citus: the statements that distribute the schema by community.

Each table's scope (``table.info["scope"]``, see :mod:`commons_core.storage.schema`)
decides what happens to it:

``reference``
    ``SELECT create_reference_table('t');``: replicated to every worker.
``community``
    ``SELECT create_distributed_table('t', 'community_id', colocate_with => 'residents_group');``:
    sharded by community and co-located, so a community's rows (and the
    joins between them) live on one worker.
``local``
    left on the coordinator.

Run the statements once, after ``commons db upgrade`` has created the tables
and before loading data::

    commons = open_commons(url)
    for statement in distribution_statements(commons.tables):
        print(statement)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.sql.ddl import sort_tables

from commons_core.storage.schema import scope_of

__all__ = ["COLOCATION_ANCHOR", "DISTRIBUTION_COLUMN", "distribution_statements"]

DISTRIBUTION_COLUMN = "community_id"
"""The column every community-scoped table is distributed by."""

COLOCATION_ANCHOR = "residents_group"
"""The table every community-scoped table is co-located with.

A core table that every deployment has and that references no other
community-scoped table, so it can be distributed first.
"""


def distribution_statements(
    tables: Sequence[Table], *, colocate_with: str = COLOCATION_ANCHOR
) -> list[str]:
    """The Citus statements that distribute ``tables``, in an order Citus accepts.

    Reference tables come first, then community-scoped tables, each group in
    foreign-key order (a table after the tables it references), the
    co-location anchor first of all. Tables added by a later migration can be
    passed alone: they are co-located with the anchor distributed before.

    :param tables: the tables of core and the loaded plugins (``commons.tables``).
    :param colocate_with: the table that anchors the co-location group.
    """
    ordered = list(sort_tables(tables))
    reference = [t for t in ordered if scope_of(t) == "reference"]
    community = [t for t in ordered if scope_of(t) == "community"]
    statements = [f"SELECT create_reference_table('{t.name}');" for t in reference]
    for table in sorted(community, key=lambda t: t.name != colocate_with):
        colocation = "" if table.name == colocate_with else f", colocate_with => '{colocate_with}'"
        statements.append(
            f"SELECT create_distributed_table('{table.name}', '{DISTRIBUTION_COLUMN}'{colocation});"
        )
    return statements
