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
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, Text, cast, event, func

if TYPE_CHECKING:
    from psycopg import Copy

__all__ = ["CHUNK_ROWS", "csv_on_server", "stream_csv", "stream_rows"]

CHUNK_ROWS = 2000
"""Rows per chunk: large enough that per-chunk costs vanish, small enough to stay flat."""


def stream_rows(
    connection: Connection, query: Select[Any], size: int = CHUNK_ROWS
) -> Generator[Sequence[Sequence[Any]], None, None]:
    """The rows of ``query`` in chunks of ``size``, read in the connection's transaction."""
    dialect = connection.dialect
    if _psycopg(connection) and _ascii_safe(connection):
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
    with _copy_out(connection, f"COPY ({statement}) TO STDOUT", params) as copy:
        copy.set_types(types)
        rows = copy.rows()
        while chunk := list(islice(rows, size)):
            yield chunk


def stream_csv(
    connection: Connection, query: Select[Any], size: int = CHUNK_ROWS
) -> Generator[tuple[int, str], None, None]:
    """The rows of ``query`` as CSV text made by the PostgreSQL server, in chunks of ``size``
    rows: ``(rows, text)``. PostgreSQL with psycopg only (:func:`csv_on_server`).

    The text is what :func:`csv.writer` makes of the rows with each value as PostgreSQL
    writes it as text (dates as ``DateStyle`` says: select ``to_char`` for a fixed form),
    decoded in the connection's encoding: fields
    quoted only when they hold a comma, a quote or a line break, ``NULL`` and ``''``
    both empty, lines ending ``\\r\\n``. A query of one column is refused: the csv
    module quotes a lone empty field (``""``), which ``COPY`` cannot be asked to do.
    """
    selected = list(query.selected_columns)
    if len(selected) < 2:
        raise ValueError("stream_csv needs at least two columns")
    as_text = query.with_only_columns(*(func.nullif(cast(c, Text), "") for c in selected))
    statement, params, _types = _described(connection, as_text)
    with _copy_out(connection, f"COPY ({statement}) TO STDOUT (FORMAT csv)", params) as copy:
        encoding = copy.connection.info.encoding
        lines: list[Any] = []
        for line in copy:
            lines.append(line)
            if len(lines) == size:
                yield size, _crlf(lines).decode(encoding)
                lines = []
        if lines:
            yield len(lines), _crlf(lines).decode(encoding)


# The client encodings PostgreSQL supports in which a byte below 0x80 may be part of a
# multi-byte character: psycopg's COPY text parser would take a second byte 0x5C for
# an escape (GBK "乗x" read back as "亁").
_ASCII_UNSAFE = frozenset(
    {"big5", "gbk", "gb18030", "shift_jis", "shift_jis_2004", "johab", "cp949"}
)


def _ascii_safe(connection: Connection) -> bool:
    driver = connection.connection.driver_connection
    return driver.info.encoding not in _ASCII_UNSAFE  # type: ignore[union-attr]


def csv_on_server(connection: Connection) -> bool:
    """Whether :func:`stream_csv` can read from ``connection`` (in any client encoding: its
    text is decoded whole, never parsed)."""
    return _psycopg(connection)


def _psycopg(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def _crlf(lines: list[Any]) -> bytes:
    """``COPY``'s lines (one per row, ending ``\\n``) ending ``\\r\\n`` as the csv module's do."""
    text = b"".join(lines)
    if b'"' in text:
        # A quoted field may hold a line break of its own, to be kept as it is.
        return b"".join(bytes(line[:-1]) + b"\r\n" for line in lines)
    return text.replace(b"\n", b"\r\n")


@contextmanager
def _copy_out(connection: Connection, statement: str, params: Any) -> Iterator[Copy]:
    """A ``COPY … TO STDOUT`` in the connection's transaction."""
    # A COPY ended before its last row fails the transaction: the savepoint keeps it going.
    with connection.begin_nested():
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement, params) as copy:
                yield copy
        finally:
            cursor.close()
