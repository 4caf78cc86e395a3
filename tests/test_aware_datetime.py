"""``AwareDateTime``: moments keep their meaning on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.exc import StatementError

from commons_core.storage import AwareDateTime, make_engine


def _table() -> Table:
    return Table(
        "moments", MetaData(), Column("n", Integer, primary_key=True), Column("at", AwareDateTime)
    )


def test_a_moment_reads_back_as_the_same_instant_in_utc(commons_db_url: str) -> None:
    table = _table()
    engine = make_engine(commons_db_url)
    evening = datetime(2026, 2, 16, 20, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    urumqi = datetime(2026, 2, 16, 20, 30, tzinfo=timezone(timedelta(hours=6)))
    try:
        with engine.begin() as connection:
            table.create(connection)
            connection.execute(
                table.insert(),
                [{"n": 1, "at": evening}, {"n": 2, "at": urumqi}, {"n": 3, "at": None}],
            )
            rows = dict(connection.execute(select(table.c.n, table.c.at)).all())
    finally:
        engine.dispose()
    assert rows[1] == evening
    assert rows[1].tzinfo is not None
    assert rows[1].utcoffset() == timedelta(0)
    assert rows[1] == datetime(2026, 2, 16, 12, 30, tzinfo=UTC)
    assert rows[2] - rows[1] == timedelta(hours=2)
    assert rows[3] is None


def test_a_naive_datetime_is_refused(commons_db_url: str) -> None:
    table = _table()
    engine = make_engine(commons_db_url)
    try:
        with engine.begin() as connection:
            table.create(connection)
            with pytest.raises(StatementError, match="needs a datetime with a zone"):
                connection.execute(table.insert(), {"n": 1, "at": datetime(2026, 2, 16, 20, 30)})
    finally:
        engine.dispose()
