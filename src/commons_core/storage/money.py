"""The column of a sum of money: ``NUMERIC(12, 2)``, with ``CHECK (… >= 0)`` unless negative.

The column that goes with :func:`commons_core.validation.money.money_field`::

    sale = community_table(
        "love_supermarket_sale",
        money_column("amount"),
        money_column("refund", nullable=True),
        money_column("adjustment", negative=True),
    )

The database then refuses what the field's rule refuses (a negative amount,
more than ten digits before the point) even for a write that bypassed the
rules, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Column, Numeric, event

from commons_core.validation.money import Money

__all__ = ["MONEY", "money_column"]

MONEY = Numeric(12, 2)
"""The column type of every sum of money: yuan with two places, below 10^10."""


def money_column(
    name: str, *, negative: bool = False, positive: bool = False, nullable: bool = False, **kw: Any
) -> Column[Any]:
    """A :data:`MONEY` column ``name``, with the CHECK constraint its field's sign asks for.

    ``negative`` and ``positive`` mean what they mean for
    :func:`~commons_core.validation.money.money_field`; the constraint is named
    ``<name>_not_negative`` or ``<name>_positive`` (``ck_<table>_…`` by the
    metadata's naming convention). Other keywords go to :class:`~sqlalchemy.Column`.
    """
    Money(negative=negative, positive=positive)  # refuses both at once
    column: Column[Any] = Column(name, MONEY, nullable=nullable, **kw)
    check = None
    if positive:
        check = (f"{name} > 0", f"{name}_positive")
    elif not negative:
        check = (f"{name} >= 0", f"{name}_not_negative")
    if check is not None:
        sql, constraint = check

        # A table's constraint (as a plugin's tables declare theirs), added when the
        # column joins its table.
        @event.listens_for(column, "after_parent_attach")
        def add_check(_column: Column[Any], table: Any) -> None:
            table.append_constraint(CheckConstraint(sql, name=constraint))

    return column
