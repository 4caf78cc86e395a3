"""``elderly-health-coverage``: residents 60+, files, coverage, overdue check-ups, the 80+ list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from commons_elderly_health import COVERAGE, HealthRecords, years_before
from commons_elderly_health.reports import coverage_percent

from commons_core import AccessDenied, Actor, Resident, ResidentStatus
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.testing import count_statements

from .conftest import PEOPLE, TODAY, World, born


def run(commons: Commons, world: World, actor: Actor | None = None, **params: Any) -> Any:
    with commons.unit_of_work(actor or Actor.local_admin(), readonly=True) as uow:
        community = world.context.communities["small"]
        return commons.reports[COVERAGE].run(uow, community, ReportParams(**params)).data


def elderly(commons: Commons, world: World) -> list[Resident]:
    """Every resident of the world's community in the register and aged 60+ today."""
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        table = uow.residents.table
        return uow.residents.find(
            table.c.community_id == world.community_id,
            table.c.status == ResidentStatus.ACTIVE,
            table.c.birth_date <= years_before(TODAY, 60),
        )


def test_coverage_counts_residents_60_plus_and_open_files(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    before = run(commons, world)
    everyone = elderly(commons, world)
    assert before["residents_60_plus"] == len(everyone) >= 2
    assert before["files_opened"] == 0 and before["coverage_percent"] == 0.0
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["张奶奶"])
    after = run(commons, world)
    assert after["files_opened"] == 1
    assert after["files_due"] == len(everyone) - 1
    assert after["coverage_percent"] == coverage_percent(1, len(everyone))


def test_coverage_is_rounded_half_up_to_one_decimal() -> None:
    assert coverage_percent(19, 20) == 95.0
    assert coverage_percent(1899, 2000) == 95.0  # 94.95
    assert coverage_percent(1, 3) == 33.3
    assert coverage_percent(0, 0) is None


def test_turning_60_needs_no_record(commons: Commons, world: World) -> None:
    # 王阿姨 is 58 today: counted from the day she turns 60, with nothing written.
    birthday = years_before(born(PEOPLE["王阿姨"]), -60)
    on_the_eve = run(commons, world, as_of=birthday - timedelta(days=1))
    on_the_day = run(commons, world, as_of=birthday)
    assert on_the_day["residents_60_plus"] - on_the_eve["residents_60_plus"] >= 1


def test_check_ups_older_than_12_months_are_overdue(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    grandma, grandpa = world.residents["张奶奶"], world.residents["李爷爷"]
    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(grandma, on=TODAY - timedelta(days=800))
        health.open_file(grandpa, on=TODAY - timedelta(days=800))
        health.record_check_up(grandma, world.clinic_id, on=years_before(TODAY, 1))
        health.record_check_up(grandpa, world.clinic_id, on=TODAY - timedelta(days=366 + 1))
    data = run(commons, world)
    assert data["check_ups_overdue"] == 1
    (late,) = data["overdue"]
    assert late["name"] == "李爷爷" and late["age"] == 85
    assert late["last_check_up"] == (TODAY - timedelta(days=367)).isoformat()
    # A day later 张奶奶's check-up is more than 12 months old too.
    later = run(commons, world, as_of=TODAY + timedelta(days=1))
    assert later["check_ups_overdue"] == 2


def test_a_file_never_checked_up_is_overdue(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["张奶奶"])
    (late,) = run(commons, world)["overdue"]
    assert late["name"] == "张奶奶" and late["last_check_up"] is None


def test_the_80_plus_list_names_residents_for_condolence_visits(
    commons: Commons, world: World
) -> None:
    data = run(commons, world)
    listed = {row["name"]: row for row in data["condolence_visits"]}
    assert "李爷爷" in listed and "张奶奶" not in listed
    assert listed["李爷爷"]["age"] == 85
    assert listed["李爷爷"]["household_no"] == "EH001"
    assert listed["李爷爷"]["address"] == "健康路1号"
    assert listed["李爷爷"]["file_opened"] is False
    assert data["residents_80_plus"] == len(listed)
    assert all(row["age"] >= 80 for row in listed.values())


def test_residents_who_left_are_not_counted(commons: Commons, world: World, admin: Actor) -> None:
    before = run(commons, world)
    with commons.unit_of_work(admin) as uow:
        uow.residents.move_out(uow.residents.get(world.residents["李爷爷"]), on=TODAY)
    after = run(commons, world)
    assert after["residents_60_plus"] == before["residents_60_plus"] - 1
    assert "李爷爷" not in {row["name"] for row in after["condolence_visits"]}


def test_the_report_needs_the_permission_to_list_files(
    commons: Commons, world: World, actor_for: Callable[..., Actor]
) -> None:
    with pytest.raises(AccessDenied):
        run(commons, world, actor_for("resident", world.community_id))
    assert run(commons, world, actor_for("cadre", world.community_id))["residents_60_plus"] >= 2


def test_the_report_is_scoped_to_the_actor(
    commons: Commons, world: World, actor_for: Callable[..., Actor]
) -> None:
    elsewhere = actor_for("health_worker", uuid4())
    data = run(commons, world, elsewhere)
    assert data["residents_60_plus"] == 0 and data["condolence_visits"] == []
    assert data["coverage_percent"] is None


def test_the_number_of_statements_does_not_grow_with_the_data(
    commons: Commons, world: World, admin: Actor, demo_community: Callable[..., Any]
) -> None:
    with count_statements(commons) as few:
        run(commons, world)
    # The plugin's demo data in a second, larger community: hundreds of files and readings.
    big = demo_community(seed=11, households=120, residents=340)
    with count_statements(commons) as many, commons.unit_of_work(admin, readonly=True) as uow:
        community = big.communities["small"]
        data = commons.reports[COVERAGE].run(uow, community, ReportParams()).data
    assert data["files_opened"] > 10 and data["check_ups_overdue"] > 0
    assert len(many) == len(few)
    assert sum("elderly_health" in s for s in many) == 2
