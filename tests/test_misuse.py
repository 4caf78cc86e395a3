"""Hard to misuse (issue 15, item 9), on SQLite and PostgreSQL.

A read-only unit of work writes nothing: the SDK refuses its repositories'
writes and its audit entries (a reveal and an export are audited, so they are
not read-only), and the database refuses SQL that would write; the connection
goes back to the pool able to write again. A filter that is not an SQL
expression (``Resident.name == "x"`` on the attrs class is Python's ``False``)
is an error saying what to write instead, never an empty answer.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, cast
from uuid import UUID

import attrs
import pytest
from sqlalchemy import Column, String, and_, func, select, text, true, update

from commons_core import (
    Actor,
    Community,
    FilterError,
    Household,
    HouseholdRegistration,
    Label,
    ReadOnlyError,
    Resident,
    hookimpl,
    open_commons,
)
from commons_core.demo import DemoContext
from commons_core.errors import ConfigurationError
from commons_core.model import label, new_id
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons, UnitOfWork
from commons_core.storage import Entity, MigrationBranch, community_table
from commons_core.storage.migrate import CORE_BRANCH, autogenerate_revision, schema_drift
from commons_core.storage.schema import EnumValue, metadata
from commons_core.storage.tables import audit_entry, resident


def _trail(commons: Commons) -> int:
    with commons.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_entry)).scalar_one())


def _first(commons: Commons, admin: Actor) -> Resident:
    with commons.unit_of_work(admin, readonly=True) as uow:
        return uow.residents.find(
            resident.c.household_id.isnot(None),
            resident.c.id_number.isnot(None),
            order_by=[resident.c.id],
            limit=1,
        )[0]


def test_every_repository_write_in_a_read_only_unit_of_work_is_refused(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo_community()
    person = _first(commons, admin)
    trail = _trail(commons)
    twin = attrs.evolve(person, id=new_id(), id_number=None, phone=None, version=0)
    home = Household(community_id=person.community_id, household_no="RO-1")
    writes: list[tuple[str, Callable[[UnitOfWork], object]]] = [
        ("create resident", lambda uow: uow.residents.add(twin)),
        ("create resident", lambda uow: uow.residents.add_many([twin])),
        (
            "create household",
            lambda uow: uow.households.register(HouseholdRegistration(household=home, members=())),
        ),
        ("update resident", lambda uow: uow.residents.update(attrs.evolve(person, name="改名"))),
        ("delete resident", lambda uow: uow.residents.delete(person)),
        (
            "update household",
            lambda uow: uow.households.update_many(
                [attrs.evolve(uow.households.get(cast(UUID, person.household_id)), room="909")]
            ),
        ),
        ("update resident", lambda uow: uow.residents.move_out(person, on=date(2026, 1, 1))),
    ]
    for operation, write in writes:
        with (
            pytest.raises(ReadOnlyError) as refused,
            commons.unit_of_work(admin, readonly=True) as uow,
        ):
            write(uow)
        assert refused.value.operation == operation
        assert "readonly=True" in refused.value.en
        assert "只读" in refused.value.zh
    # Nothing was stored, nothing audited: the record reads back as it was.
    assert _first(commons, admin) == person
    assert _trail(commons) == trail
    # A programming mistake, not bad input: the web app answers 500 and logs it.
    assert issubclass(ReadOnlyError, ConfigurationError)


def test_an_audited_read_is_not_read_only(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo_community()
    person = _first(commons, admin)
    trail = _trail(commons)
    reading = commons.unit_of_work(admin, readonly=True)
    with pytest.raises(ReadOnlyError, match="audit reveal resident") as refused, reading as uow:
        uow.residents.get(person.id, reveal=True)
    assert "审计" in refused.value.zh
    exporting = commons.unit_of_work(admin, readonly=True)
    with pytest.raises(ReadOnlyError, match="audit export resident"), exporting as uow:
        list(uow.residents.export())
    assert _trail(commons) == trail
    with commons.unit_of_work(admin) as uow:
        shown = uow.residents.get(person.id, reveal=True)
        exported = list(uow.residents.export(resident.c.id == person.id))
    assert person.id_number is not None and "*" in person.id_number  # read masked
    assert shown.id_number is not None and "*" not in shown.id_number  # revealed
    assert [p.id for p in exported] == [person.id]
    assert _trail(commons) == trail + 2  # the reveal and the export


def test_the_database_refuses_sql_that_writes_in_a_read_only_unit_of_work(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo_community()
    person = _first(commons, admin)
    renamed = update(resident).where(resident.c.id == person.id).values(name="绕过")
    statements: list[Callable[[UnitOfWork], object]] = [
        lambda uow: uow.connection.execute(renamed),
        lambda uow: uow.connection.exec_driver_sql("DELETE FROM life_event"),
        lambda uow: uow.connection.execute(text("CREATE TABLE sneaky (x integer)")),
    ]
    for statement in statements:
        reading = commons.unit_of_work(admin, readonly=True)
        with pytest.raises(ReadOnlyError, match="SQL") as refused, reading as uow:
            statement(uow)
        assert refused.value.__cause__ is not None  # the database's own refusal
    assert _first(commons, admin) == person
    # The connection went back to the pool able to write: the next unit of work writes.
    with commons.unit_of_work(admin) as uow:
        uow.connection.execute(renamed)
    assert _first(commons, admin).name == "绕过"


def test_a_read_only_transaction_is_read_only_in_the_database(
    commons: Commons, admin: Actor, commons_backend: str
) -> None:
    query = "SHOW transaction_read_only" if commons_backend == "postgres" else "PRAGMA query_only"
    states = []
    for readonly in (True, False, True, False):
        with commons.unit_of_work(admin, readonly=readonly) as uow:
            states.append(str(uow.connection.exec_driver_sql(query).scalar_one()))
    on, off = ("on", "off") if commons_backend == "postgres" else ("1", "0")
    assert states == [on, off, on, off]
    # After a read-only unit of work that failed, too.
    with pytest.raises(ZeroDivisionError), commons.unit_of_work(admin, readonly=True):
        _ = 1 / 0
    with commons.engine.connect() as connection:
        after = str(connection.exec_driver_sql(query).scalar_one())
    assert after == off


def test_a_filter_that_is_not_an_sql_expression_is_an_error(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo_community()
    person = _first(commons, admin)
    trail = _trail(commons)
    wrong: Any = Resident.name == person.name
    assert (Resident.name == person.name) is False  # what the mistake gives: no SQL, no rows
    with commons.unit_of_work(admin) as uow:
        residents = uow.residents
        attempts: list[tuple[Callable[[], object], str]] = [
            (lambda: residents.find(wrong), "criterion 1"),
            (lambda: residents.find(resident.c.status.isnot(None), wrong), "criterion 2"),
            (lambda: list(residents.iterate(cast(Any, None))), "criterion 1"),
            (lambda: residents.count(cast(Any, "name = 'x'")), "criterion 1"),
            (lambda: residents.export(wrong), "criterion 1"),
            (lambda: residents.find(order_by=[Resident.name]), "order_by item 1"),
        ]
        for attempt, where in attempts:
            with pytest.raises(FilterError) as refused:
                attempt()
            assert where in refused.value.en
            assert "uow.repo(Resident).table.c.name" in refused.value.en
            assert "uow.repo(Resident).table.c.name" in refused.value.zh
            assert isinstance(refused.value, TypeError)
        # What to write instead works, and so do SQL text and SQL's own truth values.
        assert [p.id for p in residents.find(residents.table.c.id == person.id)] == [person.id]
        assert residents.count(and_(true(), text("1 = 1"))) == residents.count()
        assert residents.find(order_by=["name"], limit=1)
    # The refused export left no entry in the audit trail.
    assert _trail(commons) == trail


class Grade(StrEnum):
    """Values longer than the default 32 characters of an enum's column."""

    ORDINARY = "ordinary"
    LONG = "a-grade-whose-stored-value-needs-forty-seven-ch"


