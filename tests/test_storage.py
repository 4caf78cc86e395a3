"""Persistence: the Citus key rule, repositories, versions, references, migrations."""

from __future__ import annotations

import os
import threading
import types
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import Column, String, Table, Uuid, select

from commons_core import Actor, hookimpl
from commons_core.errors import ConflictError, NotFound, ValidationError
from commons_core.model import Community, Household, Resident, StreetOffice
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.storage import Entity, MigrationBranch, community_fk, community_table
from commons_core.storage.engine import make_engine
from commons_core.storage.migrate import CORE_BRANCH, schema_drift, upgrade
from commons_core.storage.schema import scope_of
from commons_core.testing import POSTGRES_ENV

from .samples import small_community


def installed_tables() -> list[Table]:
    """Tables of the core and of every installed plugin."""
    host = make_plugin_host()
    from commons_core.storage.schema import tables_of

    return tables_of(host.entities(), host.tables())


def citus_violations(tables: list[Table]) -> list[str]:
    problems = []
    community_scoped = {t.name for t in tables if scope_of(t) == "community"}
    for table in tables:
        scope = table.info.get("scope")
        if scope not in ("community", "reference", "local"):
            problems.append(f"{table.name}: no scope declared")
            continue
        if scope != "community":
            continue
        if "community_id" not in [c.name for c in table.primary_key.columns]:
            problems.append(f"{table.name}: community_id is not in the primary key")
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if target in community_scoped and "community_id" not in [c.name for c in fk.columns]:
                problems.append(f"{table.name}: foreign key to {target} lacks community_id")
        for constraint in table.constraints:
            columns = [c.name for c in getattr(constraint, "columns", [])]
            is_unique = type(constraint).__name__ == "UniqueConstraint"
            if is_unique and "community_id" not in columns:
                problems.append(f"{table.name}: unique constraint {columns} lacks community_id")
    return problems


def test_every_installed_table_can_be_distributed_by_community() -> None:
    tables = installed_tables()
    assert {"resident", "household", "audit_entry"} <= {t.name for t in tables}
    assert citus_violations(tables) == []


def test_the_citus_check_catches_a_bad_table() -> None:
    from commons_core.storage.schema import metadata

    bad = Table(
        "test_bad_link",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("household_id", Uuid),
        info={"scope": "community"},
    )
    try:
        household = metadata.tables["household"]
        from sqlalchemy import ForeignKeyConstraint

        bad.append_constraint(ForeignKeyConstraint(["household_id"], [household.c.id]))
        found = citus_violations([household, bad])
        assert "test_bad_link: community_id is not in the primary key" in found
        assert "test_bad_link: foreign key to household lacks community_id" in found
    finally:
        metadata.remove(bad)


def test_migrations_match_the_metadata(commons: Commons) -> None:
    assert schema_drift(commons.engine, commons.tables) == []


def test_upgrade_brings_an_older_database_to_every_head(
    commons_db_url: str, tmp_path: Path
) -> None:
    """A database at core-only is upgraded when a plugin with its own branch is added."""
    from commons_core import open_commons
    from commons_core.storage.migrate import autogenerate_revision, current_heads, pending_heads

    core_only = open_commons(
        commons_db_url, host=make_plugin_host(load_entry_points=False), upgrade=True
    )
    assert current_heads(core_only.engine) == {"core_0002"}
    core_only.close()

    plugin, branch = _notes_plugin(tmp_path)
    host = make_plugin_host(load_entry_points=False, plugins={"notes": plugin})
    commons = open_commons(commons_db_url, host=host)
    autogenerate_revision(
        f"sqlite:///{tmp_path / 'scratch.db'}",
        [CORE_BRANCH, branch],
        commons.tables,
        branch,
        "notes",
        "notes_0001",
    )
    assert pending_heads(commons.engine, host.migration_locations(), commons.tables) == {
        "notes_0001"
    }
    upgrade(commons.engine, host.migration_locations(), commons.tables)
    assert "notes_0001" in current_heads(commons.engine)
    assert pending_heads(commons.engine, host.migration_locations(), commons.tables) == set()
    assert schema_drift(commons.engine, commons.tables) == []
    commons.close()


