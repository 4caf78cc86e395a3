"""Bulk writes: many rows into one table in one round trip, in the caller's transaction.

On PostgreSQL, rows go through ``COPY … FROM STDIN`` (psycopg), faster than
an ``executemany`` of INSERTs (see ``docs/performance.md``), unless row-level
security applies to the current role (PostgreSQL refuses ``COPY FROM`` then:
one ``INSERT … SELECT FROM unnest(…)`` of one array per column is used) or
the batch is too small to gain. On SQLite, it is the driver's own
``executemany`` of the compiled INSERT, inside the unit of work's ``BEGIN
IMMEDIATE`` transaction, which saves SQLAlchemy's per-row bookkeeping.

Values are bound through each column's own type, exactly as a Core INSERT
would bind them, so every path stores the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Dialect,
    Table,
    Text,
    Uuid,
    bindparam,
    cast,
    insert,
    text,
)
from sqlalchemy.exc import DBAPIError

from commons_core.storage.integrity import duplicate_error
from commons_core.storage.internal import INTERNAL, internal
from commons_core.storage.schema import EnumValue

__all__ = [
    "ANALYZE_FIRST",
    "BULK_SQLITE_PRAGMAS",
    "COPY_THRESHOLD",
    "BulkLoad",
    "bulk_load",
    "insert_rows",
    "statistics_due",
]

COPY_THRESHOLD = 50
"""Fewer rows than this go through a Core INSERT: the bulk paths' set-up costs more."""
_OWN = {INTERNAL: True}
"""The execution options of the SDK's own SQL text here (see :mod:`.internal`)."""


BULK_SQLITE_PRAGMAS = {"cache_size": -65536}
"""SQLite settings for a bulk load: a 64 MiB page cache, since rows keyed by
random UUIDs touch index pages all over the file and SQLite's default 2 MiB
cache reads them again for every batch. (``temp_store`` cannot change inside
the unit of work's transaction, and the import makes no temporary indexes.)
The benchmark's raw-driver baseline runs with the same settings."""


ANALYZE_FIRST = 5_000
"""Rows a PostgreSQL bulk load writes before it first refreshes the planner's statistics."""


def statistics_due(written: int, analysed_at: int) -> bool:
    """Whether a load that has written ``written`` rows, last analysed at ``analysed_at``, should
    ``ANALYZE`` again: first at :data:`ANALYZE_FIRST` rows, then each time the rows double."""
    return written >= max(ANALYZE_FIRST, 2 * analysed_at)


class BulkLoad:
    """The statistics side of a bulk load: call :meth:`wrote` after each batch.

    On PostgreSQL the planner's statistics of tables filled inside one
    transaction stay those of the tables before it (autovacuum cannot see
    uncommitted rows, and catches up with committed ones only after a
    while), so the queries a batch runs — matching ID numbers, checking
    references — are planned for nearly empty tables and read a whole
    community through the wrong index, and under row-level security
    evaluate the policy on every row read. Each time the rows written double,
    the load runs ``ANALYZE`` on ``tables`` (which samples the transaction's
    own rows too), so the work stays proportional to the rows (log₂ n
    refreshes). One load may span several transactions (an import that
    commits batch by batch).
    """

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = tables
        self.written = 0
        self._analysed_at = 0

    def wrote(self, connection: Connection, rows: int) -> None:
        """Note ``rows`` more rows written on ``connection``; refresh statistics when doubled."""
        self.written += rows
        if connection.dialect.name != "postgresql" or not self.tables:
            return
        if not statistics_due(self.written, self._analysed_at):
            return
        self._analysed_at = self.written
        # ANALYZE needs the tables' owner, the login role; the unit of work has
        # dropped to the application role for this transaction: step back up for
        # this one statement only, then drop again.
        role = connection.exec_driver_sql("SHOW role", execution_options=_OWN).scalar_one()
        names = ", ".join(
            connection.dialect.identifier_preparer.format_table(t) for t in self.tables
        )
        connection.exec_driver_sql("RESET ROLE", execution_options=_OWN)
        try:
            connection.exec_driver_sql(f"ANALYZE {names}", execution_options=_OWN)
        finally:
            if role != "none":
                connection.execute(
                    internal(text("SELECT set_config('role', :role, true)")), {"role": role}
                )


