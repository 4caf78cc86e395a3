"""Streamed reads give a query's rows, in chunks, whichever path the database takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import and_, func, select

from commons_core import Actor
from commons_core.demo import store_community
from commons_core.model import Gender, Household, Resident, ResidentStatus
from commons_core.services import Commons
from commons_core.storage import streaming

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
