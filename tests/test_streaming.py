"""Streamed reads give a query's rows, in chunks, whichever path the database takes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import date
from typing import Any

import pytest
from sqlalchemy import ARRAY, Integer, Text, and_, func, literal, literal_column, select, union_all

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


def _as_csv(rows: Sequence[Sequence[Any]]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


@pytest.fixture
def postgres_only(commons: Commons) -> None:
    with commons.engine.connect() as connection:
        on_server = streaming.csv_on_server(connection)
    if not on_server:
        pytest.skip("the server writes CSV on PostgreSQL (psycopg) only")


ODD_TEXTS = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "", None, " lead", "\\.", "汉族、回族"]


@pytest.mark.usefixtures("postgres_only")
def test_csv_made_by_the_server_is_what_the_csv_module_makes(
    commons: Commons, admin: Actor
) -> None:
    """Commas, quotes, line breaks of either kind inside a field, empty text and NULL,
    numbers and dates: the same text as csv.writer makes of the rows, chunk by chunk."""
    texts = ODD_TEXTS * 3
    values = (
        func.unnest(literal(texts, ARRAY(Text)), literal(list(range(len(texts))), ARRAY(Integer)))
        .table_valued("text", "n")
        .render_derived()
    )
    query = select(values.c.n, values.c.text, literal(date(2024, 2, 29))).order_by(values.c.n)
    with commons.unit_of_work(admin, readonly=True) as uow:
        pieces = list(streaming.stream_csv(uow.connection, query, size=4))
    expected = [(n, text or "", "2024-02-29") for n, text in enumerate(texts)]
    assert "".join(text for _rows, text in pieces) == _as_csv(expected)
    assert [rows for rows, _text in pieces] == [4] * 6 + [3]
    assert _as_csv(expected[:4]) == pieces[0][1]


@pytest.mark.usefixtures("postgres_only")
def test_csv_of_one_column_is_refused(commons: Commons, admin: Actor) -> None:
    """csv.writer writes a lone empty field as "", which COPY cannot be asked to do."""
    with (
        commons.unit_of_work(admin, readonly=True) as uow,
        pytest.raises(ValueError, match="two columns"),
    ):
        next(streaming.stream_csv(uow.connection, select(literal("x"))))


@pytest.mark.usefixtures("postgres_only")
def test_a_csv_stream_closed_early_leaves_the_transaction_usable(
    commons: Commons, admin: Actor
) -> None:
    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < 200_000))
    query = select(numbers.c.n, literal("x" * 50).label("text"))
    with commons.unit_of_work(admin, readonly=True) as uow:
        with closing(streaming.stream_csv(uow.connection, query, size=5)) as pieces:
            rows, text = next(pieces)
        assert (rows, text.splitlines()[0]) == (5, "1," + "x" * 50)
        assert uow.connection.execute(select(literal(7))).scalar_one() == 7


@pytest.mark.usefixtures("postgres_only")
def test_text_in_an_encoding_whose_characters_hold_a_backslash_byte(
    commons: Commons, admin: Actor, copies: list[int]
) -> None:
    """In GBK "乗" ends with the byte of a backslash: COPY's text form, parsed by psycopg,
    would take it for an escape ("乗x" read as "亁"), so such connections read by cursor;
    the server's CSV, decoded whole, is right either way."""
    texts = ["乗x", "乗", "乗n", "a\\b"]
    # Made by the server: psycopg's own text arrays break in GBK the same way.
    made_there = [f"chr({ord(t[0])}) || '{t[1:]}'" for t in texts]
    rows_there = [
        select(literal_column(e).label("text"), literal(n).label("n"))
        for n, e in enumerate(made_there)
    ]
    values = union_all(*rows_there).subquery()
    query = select(values.c.text, values.c.n).order_by(values.c.n)
    with commons.unit_of_work(admin, readonly=True) as uow:
        uow.connection.exec_driver_sql("SET LOCAL client_encoding = 'GBK'")
        chunks = streaming.stream_rows(uow.connection, query)
        rows = [tuple(row) for chunk in chunks for row in chunk]
        made = "".join(text for _rows, text in streaming.stream_csv(uow.connection, query))
    assert rows == [(text, n) for n, text in enumerate(texts)]
    assert copies == []
    assert made == _as_csv(rows)
