"""Trust: scopes enforced in the SDK and in PostgreSQL, masking, filters, audit integrity."""

from __future__ import annotations

import threading
import types
import uuid
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pytest
from sqlalchemy import Column, Numeric, Table, func, select, text, update

from commons_core import Actor, hookimpl
from commons_core.demo import store_community
from commons_core.demo.generate import CommunityData
from commons_core.errors import AccessDenied, ConflictError, NotFound
from commons_core.model import Household, Label, label
from commons_core.services import Commons
from commons_core.storage import Entity, community_table
from commons_core.storage.internal import internal
from commons_core.storage.tables import audit_entry, household, resident

from .roles import READER_PLUGIN
from .samples import small_community


@pytest.fixture
def stored(commons: Commons, admin: Actor) -> CommunityData:
    data = small_community()
    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
    return data


def zone_households(data: CommunityData, zone_number: int = 1) -> set[uuid.UUID]:
    zone = next(z for z in data.grid_zones if z.number == zone_number)
    return {h.id for h in data.households if h.grid_zone_id == zone.id}


def test_grid_worker_sees_only_their_zone(
    commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    zone = next(z for z in stored.grid_zones if z.number == 1)
    worker = actor_for("grid_worker", stored.community.id, zone_id=zone.id)
    expected = zone_households(stored)
    assert 0 < len(expected) < len(stored.households)
    members = {r.id for r in stored.residents if r.household_id in expected}
    with commons.unit_of_work(worker, readonly=True) as uow:
        assert {h.id for h in uow.households.find()} == expected
        assert {r.id for r in uow.residents.find()} == members
        outside = next(h for h in stored.households if h.id not in expected)
        with pytest.raises(NotFound):
            uow.households.get(outside.id)


def test_raw_sql_is_limited_by_row_security_on_postgres(
    commons: Commons, stored: CommunityData, actor_for: Any, commons_backend: str
) -> None:
    if commons_backend != "postgres":
        pytest.skip("row-level security is a PostgreSQL feature")
    zone = next(z for z in stored.grid_zones if z.number == 1)
    worker = actor_for("grid_worker", stored.community.id, zone_id=zone.id)
    # SQL past the SDK's guard (which refuses SQL text to actors who may not reveal), as if
    # injected into one of its own statements: the database bounds it all the same.
    with commons.unit_of_work(worker, readonly=True) as uow:
        raw = uow.connection.execute(internal(text("SELECT id FROM household"))).scalars().all()
        people = uow.connection.execute(
            internal(text("SELECT count(*) FROM resident"))
        ).scalar_one()
        everyone_else = uow.connection.execute(
            internal(text("SELECT count(*) FROM user_account"))
        ).scalar_one()
    assert set(raw) == zone_households(stored)
    assert people == sum(1 for r in stored.residents if r.household_id in set(raw))
    assert everyone_else == 0
    outsider = actor_for("cadre", uuid.uuid4())
    with commons.unit_of_work(outsider, readonly=True) as uow:
        assert (
            uow.connection.execute(internal(text("SELECT count(*) FROM resident"))).scalar_one()
            == 0
        )
        assert (
            uow.connection.execute(internal(text("SELECT count(*) FROM audit_entry"))).scalar_one()
            == 0
        )


def test_the_app_role_cannot_change_the_audit_trail_on_postgres(
    commons: Commons, stored: CommunityData, admin: Actor, commons_backend: str
) -> None:
    if commons_backend != "postgres":
        pytest.skip("database grants are a PostgreSQL feature")
    from sqlalchemy.exc import ProgrammingError

    assert commons.app_role == "commons_app"
    for statement in ("UPDATE audit_entry SET actor = 'mallory'", "DELETE FROM audit_entry"):
        with (
            pytest.raises(ProgrammingError, match="permission denied"),
            commons.unit_of_work(admin) as uow,
        ):
            uow.connection.execute(text(statement))


def test_tampering_with_one_entry_is_detected(commons: Commons, stored: CommunityData) -> None:
    from commons_core.services.audit_check import verify_trail

    with commons.engine.begin() as conn:  # the owner, as an attacker with database access
        checked, problems = verify_trail(conn, commons.keys)
        assert checked > 100 and problems == []
        conn.execute(
            update(audit_entry)
            .where(audit_entry.c.seq == 5, audit_entry.c.community_id == stored.community.id)
            .values(actor="mallory")
        )
        _, problems = verify_trail(conn, commons.keys)
        assert [(p.seq, p.reason) for p in problems] == [(5, "entry was altered")]
        conn.execute(
            audit_entry.delete().where(
                audit_entry.c.seq == 9, audit_entry.c.community_id == stored.community.id
            )
        )
        _, problems = verify_trail(conn, commons.keys)
        assert (10, "missing entries after 8") in [(p.seq, p.reason) for p in problems]


def test_deleting_the_newest_entries_is_detected(commons: Commons, stored: CommunityData) -> None:
    from commons_core.services.audit_check import verify_trail

    with commons.engine.begin() as conn:
        last = conn.execute(
            select(func.max(audit_entry.c.seq)).where(
                audit_entry.c.community_id == stored.community.id
            )
        ).scalar_one()
        conn.execute(
            audit_entry.delete().where(
                audit_entry.c.seq == last, audit_entry.c.community_id == stored.community.id
            )
        )
        _, problems = verify_trail(conn, commons.keys)
    assert any("head records" in p.reason for p in problems)


def test_writes_out_of_scope_are_refused_naming_actor_permission_and_record(
    commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    zone = next(z for z in stored.grid_zones if z.number == 1)
    worker = actor_for("grid_worker", stored.community.id, zone_id=zone.id, username="王网格")
    inside = next(h for h in stored.households if h.id in zone_households(stored))
    other_zone = next(z for z in stored.grid_zones if z.number == 2)
    with pytest.raises(AccessDenied) as caught, commons.unit_of_work(worker) as uow:
        current = uow.households.get(inside.id)
        uow.households.update(attrs.evolve(current, grid_zone_id=other_zone.id))
    message = str(caught.value)
    assert "王网格" in message and "household:update" in message and "household" in message
    reader = actor_for("reader", stored.community.id, username="收银员")
    with pytest.raises(AccessDenied) as caught, commons.unit_of_work(reader) as uow:
        uow.households.add(Household(community_id=stored.community.id, household_no="X-1"))
    assert "收银员" in str(caught.value) and "household:create" in str(caught.value)
    with commons.unit_of_work(reader, readonly=True) as uow:
        assert uow.households.count(household.c.household_no == "X-1") == 0


def test_filtering_on_a_sensitive_field_needs_the_permission(
    commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    reader = actor_for("reader", stored.community.id)
    person = stored.residents[0]
    with commons.unit_of_work(reader, readonly=True) as uow:
        with pytest.raises(AccessDenied, match="reveal:identity"):
            uow.residents.find(resident.c.id_number == person.id_number)
        with pytest.raises(AccessDenied, match="reveal:identity"):
            uow.residents.find(order_by=[resident.c.id_number])
        with pytest.raises(AccessDenied, match="reveal:assistance"):
            uow.households.count(household.c.statuses.like("%low_income%"))
    cadre = actor_for("cadre", stored.community.id)
    with commons.unit_of_work(cadre, readonly=True) as uow:
        assert [r.id for r in uow.residents.find(resident.c.id_number == person.id_number)] == [
            person.id
        ]


def test_reveal_needs_the_permission_and_is_logged(
    commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    from commons_core.services.audit import read_entries

    reader = actor_for("reader", stored.community.id, username="reader-1")
    cadre = actor_for("cadre", stored.community.id, username="cadre-1")
    person = stored.residents[0]
    with pytest.raises(AccessDenied, match="reveal:contact"), commons.unit_of_work(reader) as uow:
        uow.residents.get(person.id, reveal=True)
    with commons.unit_of_work(cadre) as uow:
        assert uow.residents.get(person.id, reveal=True).id_number == person.id_number
    with commons.engine.connect() as conn:
        reveals = [
            e
            for e in read_entries(conn, community_ids=[stored.community.id])
            if e.action == "reveal"
        ]
    assert [(e.actor, e.key, e.changes["fields"]) for e in reveals] == [
        ("cadre-1", str(person.id), ["id_number", "phone"])
    ]


def test_a_role_without_reveal_sees_neither_statuses_nor_identity(
    commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    reader = actor_for("reader", stored.community.id)
    with commons.unit_of_work(reader, readonly=True) as uow:
        for h in uow.households.find():
            assert h.statuses is None
        for r in uow.residents.find():
            assert r.id_number is None or "*" in r.id_number
            assert r.phone is None or "****" in r.phone


def test_audit_entries_per_changed_row(
    commons: Commons, stored: CommunityData, admin: Actor
) -> None:
    def entries() -> int:
        with commons.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_entry)).scalar_one())

    before = entries()
    new_people = [
        attrs.evolve(r, id=uuid.uuid4(), id_number=None, phone=None) for r in stored.residents[:37]
    ]
    with commons.unit_of_work(admin) as uow:
        uow.residents.add_many(new_people, batch_size=10)
    assert (entries() - before) / len(new_people) == 1.00
    before = entries()
    with commons.unit_of_work(admin) as uow:
        uow.residents.update(attrs.evolve(uow.residents.get(new_people[0].id), name="改名"))
        # Unchanged rows write nothing.
        uow.residents.update(uow.residents.get(new_people[1].id))
    assert entries() - before == 1


def test_audit_never_holds_sensitive_values_in_clear(
    commons: Commons, stored: CommunityData
) -> None:
    with commons.engine.connect() as conn:
        texts = [str(row.changes) for row in conn.execute(select(audit_entry.c.changes))]
    blob = "\n".join(texts)
    for person in stored.residents:
        assert person.id_number not in blob
        if person.phone:
            assert person.phone not in blob


# A relief fund with a balance: the shape of any read-modify-write record.
@attrs.frozen(kw_only=True)
class Fund:
    LABEL: ClassVar[Label] = Label("救助金", "relief fund")
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, metadata=label("编号", "id"))
    community_id: uuid.UUID = attrs.field(metadata=label("社区", "community"))
    balance: Decimal = attrs.field(metadata=label("余额", "balance"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


def fund_table() -> Table:
    from commons_core.storage.schema import metadata

    found = metadata.tables.get("test_relief_fund")
    return (
        found
        if found is not None
        else community_table("test_relief_fund", Column("balance", Numeric(12, 2), nullable=False))
    )


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    plugin = types.ModuleType("relief")
    plugin.commons_entities = hookimpl(lambda: [Entity(Fund, fund_table())])  # type: ignore[attr-defined]
    return {"relief": plugin, READER_PLUGIN.name: READER_PLUGIN}


@pytest.fixture
def created_fund(commons: Commons, admin: Actor, stored: CommunityData) -> Fund:
    with commons.engine.begin() as conn:
        fund_table().create(conn, checkfirst=True)
        if conn.dialect.name == "postgresql":
            from commons_core.storage.row_security import install

            install(conn, commons.tables, commons.entities, commons.keys)
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Fund).add(Fund(community_id=stored.community.id, balance=Decimal("0.00")))


def test_eight_threads_lose_no_update(commons: Commons, admin: Actor, created_fund: Fund) -> None:
    retries: list[int] = []
    failures: list[BaseException] = []

    def add_one(uow: Any) -> None:
        current = uow.repo(Fund).get(created_fund.id)
        uow.repo(Fund).update(attrs.evolve(current, balance=current.balance + 1))

    def worker() -> None:
        try:
            for _ in range(200):
                commons.transact(
                    admin, add_one, retries=50, on_retry=lambda n, e: retries.append(n)
                )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert uow.repo(Fund).get(created_fund.id).balance == Decimal("1600.00")
    print(f"retries observed: {len(retries)}")


def test_stale_update_of_a_balance_is_refused(
    commons: Commons, admin: Actor, created_fund: Fund
) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(Fund).update(attrs.evolve(created_fund, balance=Decimal("5")))
    with pytest.raises(ConflictError), commons.unit_of_work(admin) as uow:
        uow.repo(Fund).update(attrs.evolve(created_fund, balance=Decimal("7")))