@contextmanager
def bulk_load(connection: Connection) -> Iterator[None]:
    """Apply :data:`BULK_SQLITE_PRAGMAS` to a SQLite connection for the block, then restore."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    before = {name: driver.execute(f"PRAGMA {name}").fetchone()[0] for name in BULK_SQLITE_PRAGMAS}
    try:
        for name, value in BULK_SQLITE_PRAGMAS.items():
            driver.execute(f"PRAGMA {name}={int(value)}")
        yield
    finally:
        for name, value in before.items():
            driver.execute(f"PRAGMA {name}={int(value)}")


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ready: Collection[str] = (),
) -> None:
    """Insert ``rows`` (column name → value, every row with the same keys) into ``table``.

    Values of the columns named in ``ready`` are already in the form the
    driver takes (a JSON column's text, serialised once by the caller). A
    row whose value a unique constraint forbids fails the whole call with
    :class:`~commons_core.errors.DuplicateError` (naming the fields, never
    the values), whichever path wrote it.
    """
    if not rows:
        return
    try:
        _insert(connection, table, rows, ready)
    except DBAPIError as error:
        duplicate = duplicate_error(error, table)
        if duplicate is None:
            raise
        raise duplicate from None


def _insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: Collection[str]
) -> None:
    dialect = connection.dialect.name
    if len(rows) < COPY_THRESHOLD:
        _core_insert(connection, table, rows, ready)
        return
    dbapi = connection.dialect.loaded_dbapi
    try:
        if dialect == "postgresql":
            if _row_security_active(connection, table):
                _unnest(connection, table, rows, ready)
            else:
                _copy(connection, table, rows, ready)
        elif dialect == "sqlite":
            _executemany(connection, table, rows, ready)
        else:
            _core_insert(connection, table, rows, ready)
    except dbapi.Error as error:
        # The driver's own error, wrapped as SQLAlchemy wraps it on the INSERT path.
        raise DBAPIError.instance(
            f"bulk insert into {table.name}", None, error, dbapi.Error
        ) from error


def _core_insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: Collection[str]
) -> None:
    statement = insert(table)
    if ready:
        # Text the caller made ready, cast by PostgreSQL to the column's type; SQLite
        # stores JSON as the text itself (its CAST to JSON would make a number).
        sqlite = connection.dialect.name == "sqlite"
        statement = statement.values(
            {
                name: bindparam(name, type_=Text())
                if sqlite
                else cast(bindparam(name, type_=Text()), table.c[name].type)
                for name in ready
            }
        )
    connection.execute(statement, list(rows))


def _row_security_active(connection: Connection, table: Table) -> bool:
    name = connection.dialect.identifier_preparer.format_table(table)
    return bool(
        connection.execute(internal(text("SELECT row_security_active(:t)")), {"t": name}).scalar()
    )


def _fast_bind(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind function, with a shortcut for the values bulk loads carry most.

    Shortcuts give exactly what the type's own function gives (it still
    handles every other value): enum members by a dict look-up; on SQLite,
    UUIDs as their hex text, dates as ISO text, and a time repeated from the
    previous row as the text made for it.
    """
    impl = column_type.dialect_impl(dialect)
    process: Callable[[Any], Any] | None = impl.bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, EnumValue):
        known = {member: member.value for member in column_type.enum}

        def enum_value(value: Any) -> Any:
            found = known.get(value) if value is not None else None
            return found if found is not None else process(value)

        return enum_value
    if dialect.name != "sqlite":
        return process
    if isinstance(column_type, Uuid) and column_type.as_uuid:

        def uuid_hex(value: Any) -> Any:
            return value.hex if type(value) is UUID else process(value)

        return uuid_hex
    if isinstance(column_type, Date):

        def iso_date(value: Any) -> Any:
            # SQLite's DATE text is "%04d-%02d-%02d": isoformat, for dates (not datetimes).
            return value.isoformat() if type(value) is date else process(value)

        return iso_date
    if isinstance(column_type, DateTime):
        # The rows of a batch share their time (the audit entries' ``at``): bind it once.
        last: list[Any] = [None, None]

        def same_time(value: Any) -> Any:
            if value is not last[0]:
                last[:] = [value, process(value)]
            return last[1]

        return same_time
    return process


def _row_function(
    connection: Connection, table: Table, names: Sequence[str], ready: Collection[str]
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """One function that turns a row mapping into the driver's tuple, binds pre-chosen.

    Generated once per batch, as attrs and cattrs generate their methods: a
    loop over columns per row costs as much as SQLite's own work.
    """
    dialect = connection.dialect
    scope: dict[str, Any] = {}
    cells = []
    for index, name in enumerate(names):
        bind = None if name in ready else _fast_bind(table.c[name].type, dialect)
        if bind is None:
            cells.append(f"row[{name!r}]")
        else:
            scope[f"bind{index}"] = bind
            cells.append(f"bind{index}(row[{name!r}])")
    function: Callable[[Mapping[str, Any]], tuple[Any, ...]] = eval(
        f"lambda row: ({', '.join(cells)},)", scope
    )
    return function


def _executemany(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: Collection[str]
) -> None:
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(rows[0]))
    make = _row_function(connection, table, compiled.positiontup or (), ready)
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    cursor = driver.cursor()
    try:
        cursor.executemany(str(compiled), map(make, rows))
    finally:
        cursor.close()


def _copy(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: Collection[str]
) -> None:
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    make = _row_function(connection, table, names, ready)
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)}"
        f" ({', '.join(preparer.format_column(c) for c in columns)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(make(row))


def _unnest(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: Collection[str]
) -> None:
    """PostgreSQL under row-level security: one INSERT … SELECT FROM unnest(arrays).

    The policies check every row as for any INSERT; one statement with one
    array per column costs far less than an ``executemany`` of single-row
    INSERTs (see ``docs/performance.md``).
    """
    names = list(rows[0])
    make = _row_function(connection, table, names, ready)
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    # Arrays sent in binary (%b): psycopg makes text arrays in Python, escaping every
    # element with a regular expression (40 % of an import's time); binary is 10× faster.
    arrays = [f"%b::{table.c[name].type.compile(dialect=dialect)}[]" for name in names]
    statement = (
        f"INSERT INTO {preparer.format_table(table)}"
        f" ({', '.join(preparer.format_column(table.c[name]) for name in names)})"
        f" SELECT * FROM unnest({', '.join(arrays)})"
    )
    columns = [list(values) for values in zip(*map(make, rows), strict=True)]
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection always has its driver connection
    with driver.cursor() as cursor:
        cursor.execute(statement, columns)
