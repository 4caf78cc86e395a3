"""Unique-constraint violations, read from the database's error on SQLite and PostgreSQL.

A write that would store a taken value (a second resident with the same ID
number, a household number used twice) fails in the database, whose error
names the constraint — and on PostgreSQL the values, which may be sensitive.
:func:`duplicate_error` turns it into the SDK's own
:class:`~commons_core.errors.DuplicateError`, naming only the fields, so
every write path answers alike (and never with the value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import Index, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import md5_hex

from commons_core.errors import DuplicateError

__all__ = ["duplicate_error", "unique_violation"]

UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE of a unique-constraint violation."""

POSTGRES_NAME_LENGTH = 63
"""The longest name PostgreSQL keeps; SQLAlchemy shortens longer generated names."""

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<cols>.+))")


def unique_violation(error: DBAPIError, table: Table) -> tuple[str, ...] | None:
    """The fields of ``table`` whose unique constraint ``error`` reports; ``None`` if it is not one.

    ``community_id`` is left out when other columns remain (every constraint
    of a community's table starts with it); an empty tuple means the
    database did not say which constraint.
    """
    original = error.orig
    if getattr(original, "sqlstate", None) == UNIQUE_VIOLATION:
        name = getattr(getattr(original, "diag", None), "constraint_name", None)
        return _fields(_constraint_columns(table, name))
    found = _SQLITE_UNIQUE.search(str(original)) if original is not None else None
    if found is None:
        return None
    if found.group("index") is not None:
        return _fields(_constraint_columns(table, found.group("index")))
    return _fields([c.strip().rpartition(".")[2] for c in found.group("cols").split(",")])


def duplicate_error(
    error: DBAPIError,
    table: Table,
    entity: str | None = None,
    names: Mapping[str, tuple[str, str]] | None = None,
) -> DuplicateError | None:
    """``error`` as a :class:`DuplicateError` of ``entity`` (default: the table's name), if it is
    a unique-constraint violation; ``names`` are the labels the error's message uses."""
    fields = unique_violation(error, table)
    if fields is None:
        return None
    return DuplicateError(entity or table.name, fields, names)


def _constraint_columns(table: Table, name: object) -> list[str]:
    if not isinstance(name, str):
        return []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and _named(
            constraint.name, name
        ):
            return [c.name for c in constraint.columns]
    for index in table.indexes:
        if isinstance(index, Index) and index.unique and _named(index.name, name):
            return [c.name for c in index.columns]
    return []


def _named(declared: object, stored: str) -> bool:
    """Whether the database's name ``stored`` is the constraint named ``declared`` in code.

    A generated name too long for PostgreSQL is stored as SQLAlchemy shortens
    it: its first 55 characters, ``_`` and the last 4 hex digits of its MD5.
    """
    if not isinstance(declared, str):
        return False
    if declared == stored:
        return True
    keep = POSTGRES_NAME_LENGTH - 8
    return len(declared) > POSTGRES_NAME_LENGTH and stored == (
        f"{declared[:keep]}_{md5_hex(declared)[-4:]}"
    )


def _fields(columns: list[str]) -> tuple[str, ...]:
    named = [c for c in columns if c != "community_id"]
    return tuple(named or columns)