def _notes_plugin(tmp_path: Path) -> tuple[types.ModuleType, MigrationBranch]:
    from commons_core.storage.schema import metadata

    @attrs.frozen(kw_only=True)
    class Note:
        from typing import ClassVar

        from commons_core.model import Label, label

        LABEL: ClassVar[Label] = Label("备注", "note")
        id: uuid.UUID = attrs.field(factory=uuid.uuid4, metadata=label("编号", "id"))
        community_id: uuid.UUID = attrs.field(metadata=label("社区", "community"))
        household_id: uuid.UUID = attrs.field(metadata=label("户", "household"))
        text: str = attrs.field(metadata=label("内容", "text"))
        version: int = attrs.field(default=0, metadata=label("版本", "version"))

    table = metadata.tables.get("notes_note")
    if table is None:
        table = community_table(
            "notes_note",
            Column("household_id", Uuid, nullable=False),
            Column("text", String(200), nullable=False),
            community_fk("household_id", "household"),
        )
    branch = MigrationBranch("notes", tmp_path / "notes_versions")
    plugin = types.ModuleType("notes_plugin")
    plugin.commons_entities = hookimpl(
        lambda: [Entity(Note, table, household_column="household_id")]
    )  # type: ignore[attr-defined]
    plugin.commons_migration_locations = hookimpl(lambda: [branch])  # type: ignore[attr-defined]
    return plugin, branch


@pytest.fixture
def stored(commons: Commons, admin: Actor) -> Any:
    data = small_community()
    from commons_core.demo import store_community

    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
    return data


def test_every_stored_record_reads_back_equal(commons: Commons, admin: Actor, stored: Any) -> None:
    groups = [
        stored.residents_groups,
        stored.compounds,
        stored.buildings,
        stored.households,
        stored.residents,
        stored.staff,
        stored.party_branches,
        stored.party_members,
        stored.partner_units,
        stored.service_points,
        stored.committees,
        stored.seats,
    ]
    with commons.unit_of_work(admin) as uow:  # a reveal is audited: not read-only
        assert uow.repo(Community).get(stored.community.id, reveal=True) == stored.community
        assert uow.repo(StreetOffice).get(stored.street_office.id) == stored.street_office
        for records in groups:
            repo = uow.repo(type(records[0]))
            found = {r.id: r for r in repo.find(reveal=True)}
            for record in records:
                assert found[record.id] == record, type(record).__name__
        zones = {z.id: z for z in uow.repo(type(stored.grid_zones[0])).find()}
        assert {z.owner_staff_id for z in zones.values()} == {
            z.owner_staff_id for z in stored.grid_zones
        }


def test_sensitive_fields_are_masked_unless_revealed(
    commons: Commons, admin: Actor, stored: Any
) -> None:
    person = next(r for r in stored.residents if r.phone)
    with commons.unit_of_work(admin) as uow:
        masked = uow.residents.get(person.id)
        assert masked.id_number == person.id_number[:2] + "*" * 16
        assert masked.phone == person.phone[:3] + "*" * 8
        assert uow.residents.get(person.id, reveal=True) == person
        # Saving a masked copy keeps the stored values.
        saved = uow.residents.update(attrs.evolve(masked, name="新名字"))
        assert (saved.id_number, saved.phone) == (masked.id_number, masked.phone)  # as read
        stored_now = uow.residents.get(person.id, reveal=True)
        assert (stored_now.id_number, stored_now.phone) == (person.id_number, person.phone)
    from commons_core.services.audit import read_entries

    with commons.unit_of_work(admin, readonly=True) as uow:
        entries = list(read_entries(uow.connection, community_ids=[stored.community.id]))
    reveal = [e for e in entries if e.action == "reveal"]
    assert reveal and reveal[-1].key == str(person.id)
    update = [e for e in entries if e.action == "update" and e.entity == "resident"][-1]
    assert update.changes == {"name": [person.name, "新名字"]}


def test_stale_writes_fail_with_a_conflict(commons: Commons, admin: Actor, stored: Any) -> None:
    target = stored.households[0]
    with commons.unit_of_work(admin) as uow:
        first = uow.households.get(target.id)
    with commons.unit_of_work(admin) as uow:
        uow.households.update(attrs.evolve(first, room="901"))
    with pytest.raises(ConflictError) as caught, commons.unit_of_work(admin) as uow:
        uow.households.update(attrs.evolve(first, room="902"))
    assert "version 0" in str(caught.value)
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.households.get(target.id).room == "901"


def test_references_must_exist_in_the_same_community(
    commons: Commons, admin: Actor, stored: Any
) -> None:
    person = attrs.evolve(
        stored.residents[0], id=uuid.uuid4(), id_number=None, household_id=uuid.uuid4()
    )
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.residents.add(person)
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("household_id", "reference.missing")
    ]


