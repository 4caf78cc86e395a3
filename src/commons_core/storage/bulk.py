"""Bulk writes: many rows into one table in one round trip, in the caller's transaction.

On PostgreSQL, rows go through ``COPY … FROM STDIN`` (psycopg), measured about
twice as fast as an ``executemany`` of INSERTs (see ``docs/performance.md``),
unless row-level security applies to the current role (PostgreSQL refuses
``COPY FROM`` then) or the batch is too small to gain. Everywhere else, and in
those cases, it is one ``executemany`` of a Core INSERT (on SQLite, inside the
unit of work's ``BEGIN IMMEDIATE`` transaction).

Values are bound through each column's own type, exactly as an INSERT would
bind them, so both paths store the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, text

__all__ = ["COPY_THRESHOLD", "insert_rows"]

COPY_THRESHOLD = 50
"""Fewer rows than this are inserted with INSERT: COPY's set-up costs more than it saves."""


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column name → value, every row with the same keys) into ``table``."""
    if not rows:
        return
    if (
        connection.dialect.name == "postgresql"
        and len(rows) >= COPY_THRESHOLD
        and not _row_security_active(connection, table)
    ):
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), list(rows))


def _row_security_active(connection: Connection, table: Table) -> bool:
    name = connection.dialect.identifier_preparer.format_table(table)
    return bool(connection.execute(text("SELECT row_security_active(:t)"), {"t": name}).scalar())


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    dialect = connection.dialect
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    preparer = dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)}"
        f" ({', '.join(preparer.format_column(c) for c in columns)}) FROM STDIN"
    )
    pairs = list(zip(names, processors, strict=True))
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] if p is None else p(row[name]) for name, p in pairs])
