"""What an import has seen so far (ID numbers, household numbers), kept on disk.

An import must notice that row 900,000 repeats the ID number of row 12, and
which households its rows touched (to check their heads once every row is
in), without holding a million keys in memory. A private temporary SQLite
database (``sqlite3.connect("")`` is a file that disappears when closed,
with a small page cache) holds them: one indexed look-up and one insert per
batch, and flat memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

__all__ = ["SeenKeys"]

_LOOKUP_CHUNK = 5000


class SeenKeys:
    """Keys of earlier batches with the row that first had them; a context manager.

    Changes wait for :meth:`commit` (after the batch's unit of work has
    committed) or are dropped by :meth:`rollback`, so a batch that fails
    leaves no trace here either.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE k (kind TEXT, key TEXT, row INTEGER, PRIMARY KEY (kind, key))"
        )
        # Row numbers as text ("2,5,9"): one row per household keeps the store small.
        self._db.execute("CREATE TABLE home (key TEXT PRIMARY KEY, rows TEXT)")
        self._db.execute("BEGIN")

    def rows(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        """The first row of each of ``keys`` seen before under ``kind``."""
        wanted = list(keys)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    f"SELECT key, row FROM k WHERE kind = ? AND key IN ({marks})", [kind, *chunk]
                ).fetchall()
            )
        return found

    def add(self, kind: str, items: Iterable[tuple[str, int]]) -> None:
        """Remember ``(key, row)`` pairs under ``kind``."""
        self._db.executemany(
            "INSERT OR IGNORE INTO k VALUES (?, ?, ?)", ((kind, k, r) for k, r in items)
        )

    def touch(self, items: Iterable[tuple[str, Sequence[int]]]) -> None:
        """Remember the rows that touched each household (by key), after earlier batches' rows."""
        self._db.executemany(
            "INSERT INTO home VALUES (?, ?) ON CONFLICT (key)"
            " DO UPDATE SET rows = rows || ',' || excluded.rows",
            ((k, ",".join(map(str, rows))) for k, rows in items),
        )

    def touched(self, size: int) -> Iterator[list[tuple[str, list[int]]]]:
        """Every household touched with its rows, ``size`` at a time, in the order first touched."""
        cursor = self._db.execute("SELECT key, rows FROM home ORDER BY rowid")
        while chunk := cursor.fetchmany(size):
            yield [(key, [int(r) for r in rows.split(",")]) for key, rows in chunk]

    def commit(self) -> None:
        """Keep what the batch added."""
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def rollback(self) -> None:
        """Forget what the batch added."""
        self._db.execute("ROLLBACK")
        self._db.execute("BEGIN")

    def close(self) -> None:
        """Delete the temporary database."""
        self._db.close()

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
