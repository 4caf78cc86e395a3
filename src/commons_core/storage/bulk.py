"""Bulk writes: many rows into one table in one round trip, in the caller's transaction.

On PostgreSQL, rows go through ``COPY … FROM STDIN`` (psycopg), faster than
an ``executemany`` of INSERTs (see ``docs/performance.md``), unless row-level
security applies to the current role (PostgreSQL refuses ``COPY FROM`` then)
or the batch is too small to gain. On SQLite, it is the driver's own
``executemany`` of the compiled INSERT, inside the unit of work's ``BEGIN
IMMEDIATE`` transaction, which saves SQLAlchemy's per-row bookkeeping.

Values are bound through each column's own type, exactly as a Core INSERT
would bind them, so every path stores the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, text
from sqlalchemy.exc import DBAPIError

__all__ = ["COPY_THRESHOLD", "insert_rows"]

COPY_THRESHOLD = 50
"""Fewer rows than this are inserted with INSERT: COPY's set-up costs more than it saves."""


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column name → value, every row with the same keys) into ``table``."""
    if not rows:
        return
    dialect = connection.dialect.name
    if len(rows) < COPY_THRESHOLD:
        connection.execute(insert(table), list(rows))
        return
    dbapi = connection.dialect.loaded_dbapi
    try:
        if dialect == "postgresql" and not _row_security_active(connection, table):
            _copy(connection, table, rows)
        elif dialect == "sqlite":
            _executemany(connection, table, rows)
        else:
            connection.execute(insert(table), list(rows))
    except dbapi.Error as error:
        # The driver's own error, wrapped as SQLAlchemy wraps it on the INSERT path.
        raise DBAPIError.instance(
            f"bulk insert into {table.name}", None, error, dbapi.Error
        ) from error


def _row_security_active(connection: Connection, table: Table) -> bool:
    name = connection.dialect.identifier_preparer.format_table(table)
    return bool(connection.execute(text("SELECT row_security_active(:t)"), {"t": name}).scalar())


def _bound(
    connection: Connection, table: Table, names: Sequence[str]
) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """Each column name with the function its type binds values with (``None``: as is)."""
    dialect = connection.dialect
    return [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]


def _values(
    row: Mapping[str, Any], pairs: Sequence[tuple[str, Callable[[Any], Any] | None]]
) -> list[Any]:
    return [row[name] if bind is None else bind(row[name]) for name, bind in pairs]


def _executemany(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(rows[0]))
    pairs = _bound(connection, table, compiled.positiontup or ())
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    cursor = driver.cursor()
    try:
        cursor.executemany(str(compiled), [_values(row, pairs) for row in rows])
    finally:
        cursor.close()


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    dialect = connection.dialect
    pairs = _bound(connection, table, names)
    preparer = dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)}"
        f" ({', '.join(preparer.format_column(c) for c in columns)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(_values(row, pairs))
