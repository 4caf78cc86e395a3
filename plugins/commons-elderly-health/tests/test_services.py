"""Files, readings and check-ups through :class:`HealthRecords`, and the files that fall due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from commons_elderly_health import ChronicCondition, FileStatus, HealthFile, HealthRecords
from commons_elderly_health.tables import health_file

from commons_core import AccessDenied, Actor, Gender, RelationToHead, Resident, ValidationError
from commons_core.services import Commons

from .conftest import TODAY, World, born


def problem_codes(error: ValidationError) -> dict[str, str]:
    return {p.path: p.code for p in error.problems}


def files(commons: Commons, world: World) -> dict[str, HealthFile]:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        found = uow.repo(HealthFile).find(health_file.c.community_id == world.community_id)
    names = {v: k for k, v in world.residents.items()}
    return {names[f.resident_id]: f for f in found if f.resident_id in names}


def test_registering_residents_60_plus_makes_their_files_due(
    commons: Commons, world: World
) -> None:
    due = files(commons, world)
    assert set(due) == {"张奶奶", "李爷爷"}  # 王阿姨 is 58
    assert {f.status for f in due.values()} == {FileStatus.DUE}
    assert {f.due_on for f in due.values()} == {TODAY}


def test_a_grid_worker_registering_an_elderly_resident_notes_the_file_due(
    commons: Commons, world: World, actor_for: Callable[..., Actor]
) -> None:
    zone = world.context.data["small"].grid_zones[0].id
    household = next(h for h in world.context.data["small"].households if h.grid_zone_id == zone)
    worker = actor_for("grid_worker", world.community_id, zone_id=zone)
    with commons.unit_of_work(worker) as uow:
        person = uow.residents.add(
            Resident(
                community_id=world.community_id,
                household_id=household.id,
                name="赵大爷",
                gender=Gender.MALE,
                birth_date=born(66),
                relation_to_head=RelationToHead.OTHER,
            )
        )
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        (due,) = uow.repo(HealthFile).find(health_file.c.resident_id == person.id)
    assert due.status is FileStatus.DUE


def test_a_resident_registered_with_a_file_in_one_batch_keeps_that_file(
    commons: Commons, world: World, admin: Actor
) -> None:
    person = Resident(
        community_id=world.community_id,
        name="钱奶奶",
        gender=Gender.FEMALE,
        birth_date=born(77),
    )
    with commons.unit_of_work(admin) as uow, uow.batch():
        uow.residents.add(person)
        uow.repo(HealthFile).add(
            HealthFile(
                community_id=world.community_id,
                resident_id=person.id,
                status=FileStatus.OPEN,
                opened_on=TODAY,
            )
        )
    with commons.unit_of_work(admin, readonly=True) as uow:
        (kept,) = uow.repo(HealthFile).find(health_file.c.resident_id == person.id)
    assert kept.status is FileStatus.OPEN


def test_the_health_worker_opens_a_due_file(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    with commons.unit_of_work(health_worker) as uow:
        opened = HealthRecords(uow).open_file(
            world.residents["张奶奶"],
            clinic_id=world.clinic_id,
            conditions={ChronicCondition.HYPERTENSION, ChronicCondition.DIABETES},
            contact_name="王敏",
            contact_relation="子女",
            contact_phone="138 1234 5678",
        )
    assert opened.status is FileStatus.OPEN and opened.opened_on == TODAY
    with commons.unit_of_work(health_worker) as uow:
        stored = HealthRecords(uow).file_of(world.residents["张奶奶"], reveal=True)
    assert stored.id == files(commons, world)["张奶奶"].id  # the due file, now open
    assert stored.conditions == frozenset(
        {ChronicCondition.HYPERTENSION, ChronicCondition.DIABETES}
    )
    assert stored.contact_phone == "13812345678"


def test_a_file_is_for_residents_aged_60_and_over(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    with pytest.raises(ValidationError) as refused, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["王阿姨"])
    assert problem_codes(refused.value) == {"resident_id": "elderly_health.too_young"}
    assert "未满 60 周岁" in refused.value.problems[0].zh
    assert "under 60" in refused.value.problems[0].en
    assert "王阿姨" not in files(commons, world)


def test_a_file_is_opened_once(commons: Commons, world: World, health_worker: Actor) -> None:
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["李爷爷"])
    with pytest.raises(ValidationError) as refused, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["李爷爷"])
    assert problem_codes(refused.value) == {"resident_id": "elderly_health.already_open"}


def test_readings_need_an_open_file(commons: Commons, world: World, health_worker: Actor) -> None:
    with pytest.raises(ValidationError) as refused, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).record_measurement(world.residents["张奶奶"], systolic=130, diastolic=80)
    assert problem_codes(refused.value) == {"resident_id": "elderly_health.no_file"}


def test_readings_are_recorded_and_read_back_newest_first(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    who = world.residents["张奶奶"]
    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(who)
        health.record_measurement(who, on=TODAY - timedelta(days=30), systolic=150, diastolic=95)
        health.record_measurement(who, glucose=Decimal("6.84"), weight=Decimal("61.5"))
    with commons.unit_of_work(health_worker) as uow:
        newest, oldest = HealthRecords(uow).measurements(who, reveal=True)
    assert (oldest.systolic, oldest.diastolic) == (150, 95)
    assert newest.glucose == Decimal("6.8")  # stored to one decimal place
    assert newest.weight == Decimal("61.5") and newest.systolic is None


def test_check_ups_are_by_a_partner_clinic(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    who = world.residents["李爷爷"]
    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(who)
        done = health.record_check_up(who, world.clinic_id, findings="未见明显异常")
    assert done.checked_on == TODAY
    with pytest.raises(ValidationError) as refused, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).record_check_up(who, world.school_id)
    assert problem_codes(refused.value) == {"clinic_id": "elderly_health.not_a_clinic"}


def test_only_holders_of_the_record_permission_record(
    commons: Commons, world: World, actor_for: Callable[..., Actor]
) -> None:
    for role in ("cadre", "resident", "grid_worker"):
        actor = actor_for(role, world.community_id)
        with pytest.raises(AccessDenied), commons.unit_of_work(actor) as uow:
            HealthRecords(uow).open_file(world.residents["张奶奶"])
