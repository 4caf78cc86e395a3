"""The core's bulk paths the importer relies on: update_many, uow.batch, COPY inserts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest
from sqlalchemy import func, select

from commons_core import Actor, ConflictError, DomainEvent, Resident, hookimpl
from commons_core.demo import DemoContext
from commons_core.services import Commons
from commons_core.storage.tables import audit_entry, resident


class Recorder:
    """A throwaway plugin that records each commons_on_events call."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    @hookimpl
    def commons_on_events(self, uow: Any, events: Sequence[DomainEvent]) -> None:
        self.calls.append(len(events))


def _audit_count(commons: Commons) -> int:
    with commons.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_entry)).scalar_one())


def test_update_many_writes_changed_rows_once_each(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo = demo_community()
    cid = demo.communities["small"].id
    with commons.unit_of_work(admin) as uow:
        people = uow.residents.find(resident.c.community_id == cid, order_by=[resident.c.id])
    before = _audit_count(commons)
    renamed = [attrs.evolve(p, name=p.name + "甲") for p in people[:30]]
    with commons.unit_of_work(admin) as uow:
        stored = uow.residents.update_many([*renamed, *people[30:40]])
    assert [s.version for s in stored[:30]] == [p.version + 1 for p in people[:30]]
    assert [s.version for s in stored[30:]] == [p.version for p in people[30:40]]
    # Masked values read earlier were kept, not overwritten with their masks.
    with commons.unit_of_work(admin) as uow:
        again = uow.residents.get(people[0].id, reveal=True)
    assert again.name.endswith("甲")
    assert again.id_number is not None
    assert "*" not in again.id_number
    assert _audit_count(commons) - before == 30 + 1  # 30 updates, 1 reveal


def test_update_many_refuses_a_stale_record(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    demo = demo_community()
    with commons.unit_of_work(admin) as uow:
        first, second = uow.residents.find(
            resident.c.community_id == demo.communities["small"].id, limit=2
        )
    with commons.unit_of_work(admin) as uow:
        uow.residents.update(attrs.evolve(second, name="先改"))
    with pytest.raises(ConflictError), commons.unit_of_work(admin) as uow:
        uow.residents.update_many([attrs.evolve(first, name="甲"), attrs.evolve(second, name="乙")])
    with commons.unit_of_work(admin) as uow:
        assert uow.residents.get(first.id).name == first.name


def test_batch_delivers_events_once(
    commons_db_url: str, admin: Actor, register_recorder: tuple[Commons, Recorder]
) -> None:
    commons, recorder = register_recorder
    demo_people = _people(commons, admin)
    recorder.calls.clear()
    with commons.unit_of_work(admin) as uow, uow.batch():
        uow.residents.add_many(demo_people[:5])
        uow.residents.add_many(demo_people[5:])
        assert recorder.calls == []
    assert recorder.calls == [len(demo_people)]


def _people(commons: Commons, admin: Actor) -> list[Resident]:
    from datetime import date

    from commons_core import Community, Gender

    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="批量社区"))
    return [
        Resident(
            community_id=community.id,
            name=f"居民{i}",
            gender=Gender.FEMALE,
            birth_date=date(1990, 1, 1 + i),
        )
        for i in range(8)
    ]


@pytest.fixture
def register_recorder(commons_db_url: str) -> tuple[Commons, Recorder]:
    from commons_core import open_commons
    from commons_core.plugins import make_plugin_host

    recorder = Recorder()
    host = make_plugin_host(load_entry_points=False, plugins={"recorder": recorder})
    return open_commons(commons_db_url, host=host, upgrade=True), recorder


def test_bulk_insert_stores_what_an_insert_stores(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> None:
    """Enough rows for COPY on PostgreSQL: every column comes back as written."""
    demo = demo_community(households=60, residents=170)
    written = {r.id: r for r in demo.data["small"].residents}
    with commons.unit_of_work(admin) as uow:
        stored = uow.residents.find(
            resident.c.community_id == demo.communities["small"].id, reveal=True
        )
    assert len(stored) == 170
    for person in stored:
        assert person == attrs.evolve(written[person.id], version=0)


class CommittedRecorder:
    """A throwaway plugin that records what it is told after commit."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    @hookimpl
    def commons_events_committed(self, commons: Any, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)


def test_committed_events_are_kept_only_for_plugins_that_want_them(commons_db_url: str) -> None:
    from commons_core import open_commons
    from commons_core.plugins import make_plugin_host

    admin = Actor.local_admin()
    quiet = open_commons(
        commons_db_url, host=make_plugin_host(load_entry_points=False), upgrade=True
    )
    people = _people(quiet, admin)
    with quiet.unit_of_work(admin) as uow:
        uow.residents.add_many(people[:4])
        assert uow._committed_events == []  # nobody listens: nothing held in memory
    quiet.close()
    listener = CommittedRecorder()
    host = make_plugin_host(load_entry_points=False, plugins={"listener": listener})
    told = open_commons(commons_db_url, host=host)
    with told.unit_of_work(admin) as uow:
        uow.residents.add_many(people[4:])
    assert len(listener.events) == 4
    told.close()


def test_bulk_insert_duplicates_are_the_sdk_s_conflict(commons: Commons, admin: Actor) -> None:
    from commons_core import DuplicateError

    people = _people(commons, admin) * 8  # 64 rows: the bulk path, with repeated keys
    with pytest.raises(DuplicateError) as refused, commons.unit_of_work(admin) as uow:
        uow.residents.add_many(people)
    assert refused.value.entity == "resident"
    assert refused.value.fields == ("id",)
