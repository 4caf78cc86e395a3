"""What an import has seen so far (ID numbers, household numbers), kept on disk.

An import must notice that row 900,000 repeats the ID number of row 12, and
which households it created still lack a head, without holding a million
keys in memory. A private temporary SQLite database (``sqlite3.connect("")``
is a file that disappears when closed, with a small page cache) holds them:
one indexed look-up and one insert per batch, and flat memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
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
        self._db.execute("CREATE TABLE head (key TEXT PRIMARY KEY, row INTEGER, has_head INTEGER)")
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

    def households(self, items: Iterable[tuple[str, int, bool]]) -> None:
        """Remember households (number, first row, whether they have a head)."""
        self._db.executemany(
            "INSERT INTO head VALUES (?, ?, ?) ON CONFLICT (key)"
            " DO UPDATE SET has_head = max(has_head, excluded.has_head)",
            ((k, r, int(h)) for k, r, h in items),
        )

    def headless(self) -> list[tuple[str, int]]:
        """Households touched that have no head: ``(household number, first row)``."""
        return self._db.execute(
            "SELECT key, row FROM head WHERE has_head = 0 ORDER BY row"
        ).fetchall()

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
