"""Streamed reads: a query's rows in chunks, memory flat however many rows there are.

On PostgreSQL a query whose columns need no conversion by SQLAlchemy is read
through ``COPY (query) TO STDOUT`` (psycopg): the server sends rows as fast as
it makes them while this process handles the ones before. A server-side
cursor instead has the server idle while the client works and the client
wait while the server makes each chunk (a third of a 10^6-row export). The
rows are loaded by the same psycopg loaders as a cursor's, chosen by the
column types the server reports, so both paths give the same values.
Anywhere else, or when a column's type converts results, it is a
server-side cursor (``yield_per``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Select

__all__ = ["CHUNK_ROWS", "stream_rows"]

CHUNK_ROWS = 2000
"""Rows per chunk: large enough that per-chunk costs vanish, small enough to stay flat."""


def stream_rows(
    connection: Connection, query: Select[Any], size: int = CHUNK_ROWS
) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``query`` in chunks of ``size``, read in the connection's transaction."""
    if connection.dialect.name == "postgresql" and not _converts_results(connection, query):
        yield from _copy_rows(connection, query, size)
        return
    result = connection.execute(query, execution_options={"yield_per": size})
    yield from result.partitions()


def _converts_results(connection: Connection, query: Select[Any]) -> bool:
    """Whether any column's type processes the driver's values (a cursor path applies it)."""
    dialect = connection.dialect
    return any(
        column.type._cached_result_processor(dialect, None) is not None
        for column in query.selected_columns
    )


def _copy_rows(
    connection: Connection, query: Select[Any], size: int
) -> Iterator[Sequence[Sequence[Any]]]:
    # Declared as a server-side cursor (planned, not run), the query is the statement and
    # parameters SQLAlchemy would send (IN lists expanded, values through their types), and
    # the server reports its column types, which COPY's text does not carry.
    declared = connection.execute(query, execution_options={"stream_results": True})
    try:
        context = declared.context
        statement, params = context.statement, context.parameters[0]
        types = [column[1] for column in declared.cursor.description]
    finally:
        declared.close()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ({statement}) TO STDOUT", params) as copy:
            copy.set_types(types)
            rows = copy.rows()
            while chunk := list(islice(rows, size)):
                yield chunk
    finally:
        cursor.close()
