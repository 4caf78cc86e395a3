"""Every bulk insert path stores what a Core INSERT stores, and the audit trail stays sound."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from sqlalchemy import Connection, delete, func, select, text

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.services import Commons
from commons_core.services.audit import read_entries
from commons_core.services.audit_check import verify_trail
from commons_core.storage import bulk
from commons_core.storage.tables import audit_entry, resident

Path = Callable[[Connection, Any, list[dict[str, Any]]], None]

PATHS: dict[str, Path] = {
    "core insert": lambda c, t, rows: bulk._core_insert(c, t, rows, ()),
    "sqlite executemany": lambda c, t, rows: bulk._executemany(c, t, rows, ()),
    "copy": lambda c, t, rows: bulk._copy(c, t, rows, ()),
    "unnest": lambda c, t, rows: bulk._unnest(c, t, rows, ()),
}
DIALECT_PATHS = {
    "sqlite": ("core insert", "sqlite executemany"),
    "postgresql": ("core insert", "copy", "unnest"),
}


def _resident_and_dependents(commons: Commons) -> list[Any]:
    """The resident table and every table of ``commons`` that refers to it: dependents first.

    Only the tables of ``commons``'s plugins: other plugins imported into the
    test process have tables on the shared metadata, not in this database.
    """
    found = {resident}
    for table in commons.tables:
        if any(fk.column.table in found for fk in table.foreign_keys):
            found.add(table)
    return [t for t in reversed(commons.tables) if t in found]


@pytest.mark.parametrize("path", list(PATHS))
def test_every_insert_path_stores_the_same_values(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext], path: str
) -> None:
    """The demo's varied residents (empty phones, dates, every enum) written again by ``path``."""
    if path not in DIALECT_PATHS[commons.engine.dialect.name]:
        pytest.skip(f"{path} is not a path on {commons.engine.dialect.name}")
    demo = demo_community(households=60, residents=170)
    people = demo.data["small"].residents
    cid = demo.communities["small"].id
    rows = [attrs.asdict(p, recurse=False) for p in people]
    with commons.engine.connect() as conn, conn.begin():
        for table in _resident_and_dependents(commons):
            conn.execute(delete(table).where(table.c.community_id == cid))
        PATHS[path](conn, resident, rows)
        stored = conn.execute(select(resident).where(resident.c.community_id == cid)).all()
        conn.rollback()
    assert {row.id: dict(row._mapping) for row in stored} == {r["id"]: r for r in rows}


def test_audit_entries_written_in_bulk_verify_and_read_back(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    """Changes serialised once for the hash and the table: the chain verifies, values round-trip."""
    demo = demo_community(households=60, residents=170)
    cid = demo.communities["small"].id
    with commons.engine.connect() as conn:
        checked, problems = verify_trail(conn, commons.keys, [cid])
        entries = [e for e in read_entries(conn, community_ids=[cid]) if e.entity == "resident"]
        count = conn.execute(
            select(audit_entry.c.seq).where(audit_entry.c.community_id == cid)
        ).all()
    assert problems == []
    assert checked == len(count) > 170
    person = next(p for p in demo.data["small"].residents if p.id_number)
    created = next(e for e in entries if e.key == str(person.id) and e.action == "create")
    assert created.changes["name"] == [None, person.name]
    assert created.changes["birth_date"] == [None, person.birth_date.isoformat()]
    assert created.changes["gender"] == [None, person.gender.value]
    masked = created.changes["id_number"][1]
    assert person.id_number is not None
    assert masked == person.id_number[:2] + "*" * 16


def test_a_bulk_load_on_postgres_refreshes_statistics_as_tables_grow(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    """Queries of later batches are planned for the rows written, not for the empty table."""
    if commons.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are refreshed on PostgreSQL only")
    demo_community(households=60, residents=170)
    reltuples = text("SELECT reltuples FROM pg_class WHERE oid = 'resident'::regclass")
    with commons.unit_of_work(admin) as uow:
        conn = uow.connection
        role = conn.exec_driver_sql("SHOW role").scalar_one()
        assert role == commons.app_role == "commons_app"
        count = conn.execute(select(func.count()).select_from(resident)).scalar_one()
        load = bulk.BulkLoad([resident])
        load.wrote(conn, bulk.ANALYZE_FIRST - 1)
        assert conn.execute(reltuples).scalar_one() != count  # not yet
        load.wrote(conn, 1)
        assert conn.execute(reltuples).scalar_one() == count
        # Back to the application role: row-level security still applies.
        assert conn.exec_driver_sql("SHOW role").scalar_one() == role


def test_fast_binds_give_what_the_column_types_give_on_sqlite() -> None:
    """Each shortcut of the bulk paths against the column type's own bind function."""
    import uuid
    from datetime import UTC, date, datetime, timedelta, timezone

    from sqlalchemy import Date, DateTime, Uuid
    from sqlalchemy.dialects import sqlite

    from commons_core.model import Gender
    from commons_core.storage.schema import EnumValue

    dialect = sqlite.dialect()
    now = datetime.now(UTC)
    cases = {
        Date(): [date(1990, 1, 5), date(999, 12, 31), datetime(2020, 1, 2, 3, 4), None],
        DateTime(timezone=True): [
            now,
            now,
            now + timedelta(seconds=1),
            datetime(2020, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=8))),
            datetime(2020, 1, 2),
            None,
            now,
        ],
        Uuid(): [uuid.uuid4(), None],
        EnumValue(Gender): [Gender.MALE, "female", None],
    }
    for column_type, values in cases.items():
        own = column_type.dialect_impl(dialect).bind_processor(dialect)
        fast = bulk._fast_bind(column_type, dialect)
        assert own is not None and fast is not None
        assert [fast(v) for v in values] == [own(v) for v in values], column_type
