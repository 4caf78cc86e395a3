"""Streamed reads give a query's rows, in chunks, whichever path the database takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import Any

import pytest
from sqlalchemy import and_, func, literal, select

from commons_core import Actor
from commons_core.demo import store_community
from commons_core.model import Gender, Household, Resident, ResidentStatus
from commons_core.services import Commons
from commons_core.storage import streaming
from commons_core.storage.tables import community

from .samples import small_community


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many reads went through ``COPY``."""
    calls: list[int] = []
    real = streaming._copy_rows

    def counted(*args: Any) -> Iterator[Sequence[Sequence[Any]]]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(streaming, "_copy_rows", counted)
    return calls


def test_streamed_rows_are_the_query_rows(
    commons: Commons, admin: Actor, copies: list[int]
) -> None:
    """Text, numbers, dates, UUIDs and NULLs (phones, households) come as a cursor gives
    them, for a statement whose parameters go through their types and expand into lists."""
    with commons.unit_of_work(admin) as uow:
        store_community(uow, small_community())
    with commons.unit_of_work(admin, readonly=True) as uow:
        r = uow.scoped(Resident)
        h = uow.scoped(Household)
        query = (
            select(r.c.id, r.c.name, r.c.birth_date, r.c.phone, r.c.version, h.c.household_no)
            .select_from(
                r.outerjoin(
                    h, and_(h.c.community_id == r.c.community_id, h.c.id == r.c.household_id)
                )
            )
            .where(r.c.status == ResidentStatus.ACTIVE, r.c.gender.in_(list(Gender)))
            .order_by(r.c.id)
        )
        expected = [tuple(row) for row in uow.connection.execute(query)]
        chunks = list(streaming.stream_rows(uow.connection, query, size=7))
    assert [tuple(row) for chunk in chunks for row in chunk] == expected
    assert [len(c) for c in chunks[:-1]] == [7] * (len(chunks) - 1)
    assert 0 < len(chunks[-1]) <= 7
    assert len(expected) > 50
    assert any(row[3] is None for row in expected)
    assert copies == ([1] if commons.engine.dialect.name == "postgresql" else [])


def test_columns_whose_type_converts_results_are_read_by_a_cursor(
    commons: Commons, admin: Actor, copies: list[int]
) -> None:
    """An enum column is made an enum member by its type: COPY would give the stored text."""
    with commons.unit_of_work(admin) as uow:
        store_community(uow, small_community())
    with commons.unit_of_work(admin, readonly=True) as uow:
        r = uow.scoped(Resident)
        query = select(r.c.gender, func.count()).group_by(r.c.gender).order_by(r.c.gender)
        rows = [
            tuple(row) for chunk in streaming.stream_rows(uow.connection, query) for row in chunk
        ]
        assert rows == [tuple(row) for row in uow.connection.execute(query)]
    assert type(rows[0][0]).__name__ == "Gender"
    assert copies == []


def test_numbers_with_decimals_stream_as_a_cursor_gives_them(
    commons: Commons, admin: Actor
) -> None:
    """``Numeric`` columns (a community's area): their type's processing depends on what
    the server says the column is."""
    with commons.unit_of_work(admin) as uow:
        store_community(uow, small_community())
    with commons.unit_of_work(admin, readonly=True) as uow:
        query = select(community.c.name, community.c.area_km2, community.c.office_area_m2)
        rows = [
            tuple(row) for chunk in streaming.stream_rows(uow.connection, query) for row in chunk
        ]
        assert rows == [tuple(row) for row in uow.connection.execute(query)]
    assert len(rows) == 1


def test_a_stream_closed_early_leaves_the_transaction_usable(
    commons: Commons, admin: Actor
) -> None:
    """On PostgreSQL closing ends the COPY, which fails the transaction but for the
    savepoint the stream takes (rows enough that the server is still sending)."""
    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < 200_000))
    query = select(numbers.c.n, literal("x" * 50).label("text"))
    with commons.unit_of_work(admin, readonly=True) as uow:
        with closing(streaming.stream_rows(uow.connection, query, size=5)) as chunks:
            first = next(chunks)
        assert [row[0] for row in first] == [1, 2, 3, 4, 5]
        assert uow.connection.execute(select(literal(7))).scalar_one() == 7
