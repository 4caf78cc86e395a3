"""Sensitive columns in queries: a filter, sort or computation on one needs its reveal permission.

A query that filters, sorts, groups or joins on a sensitive column, or
computes anything from one, is an oracle: ``WHERE id_number LIKE '1101%'``
answers a question about values the actor may only see masked, one row
count at a time. :class:`QueryGuard` finds every such use in an SQLAlchemy
expression or statement, whatever its shape: columns of the tables
themselves, of aliases (``table.alias()``), subqueries, CTEs and
``uow.scoped()`` (resolved through SQLAlchemy's ``proxy_set`` to the base
table's column), inside functions, casts, ``LIKE``, ``CASE`` and joins, and on
any entity's table, not only the one being read. What cannot be resolved —
``text()`` fragments, ``literal_column()``, whole-row references — may
concern any sensitive column, so it needs every reveal permission.

Plain reads are not uses: a SELECT list naming a sensitive column (the
repositories read rows so, then mask them) passes; a computation over one in
a SELECT list (``substr(id_number, 7, 8)``, ``sum(CASE WHEN statuses …)``)
does not. A whole statement written as SQL text (``text()``,
``exec_driver_sql``) cannot be checked either, so it too needs every reveal
permission; whoever holds them all (administrators, auditors) may run any.

The unit of work applies the guard twice: :meth:`Repository.find` and the
other entry points check their criteria and ordering before building the
statement (:meth:`QueryGuard.check_criteria`), and an event on the unit of
work's connection checks every statement executed on it
(:meth:`QueryGuard.check_statement`), so statements built on
:meth:`UnitOfWork.scoped` are refused as well. The SDK marks its own
statements that must use a sensitive column, or SQL text, for an actor who
may not see it (the server-side masks of an export, the audit trail's writer,
row-level security's settings) with the execution option :data:`INTERNAL`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
from sqlalchemy import Table
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import (
    ColumnClause,
    ColumnElement,
    Label,
    TextClause,
    _textual_label_reference,
)
from sqlalchemy.sql.selectable import (
    CompoundSelect,
    FromClause,
    Join,
    Select,
    TableClause,
    TextualSelect,
    _CompoundSelectKeyword,
)

from commons_core.errors import AccessDenied
from commons_core.model import Sensitivity, sensitive_fields
from commons_core.storage.internal import INTERNAL, internal
from commons_core.storage.schema import Entity

__all__ = ["INTERNAL", "QueryGuard", "Use", "internal"]

UNRESOLVED = "an expression that cannot be checked (SQL text, literal column or whole row)"


@attrs.frozen
class Use:
    """One use of sensitive data in a query: the kinds it may concern, and where."""

    kinds: frozenset[Sensitivity]
    where: str


class QueryGuard:
    """The sensitive columns of every entity's table, and the checks of queries against them."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self._columns: dict[tuple[str, str], Sensitivity] = {}
        self._names: dict[str, set[Sensitivity]] = {}
        self._tables: dict[str, set[Sensitivity]] = {}
        for entity in entities:
            for name, kind in sensitive_fields(entity.model).items():
                table = entity.table.name.lower()
                self._columns[(table, name.lower())] = kind
                self._names.setdefault(name.lower(), set()).add(kind)
                self._tables.setdefault(table, set()).add(kind)
        self.kinds = frozenset(self._columns.values())

    # -- checks -----------------------------------------------------------------

    def check_criteria(
        self, expressions: Iterable[Any], allowed: Callable[[Sensitivity], bool], actor: str
    ) -> None:
        """Refuse criteria or ordering that use sensitive data ``actor`` may not reveal."""
        self._refuse(self.criteria_uses(expressions), allowed, actor, "filter or sort")

    def check_statement(
        self, statement: Any, allowed: Callable[[Sensitivity], bool], actor: str
    ) -> None:
        """Refuse a statement that filters, sorts, joins or computes on such data."""
        self._refuse(self.statement_uses(statement), allowed, actor, "query")

    def _refuse(
        self, uses: Iterable[Use], allowed: Callable[[Sensitivity], bool], actor: str, what: str
    ) -> None:
        for use in uses:
            for kind in sorted(use.kinds):
                if not allowed(kind):
                    raise AccessDenied(actor, kind.permission, f"{what} on {use.where}")

    # -- finding uses -------------------------------------------------------------

    def criteria_uses(self, expressions: Iterable[Any]) -> Iterator[Use]:
        """Every use of sensitive data in criteria or ordering (anything in them counts)."""
        for expression in expressions:
            yield from self._uses(expression)

    def statement_uses(self, statement: Any) -> Iterator[Use]:
        """Every use of sensitive data in a statement other than reading a column as it is."""
        if isinstance(statement, str | TextClause | TextualSelect):
            # SQL text cannot be checked: it may use any sensitive column (see the module's doc).
            sql = statement if isinstance(statement, str) else str(statement)
            yield Use(self.kinds, f"{UNRESOLVED}: {sql[:60]!r}")
            return
        if isinstance(statement, Select | CompoundSelect):
            yield from self._select(statement)
        elif isinstance(statement, Update):
            yield from self._clauses(statement._where_criteria)
            for value in (statement._values or {}).values():
                yield from self._uses(value)
        elif isinstance(statement, Delete):
            yield from self._clauses(statement._where_criteria)
        elif isinstance(statement, Insert):
            if statement.select is not None:
                yield from self._uses(statement.select)  # copied values: every use counts
            for value in (statement._values or {}).values():
                yield from self._uses(value)
            for row in statement._multi_values or ():
                for values in row:
                    items = values.values() if isinstance(values, dict) else values
                    for value in items:
                        yield from self._uses(value)

    def _select(self, select: Select[Any] | CompoundSelect[Any]) -> Iterator[Use]:
        """A SELECT: its columns may read sensitive columns, nothing else may use them."""
        if isinstance(select, CompoundSelect):
            # UNION, INTERSECT and EXCEPT compare the rows they read (UNION to drop the
            # duplicates): a guessed value against a column. Only UNION ALL just reads.
            compares = select.keyword is not _CompoundSelectKeyword.UNION_ALL
            for part in select.selects:
                if isinstance(part, Select | CompoundSelect):
                    yield from self._select(part)
                    if compares and isinstance(part, Select):
                        for column in part._raw_columns:
                            yield from self._uses(column)
                else:
                    yield from self._uses(part)  # a textual SELECT among them
        else:
            for column in select._raw_columns:
                if not _plain_read(column):
                    yield from self._uses(column)
            yield from self._clauses(select._where_criteria)
            yield from self._clauses(select._having_criteria)
            yield from self._clauses(select._distinct_on)
            yield from self._froms(select.get_final_froms())
        labels = _labels(select)
        for clause in (*select._order_by_clauses, *select._group_by_clauses):
            yield from self._uses(clause)
            for element in visitors.iterate(clause):
                # order_by("n"): the column the select labelled n.
                if isinstance(element, _textual_label_reference) and element.element in labels:
                    yield from self._uses(labels[str(element.element)])
        for limit in (select._limit_clause, select._offset_clause):
            if limit is not None:
                yield from self._uses(limit)

    def _froms(self, froms: Iterable[FromClause]) -> Iterator[Use]:
        for source in froms:
            if isinstance(source, TableClause):
                continue
            if isinstance(source, Join):
                yield from self._froms((source.left, source.right))
                yield from self._uses(source.onclause)
                continue
            inner = getattr(source, "element", None)
            if isinstance(inner, Select | CompoundSelect):
                yield from self._select(inner)  # a subquery, CTE or lateral: as a SELECT
            elif isinstance(inner, FromClause):
                yield from self._froms((inner,))  # an alias of a table or a join
            else:
                yield from self._uses(source)  # a function's rows, SQL text …: every use counts

    def _clauses(self, clauses: Iterable[Any]) -> Iterator[Use]:
        for clause in clauses:
            yield from self._uses(clause)

    def _uses(self, expression: Any) -> Iterator[Use]:
        """Every use of sensitive data anywhere in ``expression`` (nested queries included)."""
        if expression is None:
            return
        if isinstance(expression, str):  # order_by("id_number"): a column by its name
            named = self._names.get(expression.lower())
            if named:
                yield Use(frozenset(named), f"a column named {expression}")
            return
        for element in visitors.iterate(expression):
            yield from self._element(element)

    def _element(self, element: Any) -> Iterator[Use]:
        if isinstance(element, _textual_label_reference):
            # A sort or group by name (order_by("id_number"), desc("id_number")): whatever
            # column of that name the query reads.
            named = self._names.get(str(element.element).lower())
            if named:
                yield Use(frozenset(named), f"a column named {element.element}")
        elif isinstance(element, TextClause):
            yield Use(self.kinds, f"{UNRESOLVED}: {element.text[:60]!r}")
        elif _whole_row(element):
            table = _named_table(element.scalar_alias)
            kinds = self.kinds if table is None else self._tables.get(table, set())
            if kinds:
                yield Use(frozenset(kinds), f"{UNRESOLVED}: a whole row of {table or '?'}")
        elif isinstance(element, ColumnClause):
            yield from self._column(element, set())

    def _column(self, column: ColumnClause[Any], seen: set[int]) -> Iterator[Use]:
        """Resolve a column through aliases, subqueries and labels to what it is made of."""
        if id(column) in seen:
            return
        seen.add(id(column))
        if column.is_literal:
            if column.name != "*":  # count(*)
                yield Use(self.kinds, f"{UNRESOLVED}: {column.name[:60]!r}")
            return
        source = column.table
        if source is None:
            # A bare column("name"): whichever table of the query has a column of that name.
            kinds = self._names.get(column.name.lower())
            if kinds:
                yield Use(frozenset(kinds), f"a column named {column.name}")
            return
        table = _named_table(source)
        if table is not None:
            kind = self._columns.get((table, column.name.lower()))
            if kind is not None:
                yield Use(frozenset({kind}), f"{table}.{column.name}")
            return
        resolved = False
        for proxied in column.proxy_set:
            if proxied is column:
                continue
            resolved = True
            if isinstance(proxied, ColumnClause):
                yield from self._column(proxied, seen)
            else:
                yield from self._uses(proxied)  # a label, function or expression
        if not resolved:
            # A column of a function's rows (unnest(…), json_each(…)): what the function reads.
            yield from self._uses(getattr(source, "element", None))


def _labels(select: Select[Any] | CompoundSelect[Any]) -> dict[str, Any]:
    """The labelled columns of a select (of its first part, for a compound), by label."""
    while isinstance(select, CompoundSelect):
        first = select.selects[0]
        if not isinstance(first, Select | CompoundSelect):
            return {}
        select = first
    return {
        str(column.name): column.element
        for column in select._raw_columns
        if isinstance(column, Label)
    }


def _named_table(source: Any) -> str | None:
    """The table's name if ``source`` is a table itself (not an alias or a subquery)."""
    if isinstance(source, Table | TableClause) and not isinstance(source, Join):
        return str(source.name).lower()
    return None


def _whole_row(element: Any) -> bool:
    return type(element).__name__ == "TableValuedColumn"


def _plain_read(column: Any) -> bool:
    """A SELECT list entry that only reads: a column, a labelled column, a whole table."""
    while isinstance(column, Label):
        column = column.element
    if isinstance(column, ColumnClause):
        return not column.is_literal
    # A table or subquery, not a function (which SQLAlchemy makes a FROM clause too).
    return isinstance(column, FromClause) and not isinstance(column, ColumnElement)