def test_a_failed_unit_of_work_writes_nothing(commons: Commons, admin: Actor, stored: Any) -> None:
    def count() -> int:
        with commons.unit_of_work(admin, readonly=True) as uow:
            return uow.residents.count()

    before = count()
    new = attrs.evolve(stored.residents[0], id=uuid.uuid4(), id_number=None)
    with pytest.raises(RuntimeError), commons.unit_of_work(admin) as uow:
        uow.residents.add(new)
        raise RuntimeError("something after the write failed")
    assert count() == before


def test_a_failing_plugin_hook_rolls_back_and_is_named(commons_db_url: str, admin: Actor) -> None:
    from commons_core import open_commons
    from commons_core.errors import PluginError

    def veto(uow: Any, events: Any) -> None:
        raise RuntimeError("no registrations today")

    plugin = types.ModuleType("veto")
    plugin.commons_on_events = hookimpl(veto)  # type: ignore[attr-defined]
    host = make_plugin_host(load_entry_points=False, plugins={"veto": plugin})
    commons = open_commons(commons_db_url, host=host, upgrade=True)
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="否决社区"))
    household = Household(community_id=community.id, household_no="1")
    with pytest.raises(PluginError) as caught, commons.unit_of_work(admin) as uow:
        uow.households.add(household)
        uow.residents.add(
            Resident(
                community_id=community.id,
                household_id=household.id,
                name="甲",
                gender="male",
                birth_date=__import__("datetime").date(1990, 1, 1),
            )
        )  # type: ignore[arg-type]
    assert caught.value.plugin == "veto"
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.households.count() == 0 and uow.residents.count() == 0
    commons.close()


def test_out_of_scope_and_missing_records_look_alike(
    commons: Commons, admin: Actor, stored: Any, actor_for: Any
) -> None:
    other_community = uuid.uuid4()
    outsider = actor_for("cadre", other_community)
    with commons.unit_of_work(outsider, readonly=True) as uow:
        with pytest.raises(NotFound) as hidden:
            uow.households.get(stored.households[0].id)
        with pytest.raises(NotFound) as missing:
            uow.households.get(uuid.uuid4())
        assert type(hidden.value) is type(missing.value)
        assert uow.households.count() == 0


def test_concurrent_writers_wait_instead_of_failing(
    commons: Commons, admin: Actor, stored: Any
) -> None:
    target = stored.households[1]
    errors: list[Exception] = []

    def bump(n: int) -> None:
        def work(uow: Any) -> None:
            current = uow.households.get(target.id)
            uow.households.update(attrs.evolve(current, room=str(int(current.room or "0") + 1)))

        try:
            for _ in range(n):
                commons.transact(admin, work, retries=50)
        except Exception as error:
            errors.append(error)

    with commons.unit_of_work(admin) as uow:
        current = uow.households.get(target.id)
        uow.households.update(attrs.evolve(current, room="0"))
    threads = [threading.Thread(target=bump, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.households.get(target.id).room == "40"
    with commons.engine.connect() as conn:
        from commons_core.storage.tables import household

        version = conn.execute(
            select(household.c.version).where(household.c.id == target.id)
        ).scalar_one()
    assert version == 41


def test_units_of_work_on_postgres_do_not_jit_compile(commons: Commons, admin: Actor) -> None:
    """Row-security subplans inflate cost estimates: JIT compiling took 140 ms of a 3 ms report."""
    if commons.engine.dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.connection.exec_driver_sql("SHOW jit").scalar_one() == "off"


def test_without_nested_loops_is_scoped_to_its_block(commons: Commons, admin: Actor) -> None:
    from commons_core.storage.row_security import without_nested_loops

    with commons.unit_of_work(admin, readonly=True) as uow:
        if commons.engine.dialect.name != "postgresql":
            with without_nested_loops(uow.connection):
                assert uow.residents.count() >= 0  # nothing to set; the block still runs
            return
        show = "SHOW enable_nestloop"
        assert uow.connection.exec_driver_sql(show).scalar_one() == "on"
        with without_nested_loops(uow.connection):
            assert uow.connection.exec_driver_sql(show).scalar_one() == "off"
        assert uow.connection.exec_driver_sql(show).scalar_one() == "on"


def test_postgresql_connections_speak_utf8_whatever_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PGCLIENTENCODING=GBK would have psycopg's COPY take the backslash byte inside some
    characters ("乗") for an escape; the SDK's connections use UTF-8 unless the URL asks."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} not set")
    monkeypatch.setenv("PGCLIENTENCODING", "GBK")
    for asked, expected in ((url, "UTF8"), (f"{url}?client_encoding=GBK", "GBK")):
        engine = make_engine(asked)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW client_encoding").scalar_one() == expected
            assert connection.exec_driver_sql("SELECT chr(20055) || 'x'").scalar_one() == "乗x"
        engine.dispose()
