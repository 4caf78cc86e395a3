"""Measurement rules: plausible ranges (named in the message), paired blood pressure, dates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from commons_elderly_health import RANGES, FileStatus, HealthFile, HealthRecords

from commons_core import Actor, ValidationError
from commons_core.services import Commons

from .conftest import TODAY, World


@pytest.fixture
def record(commons: Commons, world: World, health_worker: Actor) -> Any:
    """Record readings for 张奶奶 (whose file is open) in a unit of work of their own."""
    who = world.residents["张奶奶"]
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(who)

    def run(**readings: Any) -> None:
        with commons.unit_of_work(health_worker) as uow:
            HealthRecords(uow).record_measurement(who, **readings)

    return run


def refused(record: Any, **readings: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        record(**readings)
    return {p.path: p for p in caught.value.problems}


@pytest.mark.parametrize(
    ("field", "value", "low", "high"),
    [
        ("systolic", 300, "60", "260"),
        ("systolic", 50, "60", "260"),
        ("diastolic", 20, "30", "160"),
        ("glucose", Decimal("40"), "1.0", "35.0"),
        ("weight", Decimal("12"), "25", "250"),
    ],
)
def test_a_reading_outside_its_range_is_refused_with_the_range(
    record: Any, field: str, value: Any, low: str, high: str
) -> None:
    readings: dict[str, Any] = {"systolic": 130, "diastolic": 80, field: value}
    problem = refused(record, **readings)[field]
    assert problem.code == "elderly_health.range"
    for text in (problem.zh, problem.en):
        assert f"{low}" in text and f"{high}" in text and RANGES[field].unit in text
    assert str(value) in problem.en


def test_the_ends_of_the_ranges_are_accepted(record: Any) -> None:
    record(systolic=260, diastolic=160, glucose=Decimal("35.0"), weight=Decimal(250))
    record(systolic=61, diastolic=30, glucose=Decimal("1.0"), weight=Decimal(25))


def test_systolic_must_exceed_diastolic(record: Any) -> None:
    for diastolic in (120, 125):
        problem = refused(record, systolic=120, diastolic=diastolic)["systolic"]
        assert problem.code == "elderly_health.systolic_above_diastolic"
        assert f"收缩压 120 mmHg 应高于舒张压 {diastolic} mmHg" == problem.zh
        assert "must be above diastolic" in problem.en
    record(systolic=121, diastolic=120)


def test_blood_pressure_comes_in_pairs(record: Any) -> None:
    assert refused(record, systolic=130)["diastolic"].code == "elderly_health.pressure_pair"
    assert refused(record, diastolic=80)["systolic"].code == "elderly_health.pressure_pair"


def test_a_measurement_has_a_reading(record: Any) -> None:
    assert refused(record)["systolic"].code == "elderly_health.empty"


def test_pressure_is_in_whole_millimetres(record: Any) -> None:
    assert refused(record, systolic=Decimal("130.5"), diastolic=80)["systolic"].code == (
        "elderly_health.whole"
    )


def test_a_reading_is_not_in_the_future(record: Any) -> None:
    problem = refused(record, weight=Decimal(60), on=TODAY + timedelta(days=1))["measured_on"]
    assert problem.code == "elderly_health.future"


def test_a_check_up_is_not_in_the_future(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    who = world.residents["李爷爷"]
    with commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(who)
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).record_check_up(who, world.clinic_id, on=TODAY + timedelta(days=1))
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("checked_on", "elderly_health.future")
    ]


def test_a_file_opened_needs_its_day_and_not_a_future_one(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["李爷爷"], on=TODAY + timedelta(days=3))
    assert {p.code for p in caught.value.problems} == {"elderly_health.future"}
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(health_worker) as uow:
        uow.repo(HealthFile).add(
            HealthFile(
                community_id=world.community_id,
                resident_id=world.residents["王阿姨"],
                status=FileStatus.OPEN,
            )
        )
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("opened_on", "elderly_health.opened_on")
    ]


def test_the_contact_phone_is_checked_by_the_core(
    commons: Commons, world: World, health_worker: Actor
) -> None:
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(health_worker) as uow:
        HealthRecords(uow).open_file(world.residents["李爷爷"], contact_phone="12345")
    assert [p.path for p in caught.value.problems] == ["contact_phone"]