@attrs.frozen(kw_only=True)
class Badge:
    """A record with a long enum, in a throwaway plugin ``misuse``."""

    LABEL: ClassVar[Label] = Label("徽章", "badge")
    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    grade: Grade = attrs.field(metadata=label("等级", "grade"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


def _badge_plugin(tmp_path: Path) -> tuple[types.ModuleType, MigrationBranch]:
    table = metadata.tables.get("misuse_badge")
    if table is None:
        table = community_table(
            "misuse_badge", Column("grade", EnumValue(Grade, length=64), nullable=False)
        )
    branch = MigrationBranch("misuse", tmp_path / "misuse_versions")
    plugin = types.ModuleType("misuse_plugin")
    plugin.commons_entities = hookimpl(lambda: [Entity(Badge, table)])  # type: ignore[attr-defined]
    plugin.commons_migration_locations = hookimpl(lambda: [branch])  # type: ignore[attr-defined]
    return plugin, branch


def test_an_enum_column_has_the_length_it_declares(
    commons_db_url: str, tmp_path: Path, admin: Actor
) -> None:
    plugin, branch = _badge_plugin(tmp_path)
    host = make_plugin_host(load_entry_points=False, plugins={"misuse": plugin})
    commons = open_commons(commons_db_url, host=host)
    try:
        written = autogenerate_revision(
            f"sqlite:///{tmp_path / 'scratch.db'}",
            [CORE_BRANCH, branch],
            commons.tables,
            branch,
            "badges",
            "misuse_0001",
        )
        # The migration autogenerated from the metadata makes the column the declared length.
        assert "sa.Column('grade', sa.String(length=64), nullable=False)" in written.read_text()
        commons.upgrade()
        assert schema_drift(commons.engine, commons.tables) == []
        with commons.unit_of_work(admin) as uow:
            place = uow.repo(Community).add(Community(name="徽章社区"))
            badge = uow.repo(Badge).add(Badge(community_id=place.id, grade=Grade.LONG))
        with commons.unit_of_work(admin, readonly=True) as uow:
            assert uow.repo(Badge).get(badge.id).grade is Grade.LONG
        with commons.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                columns = connection.exec_driver_sql("PRAGMA table_info(misuse_badge)")
                declared = {row[1]: row[2] for row in columns}["grade"]
            else:
                declared = connection.exec_driver_sql(
                    "SELECT 'VARCHAR(' || character_maximum_length || ')'"
                    " FROM information_schema.columns"
                    " WHERE table_name = 'misuse_badge' AND column_name = 'grade'"
                ).scalar_one()
                # A column narrower than the metadata says is drift.
                connection.exec_driver_sql("DELETE FROM misuse_badge")
                connection.exec_driver_sql(
                    "ALTER TABLE misuse_badge ALTER COLUMN grade TYPE VARCHAR(32)"
                )
        assert declared == "VARCHAR(64)"
        if commons.engine.dialect.name == "postgresql":
            drift = schema_drift(commons.engine, commons.tables)
            assert [d[0][0] for d in drift] == ["modify_type"], drift
    finally:
        commons.close()


def test_an_enum_that_does_not_fit_its_column_is_refused() -> None:
    with pytest.raises(ConfigurationError) as refused:
        EnumValue(Grade)  # 32 characters, by default
    assert "Grade" in refused.value.en and "47" in refused.value.en
    assert "47" in refused.value.zh
    fitting = EnumValue(Grade, length=47)
    assert isinstance(fitting.impl_instance, String)
    assert fitting.impl_instance.length == fitting.length == 47
