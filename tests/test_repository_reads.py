"""Reading through a repository leaves the unit of work fit for writing (both backends)."""

from __future__ import annotations

import attrs

from commons_core import Actor, Community
from commons_core.services import Commons


def test_writes_after_a_streamed_read_work(commons: Commons, admin: Actor) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(Community).add(Community(name="甲社区"))
    with commons.unit_of_work(admin) as uow:
        (found,) = uow.repo(Community).find()
        assert "yield_per" not in uow.connection.get_execution_options()
        uow.repo(Community).update(attrs.evolve(found, name="乙社区"))
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert [c.name for c in uow.repo(Community).find()] == ["乙社区"]


def test_a_large_read_streams_in_batches(commons: Commons, admin: Actor) -> None:
    with commons.unit_of_work(admin) as uow:
        uow.repo(Community).add_many(Community(name=f"社区{i}") for i in range(25))
    with commons.unit_of_work(admin, readonly=True) as uow:
        names = [c.name for c in uow.repo(Community).iterate(batch_size=10)]
    assert len(names) == 25
