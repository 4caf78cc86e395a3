"""Streamed reads: a query's rows in chunks, memory flat however many rows there are.

On PostgreSQL (psycopg) a query whose columns need no conversion by
SQLAlchemy is read through ``COPY (query) TO STDOUT``: the server sends rows
as fast as it makes them while this process handles the ones before. A
server-side cursor instead has the server idle while the client works and
the client wait while the server makes each chunk (a third of a 10^6-row
export). The rows are loaded by the same psycopg loaders as a cursor's,
chosen by the column types the server reports, so both paths give the same
values. Anywhere else, or when a column's type converts results, it is a
server-side cursor (``yield_per``).

A caller that stops reading early should close the iterator before using the
connection again (``contextlib.closing``): that ends the ``COPY``, which holds
the connection until then, and rolls back to a savepoint taken before it, so
the transaction goes on.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Select, event

__all__ = ["CHUNK_ROWS", "stream_rows"]

CHUNK_ROWS = 2000
"""Rows per chunk: large enough that per-chunk costs vanish, small enough to stay flat."""


def stream_rows(
    connection: Connection, query: Select[Any], size: int = CHUNK_ROWS
) -> Generator[Sequence[Sequence[Any]], None, None]:
    """The rows of ``query`` in chunks of ``size``, read in the connection's transaction."""
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        statement, params, types = _described(connection, query)
        converting = (
            column.type.dialect_impl(dialect).result_processor(dialect, oid) is not None
            for column, oid in zip(query.selected_columns, types, strict=True)
        )
        if not any(converting):
            yield from _copy_rows(connection, statement, params, types, size)
            return
    result = connection.execute(query, execution_options={"yield_per": size})
    yield from result.partitions()


def _described(connection: Connection, query: Select[Any]) -> tuple[str, Any, list[Any]]:
    """The statement and parameters SQLAlchemy sends for ``query`` (IN lists expanded,
    values bound through their types) and the type of each column the server reports.

    The query goes through SQLAlchemy as any other, but the driver is sent it
    wrapped in ``LIMIT 0``: planned, never run.
    """
    sent: list[tuple[str, Any]] = []

    def describe_only(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        sent.append((statement, params))
        return f"SELECT * FROM ({statement}) AS described LIMIT 0", params

    event.listen(connection, "before_cursor_execute", describe_only, retval=True)
    try:
        result = connection.execute(query)
        types = [column[1] for column in result.cursor.description]
        result.close()
    finally:
        event.remove(connection, "before_cursor_execute", describe_only)
    statement, params = sent[0]
    return statement, params, types


def _copy_rows(
    connection: Connection, statement: str, params: Any, types: list[Any], size: int
) -> Iterator[Sequence[Sequence[Any]]]:
    # A COPY ended before its last row fails the transaction: the savepoint keeps it going.
    with connection.begin_nested():
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY ({statement}) TO STDOUT", params) as copy:
                copy.set_types(types)
                rows = copy.rows()
                while chunk := list(islice(rows, size)):
                    yield chunk
        finally:
            cursor.close()
